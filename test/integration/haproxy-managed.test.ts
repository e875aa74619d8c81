import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startManagedHaproxy, type ManagedHaproxy } from "../../src/haproxy/managed.js";
import { normalizeServers } from "../../src/haproxy/servers.js";
import { FAST_CHECK, freePort, recordingLog, startBackend, type TestBackend } from "../harness/haproxy.js";
import { waitFor } from "../harness/ports.js";
import { alive } from "../harness/process.js";
import { requireTool } from "../harness/tools.js";

describe("startManagedHaproxy: HAProxy as hecd up runs it", () => {
  const bin = requireTool("haproxy", "apt-get install -y haproxy");
  const stateDir = mkdtempSync(join(tmpdir(), "hecd-managed-"));
  const backends: TestBackend[] = [];
  const etcd = new Map<string, string>();
  const log = recordingLog();
  let hx: ManagedHaproxy | undefined;
  let port: number;

  const start = async (): Promise<ManagedHaproxy> =>
    startManagedHaproxy({
      stateDir,
      port,
      initial: normalizeServers(etcd).servers,
      desired: async () => normalizeServers(etcd).servers,
      driftIntervalMs: 100,
      drainTimeoutMs: 3000,
      log,
      haproxyBin: bin,
      config: { bindAddress: "127.0.0.1", check: FAST_CHECK },
    });

  beforeAll(async () => {
    for (const n of ["m1", "m2"]) backends.push(await startBackend(n));
    port = await freePort();
    etcd.set("m1", backends[0]!.address);
    hx = await start();
  });
  afterAll(async () => {
    await hx?.stop();
    await Promise.all(backends.map((b) => b.close()));
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("serves the initial set, with a generated 0600 stats password", async () => {
    const m = hx!;
    expect(m.stats.passwordCreated).toBe(true);
    expect(statSync(m.stats.passwordPath).mode & 0o777).toBe(0o600);
    expect(statSync(m.configPath).mode & 0o777).toBe(0o600);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("m1\n");
    const auth = `Basic ${Buffer.from(`admin:${m.stats.password}`).toString("base64")}`;
    expect((await fetch(`http://127.0.0.1:${port}/admin-status`)).status).toBe(401);
    expect(
      (await fetch(`http://127.0.0.1:${port}/admin-status`, { headers: { authorization: auth } })).status,
    ).toBe(200);
  });

  it("applies etcd changes without a reload; the drift loop undoes changes made behind its back", async () => {
    const m = hx!;
    const worker = (await m.process.master.showProc()).workers[0]!.pid;
    etcd.set("m2", backends[1]!.address);
    const r = await m.sync(normalizeServers(etcd).servers);
    expect(r.apply.added).toEqual(["m2"]);
    // Delete it behind the controller's back; the loop may set it ready again in between.
    await waitFor("m2 deleted by hand", async () => {
      await m.process.runtime.setServerState("app", "m2", "maint");
      await m.process.runtime.delServer("app", "m2");
      return true;
    });
    await waitFor(
      "drift loop re-adds m2",
      async () =>
        (await m.process.runtime.showServersState("app")).some((s) => s.name === "m2" && s.adminState === 0),
      5000,
    );
    // The loop may catch the server between "maint" and "del" (then it repairs the maint).
    expect(
      log.lines.some((l) =>
        [
          `warn HAProxy drifted from etcd: add m2 at ${backends[1]!.address}`,
          "warn HAProxy drifted from etcd: set m2 ready (was maint)",
        ].includes(l),
      ),
    ).toBe(true);
    expect((await m.process.master.showProc()).workers[0]!.pid).toBe(worker);
  });

  it("stops leaving no process; a restart in the same state dir reuses the password and the servers", async () => {
    const first = hx!;
    const pid = first.process.pid;
    await first.stop();
    hx = undefined;
    expect(alive(pid)).toBe(false);
    hx = await start();
    expect(hx.stats.passwordCreated).toBe(false);
    expect(hx.stats.password).toBe(first.stats.password);
    expect((await hx.process.runtime.showServersState("app")).map((s) => s.name).sort()).toEqual([
      "m1",
      "m2",
    ]);
  });
});
