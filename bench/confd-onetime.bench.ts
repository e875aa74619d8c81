// (3) -onetime render of 10,000 keys with the seed HAProxy template: whole-process wall
// time and peak RSS (from /usr/bin/time -v), for a first write, an in-sync run and `-version`
// (the start-up floor); every row is the median of RUNS runs.
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { confdArgs, loadSummary, makeConfdir, REPO, startConfdBench } from "./confd-lib.js";

const KEYS = 10_000;
const RUNS = 3;

const bench = await startConfdBench();
const { etcd, client } = bench;
const dir = makeConfdir(
  `[template]\nsrc = "app.tmpl"\ndest = "{{DIR}}/out/haproxy.cfg"\nkeys = ["/app/servers"]\n`,
  "",
);
copyFileSync(join(REPO, "examples/haproxy/templates/haproxy.cfg.tmpl"), join(dir, "templates/app.tmpl"));
const dest = join(dir, "out/haproxy.cfg");

function timed(args: string[]): { wallS: number; maxRssMb: number; code: number } {
  const r = spawnSync("/usr/bin/time", ["-v", process.execPath, bench.main, "confd", ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, HAPROXY_BIND: "127.0.0.1:8080" },
  });
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (!wall || !rss) throw new Error(`no /usr/bin/time output:\n${r.stderr}`);
  const wallS = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  return { wallS, maxRssMb: Number(rss[1]) / 1024, code: r.status ?? -1 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** "median s (max s)": with RUNS samples the nearest-rank p99 is the maximum. */
const wall = (rs: ReturnType<typeof timed>[]): string =>
  `${median(rs.map((r) => r.wallS)).toFixed(2)} s (${Math.max(...rs.map((r) => r.wallS)).toFixed(2)} s)`;

try {
  for (let i = 0; i < KEYS; i += 200) {
    await Promise.all(
      Array.from({ length: 200 }, (_, j) =>
        client
          .put(`/app/servers/app-${String(i + j).padStart(5, "0")}`)
          .value(`10.${(i + j) >> 16}.${((i + j) >> 8) & 255}.${(i + j) & 255}:8080`),
      ),
    );
  }
  const args = confdArgs("-onetime", etcd.endpoint, dir, "warn");
  const first: ReturnType<typeof timed>[] = [];
  const inSync: ReturnType<typeof timed>[] = [];
  for (let i = 0; i < RUNS; i++) {
    rmSync(dest, { force: true });
    first.push(timed(args));
    inSync.push(timed(args));
  }
  const servers = readFileSync(dest, "utf8")
    .split("\n")
    .filter((l) => /^\s+server /.test(l)).length;
  if (servers !== KEYS) throw new Error(`rendered ${servers} server lines, want ${KEYS}`);
  if ([...first, ...inSync].some((r) => r.code !== 0)) throw new Error("a confd run failed");
  const base = Array.from({ length: RUNS }, () => timed(["-version"]));
  if (base.some((r) => r.code !== 0)) throw new Error("confd -version failed");
  console.log(`| run | wall time, median of ${RUNS} (max) | peak RSS (median of ${RUNS}) |`);
  console.log("| --- | --- | --- |");
  console.log(
    `| write ${KEYS} servers (dest absent) | ${wall(first)} | ${median(first.map((r) => r.maxRssMb)).toFixed(0)} MB |`,
  );
  console.log(
    `| in sync (dest unchanged) | ${wall(inSync)} | ${median(inSync.map((r) => r.maxRssMb)).toFixed(0)} MB |`,
  );
  console.log(
    `| \`-version\` (startup floor) | ${wall(base)} | ${median(base.map((r) => r.maxRssMb)).toFixed(0)} MB |`,
  );
  console.log(`\nLoad average at the end: ${loadSummary()}.`);
  console.log(
    `\nTemplate: examples/haproxy/templates/haproxy.cfg.tmpl; dest ${(readFileSync(dest).length / 1024).toFixed(0)} KiB.`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  await bench.close();
}
