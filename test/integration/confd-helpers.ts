// Shared by the confd integration tests: conf dirs, running confd in-process and as a process.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { createConfdBackend } from "../../src/cli/commands/confd.js";
import type { CycleReport } from "../../src/confd/cycle.js";
import { runConfd } from "../../src/confd/main.js";

export const REPO = resolve(import.meta.dirname, "../..");

export interface ResourceFiles {
  name: string;
  toml: string;
  tmpl: string;
}

/** A fresh confdir with conf.d/<name>.toml and templates/<name>.tmpl; `{{DIR}}` in toml is the dir. */
export function makeConfdir(resources: ResourceFiles[], root?: string): string {
  const dir = mkdtempSync(join(root ?? tmpdir(), "hecd-confd-it-"));
  mkdirSync(join(dir, "conf.d"));
  mkdirSync(join(dir, "templates"));
  mkdirSync(join(dir, "out"));
  for (const r of resources) {
    writeFileSync(join(dir, "conf.d", `${r.name}.toml`), r.toml.replaceAll("{{DIR}}", dir));
    writeFileSync(join(dir, "templates", `${r.name}.tmpl`), r.tmpl);
  }
  return dir;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  logs: Record<string, unknown>[];
}

/** Runs `hecd confd` as a library call; `signal` stops watch/interval modes. */
export async function confdInProcess(
  argv: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    signal?: AbortSignal;
    onCycle?: (r: CycleReport) => void;
    logs?: Record<string, unknown>[];
  } = {},
): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  const logs = opts.logs ?? [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) logs.push(JSON.parse(line));
      cb();
    },
  });
  const code = await runConfd(argv, {
    env: opts.env ?? {},
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    logStream,
    createBackend: createConfdBackend,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onCycle ? { onCycle: opts.onCycle } : {}),
  });
  return { code, stdout, stderr, logs };
}

/** Runs `node src/cli/main.ts confd ...` (through tsx) as a child process. */
export function confdProcess(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 30_000,
): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(REPO, "src/cli/main.ts"), "confd", ...argv],
      {
        cwd: REPO,
        env: { PATH: process.env.PATH, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      rej(new Error(`confd process timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      const logs: Record<string, unknown>[] = [];
      const rest: string[] = [];
      for (const line of stderr.split("\n")) {
        if (line.startsWith("{")) logs.push(JSON.parse(line));
        else if (line.trim()) rest.push(line);
      }
      res({ code: code ?? -1, stdout, stderr: rest.join("\n"), logs });
    });
  });
}

/** etcd v2 keys API writes (the v3 client cannot see v2 keys). */
export async function v2put(endpoint: string, key: string, value: string): Promise<void> {
  const r = await fetch(`${endpoint}/v2/keys${key}`, { method: "PUT", body: new URLSearchParams({ value }) });
  if (!r.ok) throw new Error(`v2 PUT ${key}: ${r.status} ${await r.text()}`);
}

export async function v2del(endpoint: string, key: string): Promise<void> {
  const r = await fetch(`${endpoint}/v2/keys${key}`, { method: "DELETE" });
  if (!r.ok) throw new Error(`v2 DELETE ${key}: ${r.status} ${await r.text()}`);
}

export async function eventually<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
