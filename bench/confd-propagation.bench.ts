// (1) Watch-mode propagation: etcd put -> dest file replaced, p50/p99 over 500 puts, -wait off.
import { readFileSync, rmSync, watch } from "node:fs";
import { join } from "node:path";
import {
  confdArgs,
  loadSummary,
  makeConfdir,
  percentile,
  startConfd,
  startConfdBench,
  until,
} from "./confd-lib.js";

const PUTS = 500;
const SERVERS = 10;

const bench = await startConfdBench();
const { etcd, client } = bench;
const dir = makeConfdir(
  `[template]\nsrc = "app.tmpl"\ndest = "{{DIR}}/out/haproxy.cfg"\nkeys = ["/servers"]\nprefix = "/app"\n`,
  `listen app\n{{range gets "/servers/*"}}    server {{base .Key}} {{.Value}} check inter 5000 fall 1 rise 2\n{{end}}`,
);
const dest = join(dir, "out/haproxy.cfg");
const confd = startConfd(bench.main, confdArgs("-watch", etcd.endpoint, dir, "debug"));
try {
  for (let i = 0; i < SERVERS; i++) await client.put(`/app/servers/web${i}`).value(`10.0.0.${i + 1}:8080`);
  const has = (text: string) => {
    try {
      return readFileSync(dest, "utf8").includes(text);
    } catch {
      return false;
    }
  };
  await until("first render", () => has(`web${SERVERS - 1} `), 20_000);
  await new Promise((r) => setTimeout(r, 300));

  const samples: number[] = [];
  let waiting: { text: string; done: () => void } | undefined;
  const watcher = watch(join(dir, "out"), () => {
    if (waiting && has(waiting.text)) waiting.done();
  });
  for (let i = 0; i < PUTS; i++) {
    const value = `10.0.1.${i % 250}:${20000 + i}`;
    const seen = new Promise<void>((resolve) => (waiting = { text: value, done: resolve }));
    const t0 = performance.now();
    await client.put("/app/servers/web0").value(value);
    const timeout = new Promise<never>((_, rej) =>
      setTimeout(() => rej(new Error(`put ${i} not seen in 5 s`)), 5000).unref(),
    );
    await Promise.race([seen, timeout]);
    samples.push(performance.now() - t0);
    waiting = undefined;
    await new Promise((r) => setTimeout(r, 5));
  }
  watcher.close();
  samples.sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(1);
  console.log(`| metric | value |\n| --- | --- |`);
  console.log(`| puts | ${PUTS} (one key of ${SERVERS}, sequential, 5 ms apart) |`);
  console.log(`| p50 put -> dest replaced | ${f(percentile(samples, 50))} ms |`);
  console.log(`| p90 | ${f(percentile(samples, 90))} ms |`);
  console.log(`| p99 | ${f(percentile(samples, 99))} ms |`);
  console.log(`| max | ${f(samples[samples.length - 1]!)} ms |`);
  const done = confd.logs.filter((l) => l.msg === "cycle done").slice(1);
  const col = (k: string) => done.map((l) => Number(l[k])).sort((a, b) => a - b);
  const cyc = col("ms");
  const rd = col("readMs");
  console.log(
    `| inside confd: cycle (read + render + stage + swap) p50 / p99 | ${percentile(cyc, 50)} / ${percentile(cyc, 99)} ms |`,
  );
  console.log(`| inside confd: etcd read p50 / p99 | ${percentile(rd, 50)} / ${percentile(rd, 99)} ms |`);
  console.log(`| load average during the run | ${loadSummary()} |`);
  console.log(`| goal | p99 < 50 ms: ${percentile(samples, 99) < 50 ? "met" : "NOT met"} |`);
} finally {
  await confd.stop();
  rmSync(dir, { recursive: true, force: true });
  await bench.close();
}
