// `npm run bench template`: renders an HAProxy config with 10,000 servers against the Go
// oracle, in-process (what `hecd confd` does each cycle: a fresh KV store from the backend's
// values, parse, execute) and as whole processes (`hecd template` vs the oracle process).
//   HECD_BENCH_RENDERS=<n>  timed renders (default 200, after 200 warm-up renders)
//   HECD_BENCH_SERVERS=<n>  number of servers (default 10000)
//   HECD_BENCH_PROCESS_RUNS=<n>  hyperfine runs per command (default 40)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { templateFileRenderer } from "../src/confd/render.js";
import { confdFuncs } from "../src/confd/funcs.js";
import { MemKV } from "../src/confd/memkv.js";
import { renderTemplate } from "../src/confd/template-file.js";
import { Template } from "../src/template/template.js";
import {
  ALIGNED_TEMPLATE,
  buildOracle,
  hasTool,
  kvFixture,
  ms,
  stats,
  wholeProcessSideBySide,
} from "./template-lib.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SERVERS = Number(process.env.HECD_BENCH_SERVERS ?? 10_000);
const RENDERS = Number(process.env.HECD_BENCH_RENDERS ?? 200);
const WARMUP = 200;
const PROCESS_RUNS = Number(process.env.HECD_BENCH_PROCESS_RUNS ?? 40);

/** Issue 2's template: gets + split + printf with plain %s verbs. */
export const HAPROXY_TEMPLATE = `global
    maxconn 5000
defaults
    mode http
    timeout connect 5000
    timeout client 50000
    timeout server 50000
frontend http
    bind 127.0.0.1:8080
    default_backend app
backend app
    balance roundrobin
{{range gets "/app/servers/*"}}{{$p := split .Value ":"}}{{printf "    server %s %s:%s check inter 5000 fall 1 rise 2" (base .Key) (index $p 0) (index $p 1)}}
{{end}}`;

const work = mkdtempSync(join(tmpdir(), "hecd-bench-template-"));
try {
  const tmplFile = join(work, "haproxy.cfg.tmpl");
  const widthFile = join(work, "haproxy-printf-width.cfg.tmpl");
  const kvFile = join(work, "kv.json");
  const kv = kvFixture(SERVERS);
  writeFileSync(tmplFile, HAPROXY_TEMPLATE);
  writeFileSync(widthFile, ALIGNED_TEMPLATE);
  writeFileSync(kvFile, JSON.stringify(kv));

  // In-process, what `hecd confd` does each cycle: the backend's values (in memory here, in key
  // order as etcd returns a range) go into a fresh store, then parse + execute. `cycle` is
  // confd's own renderer (src/confd/render.ts), which also reads the template file each cycle.
  const values = new Map(Object.entries(kv));
  const text = readFileSync(tmplFile, "utf8");
  const confdRender = templateFileRenderer({});
  const cycle = (): Promise<string> => confdRender(tmplFile, values);
  const freshStore = (): MemKV => {
    const store = new MemKV();
    for (const [k, v] of values) store.set(k, v);
    return store;
  };
  // The same without the compiled fast path: every node walked by the interpreter.
  const interpret = async (): Promise<string> =>
    Template.parse("haproxy.cfg.tmpl", text, confdFuncs(freshStore())).execute(null);
  // Reference only: one store for every render, so its sorted key list is cached after the
  // first; neither confd nor the oracle keeps such a cache from one render to the next.
  const shared = freshStore();
  const reused = async (): Promise<string> =>
    renderTemplate({ name: "haproxy.cfg.tmpl", text, store: shared });
  const timed = async (f: () => Promise<string>): Promise<ReturnType<typeof stats>> => {
    for (let i = 0; i < WARMUP; i++) await f();
    const times: number[] = [];
    for (let i = 0; i < RENDERS; i++) {
      const t0 = process.hrtime.bigint();
      await f();
      times.push(Number(process.hrtime.bigint() - t0));
    }
    return stats(times);
  };
  const first = await cycle();
  if ((await interpret()) !== first)
    throw new Error("the fast path and the interpreter render different output");
  if ((await reused()) !== first) throw new Error("a reused store renders different output");
  const ours = await timed(cycle);
  const interpreted = await timed(interpret);
  const cached = await timed(reused);

  // The oracle: same template and KV file, Go's own timings. It loads its store once, but
  // memkv keeps no sorted index: every `gets` sorts all keys, as in each confd cycle.
  const oracle = buildOracle(root);
  const benchRuns = RENDERS + WARMUP;
  const o = spawnSync(oracle, ["-template", tmplFile, "-kv", kvFile, "-bench", String(benchRuns)], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (o.status !== 0) throw new Error(`oracle failed: ${o.stderr}`);
  if (o.stdout !== first)
    throw new Error("hecd and the oracle render different output for the benchmark template");
  const m = /bench: renders=(\d+) bytes=(\d+) min_ns=(\d+) median_ns=(\d+) p99_ns=(\d+)/.exec(o.stderr);
  if (!m) throw new Error(`unexpected oracle bench output: ${o.stderr}`);
  const go = { min: Number(m[3]), median: Number(m[4]), p99: Number(m[5]) };

  console.log(
    `Template: ${SERVERS} servers, output ${first.length} bytes; ${RENDERS} timed renders after ${WARMUP} warm-up (Go: ${benchRuns} renders, no warm-up split).\n` +
      "Each hecd render builds a fresh KV store, as `hecd confd` does each cycle; the oracle loads its store once " +
      "and memkv sorts all keys on every `gets`, as confd does each cycle.\n",
  );
  console.log("| in-process, per render | min ms | median ms | p99 ms |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| hecd (node ${process.version}): fresh store + parse + execute (confd's renderer) | ${ms(ours.min)} | ${ms(ours.median)} | ${ms(ours.p99)} |`,
  );
  console.log(
    `| hecd, interpreter only (no fast path): fresh store + parse + execute | ${ms(interpreted.min)} | ${ms(interpreted.median)} | ${ms(interpreted.p99)} |`,
  );
  console.log(
    `| Go oracle (text/template + memkv): parse + execute, a sort per gets | ${ms(go.min)} | ${ms(go.median)} | ${ms(go.p99)} |`,
  );
  console.log(
    `| reference, not compared: hecd with one store for every render (sorted keys cached) | ${ms(cached.min)} | ${ms(cached.median)} | ${ms(cached.p99)} |`,
  );
  const ratio = ours.median / go.median;
  console.log(
    `\nhecd median / Go median = ${ratio.toFixed(2)} (goal <= 0.50: ${ratio <= 0.5 ? "met" : "MISSED"}); ` +
      `interpreter alone: ${(interpreted.median / go.median).toFixed(2)}\n`,
  );

  // Whole process: the installed executable's `hecd template` vs the oracle process.
  const cli = join(root, "bin/hecd");
  if (!existsSync(join(root, "dist/cli/hecd.cjs"))) {
    console.log(
      "Whole-process comparison skipped: dist/cli/hecd.cjs is missing (run `npm run build` first).",
    );
    process.exitCode = 1;
  } else if (!hasTool("hyperfine")) {
    console.log("Whole-process comparison skipped: hyperfine is not installed (apt-get install hyperfine).");
    process.exitCode = 1;
  } else {
    for (const [what, file] of [
      ['printf "%-12s %5s" (aligned server lines)', widthFile],
      ["plain printf (the in-process template above)", tmplFile],
    ] as const) {
      const hecdArgs = ["template", file, "--kv", kvFile];
      const goArgs = ["-template", file, "-kv", kvFile];
      const h = spawnSync(cli, hecdArgs, { maxBuffer: 64 * 1024 * 1024 });
      const g = spawnSync(oracle, goArgs, { maxBuffer: 64 * 1024 * 1024 });
      if (h.status !== 0 || g.status !== 0 || !h.stdout.equals(g.stdout))
        throw new Error(`hecd template and the oracle print different output for ${file}`);
      console.log(`Whole process, template with ${what}, output ${h.stdout.length} bytes:\n`);
      wholeProcessSideBySide(work, PROCESS_RUNS, [cli, ...hecdArgs].join(" "), [oracle, ...goArgs].join(" "));
      console.log();
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
