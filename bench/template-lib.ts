// Shared by bench/template*.bench.ts: the KV fixture of N servers, percentiles,
// the Go oracle, and the side-by-side whole-process comparison (hyperfine) of
// `hecd template` with the oracle process.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export function kvFixture(n: number): Record<string, string> {
  const kv: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    kv[`/app/servers/web-${String(i).padStart(5, "0")}`] =
      `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${8000 + (i % 1000)}`;
  }
  kv["/app/name"] = "bench";
  return kv;
}

export function stats(ns: number[]): { min: number; median: number; p99: number } {
  const s = [...ns].sort((a, b) => a - b);
  // Same index rule as the oracle's -bench: median = s[n/2], p99 = s[n*99/100].
  return {
    min: s[0]!,
    median: s[Math.floor(s.length / 2)]!,
    p99: s[Math.min(s.length - 1, Math.floor((s.length * 99) / 100))]!,
  };
}

export const ms = (ns: number): string => (ns / 1e6).toFixed(2);

export function buildOracle(root: string): string {
  const script = resolve(root, "../shared/gotmpl-oracle/build.sh");
  return execFileSync("bash", [script], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

export function hasTool(name: string): boolean {
  return spawnSync("bash", ["-c", `command -v ${name}`]).status === 0;
}

/** One command's whole-process figures from hyperfine, in ns. */
export interface ProcessFigures {
  command: string;
  label: string;
  median: number;
  p99: number;
}

/**
 * `hyperfine -N` of hecdCmd and goCmd side by side, printed as a Markdown table
 * with each one's median / p99 / mean / CPU and the ratio of the medians. Run
 * once in the environment as it is (the goal's verdict) and, when
 * NODE_EXTRA_CA_CERTS is set, once without it.
 */
export function wholeProcessSideBySide(
  work: string,
  runs: number,
  hecdCmd: string,
  goCmd: string,
): ProcessFigures[] {
  // The goal is judged in this machine's environment as it is. NODE_EXTRA_CA_CERTS (this
  // sandbox sets it for every tool) would cost node ~30 ms per start; bin/hecd spares the
  // template command that, and a second run shows both without the variable.
  const envs: [label: string, env: NodeJS.ProcessEnv][] = [["environment as is", process.env]];
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const clean = { ...process.env };
    delete clean.NODE_EXTRA_CA_CERTS;
    envs.push(["without NODE_EXTRA_CA_CERTS", clean]);
  }
  console.log(
    `| whole process (hyperfine -N, ${runs} runs, side by side) | median ms | p99 ms | mean ms | user+sys CPU ms |`,
  );
  console.log("| --- | ---: | ---: | ---: | ---: |");
  const verdicts: string[] = [];
  const figures: ProcessFigures[] = [];
  for (const [label, env] of envs) {
    const json = join(work, "hyperfine.json");
    execFileSync(
      "hyperfine",
      [
        "-N",
        "--warmup",
        "3",
        "--runs",
        String(runs),
        "--style",
        "none",
        "--output",
        "null",
        "--export-json",
        json,
        "-n",
        "hecd template",
        hecdCmd,
        "-n",
        "gotmpl-oracle",
        goCmd,
      ],
      { stdio: ["ignore", "ignore", "inherit"], env },
    );
    const r = JSON.parse(readFileSync(json, "utf8")) as {
      results: { command: string; mean: number; times: number[]; user: number; system: number }[];
    };
    const [h, g] = r.results.map((x) => ({ ...x, s: stats(x.times.map((t) => t * 1e9)) }));
    for (const x of [h!, g!]) {
      console.log(
        `| ${x.command} (${label}) | ${ms(x.s.median)} | ${ms(x.s.p99)} | ${(x.mean * 1e3).toFixed(2)} | ${((x.user + x.system) * 1e3).toFixed(1)} |`,
      );
      figures.push({ command: x.command, label, median: x.s.median, p99: x.s.p99 });
    }
    const ratio = h!.s.median / g!.s.median;
    verdicts.push(
      `${label}: hecd process / oracle process (median) = ${ratio.toFixed(2)}` +
        (env === process.env ? ` (goal <= 1.00: ${ratio <= 1 ? "met" : "MISSED"})` : ""),
    );
  }
  console.log(`\n${verdicts.join("\n")}`);
  console.log(`\nCommands: \`${hecdCmd}\`, \`${goCmd}\``);
  return figures;
}

/** Server lines aligned with printf flags and widths (`%-12s %5s`), as hand-written confd templates do. */
export const ALIGNED_TEMPLATE = `global
    maxconn 5000
defaults
    mode http
    timeout connect 5000
frontend http
    bind 127.0.0.1:8080
    default_backend app
backend app
    balance roundrobin
{{range gets "/app/servers/*"}}{{$p := split .Value ":"}}    server {{printf "%-12s %5s" (base .Key) (index $p 1)}} {{index $p 0}} check inter 5000
{{end}}`;
