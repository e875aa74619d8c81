// (2) A burst of 1,000 puts in watch mode: renders and reloads with -wait 50ms:500ms,
// and without -wait for comparison.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { confdArgs, loadSummary, makeConfdir, startConfd, startConfdBench, until } from "./confd-lib.js";

const PUTS = 1000;
const CONCURRENCY = 20;

const bench = await startConfdBench();
const { etcd, client } = bench;

function count(file: string): number {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
}

async function run(prefix: string, wait: string | undefined) {
  const dir = makeConfdir(
    `[template]\nsrc = "app.tmpl"\ndest = "{{DIR}}/out/haproxy.cfg"\nkeys = ["/servers"]\nprefix = "${prefix}"\nreload_cmd = "echo reload >> {{DIR}}/reloads"\n`,
    `listen app\n{{range gets "/servers/*"}}    server {{base .Key}} {{.Value}} check\n{{end}}`,
  );
  const dest = join(dir, "out/haproxy.cfg");
  await client.put(`${prefix}/servers/seed`).value("10.0.0.1:80");
  const args = confdArgs("-watch", etcd.endpoint, dir, "debug");
  if (wait) args.push("-wait", wait);
  const confd = startConfd(bench.main, args);
  try {
    await until("first render", () => count(join(dir, "reloads")) === 1, 20_000);
    const cyclesBefore = confd.logs.filter((l) => l.msg === "cycle done").length;
    const t0 = performance.now();
    for (let i = 0; i < PUTS; i += CONCURRENCY) {
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, PUTS - i) }, (_, j) =>
          client.put(`${prefix}/servers/s${i + j}`).value(`10.1.${(i + j) >> 8}.${(i + j) & 255}:80`),
        ),
      );
    }
    const burstMs = performance.now() - t0;
    await until("all servers rendered", () => count(dest) === PUTS + 2, 30_000);
    const settledMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 1500));
    const cycles = confd.logs.filter((l) => l.msg === "cycle done").length - cyclesBefore;
    const reloads = count(join(dir, "reloads")) - 1;
    return { burstMs, settledMs, cycles, reloads };
  } finally {
    await confd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  const withWait = await run("/burst-wait", "50ms:500ms");
  const noWait = await run("/burst-nowait", undefined);
  console.log("| mode | burst duration | last put -> all rendered | renders | reloads |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const [name, r] of [
    ["-wait 50ms:500ms", withWait],
    ["no -wait", noWait],
  ] as const) {
    console.log(
      `| ${name} | ${r.burstMs.toFixed(0)} ms | ${(r.settledMs - r.burstMs).toFixed(0)} ms | ${r.cycles} | ${r.reloads} |`,
    );
  }
  console.log(`\nLoad average at the end: ${loadSummary()}.`);
  console.log(`\n${PUTS} puts, ${CONCURRENCY} in flight at a time, each a new key under the watched prefix.`);
} finally {
  await bench.close();
}
