// Shared by bench/confd-*.bench.ts: a private build of hecd, conf dirs, percentiles.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Etcd3 } from "etcd3";
import { startEtcd, type EtcdServer } from "../test/harness/etcd.js";
import { stopChild } from "../test/harness/process.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Compiles src/ into a temp dir (never touching dist/) and returns the CLI entry. */
export function buildHecd(): { main: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "hecd-bench-build-"));
  const out = join(root, "dist");
  const r = spawnSync(
    process.execPath,
    [join(REPO, "node_modules/typescript/bin/tsc"), "-p", join(REPO, "tsconfig.build.json"), "--outDir", out],
    {
      encoding: "utf8",
    },
  );
  // tsc still emits on type errors elsewhere in the tree (other work in progress); confd must have built.
  if (!existsSync(join(out, "confd/main.js"))) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
  if (r.status !== 0)
    process.stderr.write(`note: tsc reported type errors outside confd; using the emitted JS anyway\n`);
  writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module" }));
  symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"));
  // The full CLI imports every command; while other commands are mid-change it may not load,
  // so the benchmarks run an entry with exactly what `hecd confd` does (src/cli/commands/confd.ts).
  const entry = join(root, "confd-entry.js");
  writeFileSync(
    entry,
    [
      'import { createBackend } from "./dist/backends/index.js";',
      'import { runConfd } from "./dist/confd/main.js";',
      "const args = process.argv.slice(2);",
      'if (args[0] === "confd") args.shift();',
      "const ac = new AbortController();",
      'process.once("SIGTERM", () => ac.abort());',
      'process.once("SIGINT", () => ac.abort());',
      "process.exitCode = await runConfd(args, {",
      "  env: process.env,",
      "  stdout: (t) => process.stdout.write(t),",
      "  stderr: (t) => process.stderr.write(t),",
      "  signal: ac.signal,",
      "  createBackend,",
      "});",
      "",
    ].join("\n"),
  );
  return { main: entry, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface ConfdBench {
  /** The private hecd build (see buildHecd). */
  main: string;
  etcd: EtcdServer;
  client: Etcd3;
  /** Closes the client, destroys etcd and removes the build. */
  close(): Promise<void>;
}

/** A private hecd build, a fresh etcd and a client to write keys with. */
export async function startConfdBench(): Promise<ConfdBench> {
  const build = buildHecd();
  let etcd: EtcdServer;
  try {
    etcd = await startEtcd();
  } catch (e) {
    build.cleanup();
    throw e;
  }
  const client = new Etcd3({ hosts: etcd.endpoint });
  return {
    main: build.main,
    etcd,
    client,
    close: async () => {
      client.close();
      await etcd.destroy();
      build.cleanup();
    },
  };
}

/** `hecd confd` arguments for the etcdv3 backend at `endpoint` with the conf dir `dir`. */
export function confdArgs(
  mode: "-watch" | "-onetime",
  endpoint: string,
  dir: string,
  logLevel: "debug" | "info" | "warn",
): string[] {
  return [mode, "-backend", "etcdv3", "-node", endpoint, "-confdir", dir, "-log-level", logLevel];
}

/** "1.2, 0.9, 0.7 on 8 CPUs" */
export function loadSummary(): string {
  return `${loadavg()
    .map((x) => x.toFixed(1))
    .join(", ")} on ${cpus().length} CPUs`;
}

export function makeConfdir(toml: string, tmpl: string): string {
  const dir = mkdtempSync(join(tmpdir(), "hecd-bench-confd-"));
  mkdirSync(join(dir, "conf.d"));
  mkdirSync(join(dir, "templates"));
  mkdirSync(join(dir, "out"));
  writeFileSync(join(dir, "conf.d/app.toml"), toml.replaceAll("{{DIR}}", dir));
  writeFileSync(join(dir, "templates/app.tmpl"), tmpl);
  return dir;
}

export function startConfd(
  main: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; logs: Record<string, unknown>[]; stop: () => Promise<void> } {
  const child = spawn(process.execPath, [main, "confd", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH, ...env },
  });
  const logs: Record<string, unknown>[] = [];
  let buf = "";
  child.stderr!.on("data", (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith("{")) logs.push(JSON.parse(line));
      else if (line.trim()) process.stderr.write(`confd: ${line}\n`);
    }
  });
  const stop = () => stopChild(child, "SIGTERM", 5000);
  return { child, logs, stop };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)]!;
}

export async function until(
  what: string,
  probe: () => boolean | Promise<boolean>,
  ms: number,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
