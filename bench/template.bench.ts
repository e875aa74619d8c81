// `npm run bench template`: renders an HAProxy config with 10,000 servers from
// the KV store (gets + split + printf), in-process (parse + execute per render,
// as confd does each cycle) and as whole processes, against the Go oracle.
//   HECD_BENCH_RENDERS=<n>  timed renders (default 200, after 200 warm-up renders)
//   HECD_BENCH_SERVERS=<n>  number of servers (default 10000)
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadKVFile, renderTemplate } from "../src/template/render.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SERVERS = Number(process.env.HECD_BENCH_SERVERS ?? 10_000);
const RENDERS = Number(process.env.HECD_BENCH_RENDERS ?? 200);
const WARMUP = 200;

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

function kvFixture(n: number): Record<string, string> {
  const kv: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    kv[`/app/servers/web-${String(i).padStart(5, "0")}`] =
      `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${8000 + (i % 1000)}`;
  }
  kv["/app/name"] = "bench";
  return kv;
}

function stats(ns: number[]): { min: number; median: number; p99: number } {
  const s = [...ns].sort((a, b) => a - b);
  // Same index rule as the oracle's -bench: median = s[n/2], p99 = s[n*99/100].
  return {
    min: s[0]!,
    median: s[Math.floor(s.length / 2)]!,
    p99: s[Math.min(s.length - 1, Math.floor((s.length * 99) / 100))]!,
  };
}

const ms = (ns: number): string => (ns / 1e6).toFixed(2);

function buildOracle(): string {
  const script = resolve(root, "../shared/gotmpl-oracle/build.sh");
  return execFileSync("bash", [script], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

function hasTool(name: string): boolean {
  return spawnSync("bash", ["-c", `command -v ${name}`]).status === 0;
}

const work = mkdtempSync(join(tmpdir(), "hecd-bench-template-"));
try {
  const tmplFile = join(work, "haproxy.cfg.tmpl");
  const kvFile = join(work, "kv.json");
  writeFileSync(tmplFile, HAPROXY_TEMPLATE);
  writeFileSync(kvFile, JSON.stringify(kvFixture(SERVERS)));

  // In-process: inputs loaded once, then parse + execute per render.
  const store = loadKVFile(kvFile);
  const text = readFileSync(tmplFile, "utf8");
  const render = (): string => renderTemplate({ name: "haproxy.cfg.tmpl", text, store });
  const first = render();
  for (let i = 0; i < WARMUP; i++) render();
  const times: number[] = [];
  for (let i = 0; i < RENDERS; i++) {
    const t0 = process.hrtime.bigint();
    render();
    times.push(Number(process.hrtime.bigint() - t0));
  }
  const ours = stats(times);

  // The oracle: same template and KV file, Go's own timings.
  const oracle = buildOracle();
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
    `Template: ${SERVERS} servers, output ${first.length} bytes; ${RENDERS} timed renders after ${WARMUP} warm-up (Go: ${benchRuns} renders, no warm-up split).\n`,
  );
  console.log("| in-process parse + execute | min ms | median ms | p99 ms |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(`| hecd (node ${process.version}) | ${ms(ours.min)} | ${ms(ours.median)} | ${ms(ours.p99)} |`);
  console.log(`| Go oracle (text/template) | ${ms(go.min)} | ${ms(go.median)} | ${ms(go.p99)} |`);
  const ratio = ours.median / go.median;
  console.log(
    `\nhecd median / Go median = ${ratio.toFixed(2)} (goal <= 0.50: ${ratio <= 0.5 ? "met" : "MISSED"})\n`,
  );

  // Whole process: `hecd template` vs the oracle process.
  const cli = join(root, "dist/cli/main.js");
  if (!existsSync(cli)) {
    console.log(`Whole-process comparison skipped: ${cli} is missing (run \`npm run build\` first).`);
    process.exitCode = 1;
  } else if (!hasTool("hyperfine")) {
    console.log("Whole-process comparison skipped: hyperfine is not installed (apt-get install hyperfine).");
    process.exitCode = 1;
  } else {
    const json = join(work, "hyperfine.json");
    // The template command alone, as a main that loads only the command it runs would.
    const entry = join(work, "template-only.mjs");
    writeFileSync(
      entry,
      `import { Command } from ${JSON.stringify(join(root, "node_modules/commander/esm.mjs"))};\n` +
        `import { registerTemplate } from ${JSON.stringify(join(root, "dist/cli/commands/template.js"))};\n` +
        `const p = new Command("hecd"); registerTemplate(p); await p.parseAsync(process.argv);\n`,
    );
    const hecdCmd = `node ${cli} template ${tmplFile} --kv ${kvFile}`;
    const lazyCmd = `node ${entry} template ${tmplFile} --kv ${kvFile}`;
    const goCmd = `${oracle} -template ${tmplFile} -kv ${kvFile}`;
    execFileSync(
      "hyperfine",
      [
        "-N",
        "--warmup",
        "3",
        "--runs",
        "20",
        "--style",
        "none",
        "--output",
        "null",
        "--export-json",
        json,
        "-n",
        "hecd template (dist/cli/main.js)",
        hecdCmd,
        "-n",
        "template command only (lazy main)",
        lazyCmd,
        "-n",
        "gotmpl-oracle",
        goCmd,
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const r = JSON.parse(readFileSync(json, "utf8")) as {
      results: {
        command: string;
        mean: number;
        stddev: number;
        median: number;
        min: number;
        max: number;
        user: number;
        system: number;
      }[];
    };
    console.log("| whole process (hyperfine -N, 20 runs) | mean ms | median ms | min ms | user+sys CPU ms |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const x of r.results) {
      console.log(
        `| ${x.command} | ${(x.mean * 1e3).toFixed(1)} ± ${(x.stddev * 1e3).toFixed(1)} | ${(x.median * 1e3).toFixed(1)} | ${(x.min * 1e3).toFixed(1)} | ${((x.user + x.system) * 1e3).toFixed(1)} |`,
      );
    }
    const [h, l, g] = r.results;
    console.log(
      `\nhecd process / oracle process (median) = ${(h!.median / g!.median).toFixed(2)} (goal <= 1.00: ${h!.median <= g!.median ? "met" : "MISSED"}); template command only / oracle = ${(l!.median / g!.median).toFixed(2)}`,
    );
    console.log(`\nCommands: \`${hecdCmd}\`, \`${lazyCmd}\`, \`${goCmd}\``);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
