// close() must release everything: a process that used a backend exits on its own.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEtcd, type EtcdServer } from "../harness/etcd.js";

const root = resolve(import.meta.dirname, "../..");
let etcd: EtcdServer;
let dir: string;

beforeAll(async () => {
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), "hecd-backends-exit-"));
  writeFileSync(join(dir, "data.yaml"), "app:\n  servers:\n    web1: 10.0.0.1:80\n");
  const admin = new Etcd3({ hosts: etcd.endpoint });
  await admin.put("/app/servers/web1").value("10.0.0.1:80");
  admin.close();
  const res = await fetch(`${etcd.endpoint}/v2/keys/app/servers/web1`, {
    method: "PUT",
    body: new URLSearchParams({ value: "10.0.0.1:80" }),
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await etcd?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function runScript(backend: string): Promise<{ code: number | null; out: string; ms: number }> {
  const script = join(dir, `exit-${backend}.mts`);
  const index = pathToFileURL(join(root, "src/backends/index.ts")).href;
  writeFileSync(
    script,
    `import { createBackend } from ${JSON.stringify(index)};
const b = await createBackend({ backend: ${JSON.stringify(backend)}, nodes: [${JSON.stringify(etcd.endpoint)}], files: [${JSON.stringify(join(dir, "data.yaml"))}] });
const snap = await b.getValues(["/app"]);
const ac = new AbortController();
const aborted = b.watch(["/app"], snap.revision, ac.signal).catch((e) => e.name);
const pending = b.watch(["/app/servers"], snap.revision, new AbortController().signal).catch((e) => e.message);
await new Promise((r) => setTimeout(r, 200));
ac.abort();
const first = await aborted;
await b.close();
console.log(snap.values.size, first, await pending);
`,
  );
  const started = Date.now();
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const killer = setTimeout(() => p.kill("SIGKILL"), 15_000);
    p.on("error", fail);
    p.on("exit", (code) => {
      clearTimeout(killer);
      done({ code, out, ms: Date.now() - started });
    });
  });
}

describe("close() leaves no open handles", () => {
  for (const backend of ["etcdv3", "etcd", "file"]) {
    it(`${backend}: the process exits by itself after close()`, async () => {
      const r = await runScript(backend);
      expect(r.out).toMatch(new RegExp(`^1 AbortError .*backend closed while watching\\n$`));
      expect(r.code).toBe(0);
    });
  }
});
