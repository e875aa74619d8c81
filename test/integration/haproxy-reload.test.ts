import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HaproxyController } from "../../src/haproxy/controller.js";
import { RuntimeApi } from "../../src/haproxy/runtime.js";
import { startDriftRepair } from "../../src/haproxy/drift.js";
import { seamlessReload } from "../../src/haproxy/reload.js";
import { defaultConfigOptions, renderConfig } from "../../src/haproxy/config.js";
import { startHaproxyProcess } from "../../src/haproxy/process.js";
import { normalizeServers, silentLogger, type ServerEntry } from "../../src/haproxy/servers.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../harness/ports.js";
import { requireTool } from "../harness/tools.js";
import {
  FAST_CHECK,
  namesServed,
  recordingLog,
  startBackend,
  startHaproxy,
  startLoad,
  waitForSession,
  type HaproxyInstance,
  type TestBackend,
} from "../harness/haproxy.js";
import { waitFor } from "../harness/ports.js";

const check = FAST_CHECK;
/** Desired sets are written as etcd holds them (name -> "ip:port"), validated at the edge. */
const entries = (desired: ReadonlyMap<string, string>): readonly ServerEntry[] =>
  normalizeServers(desired).servers;

/** Runs `fn` with a config file that fails `haproxy -c`, then puts the good one back. */
async function withBrokenConfig(hx: HaproxyInstance, fn: () => Promise<void>): Promise<void> {
  const good = readFileSync(hx.configPath, "utf8");
  writeFileSync(hx.configPath, `${good}\nbackend broken\n    balance nosuchalgo\n`);
  try {
    await fn();
  } finally {
    writeFileSync(hx.configPath, good);
  }
}

describe("seamless reload through the master CLI", () => {
  let hx: HaproxyInstance;
  const backends: TestBackend[] = [];

  beforeAll(async () => {
    for (const n of ["r1", "r2"]) backends.push(await startBackend(n));
    hx = await startHaproxy({
      options: { check },
      servers: new Map(backends.map((b) => [b.name, b.address])),
    });
  });
  afterAll(async () => {
    await hx?.stop();
    await Promise.all(backends.map((b) => b.close()));
  });

  for (const keepAlive of [false, true]) {
    it(`keeps serving during reloads (${keepAlive ? "keep-alive" : "new connection per request"}): zero failed requests`, async () => {
      const load = startLoad({
        port: hx.port,
        concurrency: 8,
        maxRequests: 40_000,
        maxMs: 20_000,
        keepAlive,
      });
      const pids: number[] = [await hx.workerPid()];
      await waitFor("load running", () => load.sent() > 200, 5000, 10);
      for (let i = 0; i < 3; i++) {
        const r = await seamlessReload(hx.master, {
          configPath: hx.configPath,
          haproxyBin: hx.bin,
          runtime: hx.runtime,
        });
        expect(r.newWorkers).toHaveLength(1);
        expect(await hx.runtime.raw("show info")).toContain(`Pid: ${r.newWorkers[0]}\n`);
        pids.push(r.newWorkers[0]!);
        const sentAt = load.sent();
        await waitFor("requests after reload", () => load.sent() > sentAt + 200, 5000, 10);
      }
      const result = await load.stop();
      expect(new Set(pids).size).toBe(4);
      expect(result.failures).toEqual([]);
      expect(result.failed).toBe(0);
      expect(result.ok).toBeGreaterThan(800);
    });
  }

  it("refuses to reload a config that fails haproxy -c", async () => {
    const before = await hx.workerPid();
    await withBrokenConfig(hx, () =>
      expect(seamlessReload(hx.master, { configPath: hx.configPath, haproxyBin: hx.bin })).rejects.toThrow(
        /not reloading HAProxy.*haproxy -c/s,
      ),
    );
    expect(await hx.workerPid()).toBe(before);
  });

  it("reports a reload the master could not complete, and the old worker keeps serving", async () => {
    const before = await hx.workerPid();
    await withBrokenConfig(hx, () =>
      expect(hx.master.reload(10_000)).rejects.toThrow(/HAProxy reload failed/),
    );
    expect(await hx.workerPid()).toBe(before);
    expect(await namesServed(hx.port, 4)).toEqual(new Set(["r1", "r2"]));
    // The next good reload succeeds.
    const r = await seamlessReload(hx.master, { configPath: hx.configPath, haproxyBin: hx.bin });
    expect(r.previousWorkers).toEqual([before]);
  });
});

describe("controller: config file follows the live set; reload only when needed", () => {
  let hx: HaproxyInstance;
  const backends: TestBackend[] = [];
  const log = recordingLog();
  let ctl: HaproxyController;

  beforeAll(async () => {
    for (const n of ["c1", "c2", "c3"]) backends.push(await startBackend(n));
    hx = await startHaproxy({ options: { check }, servers: new Map([["c1", backends[0]!.address]]) });
    ctl = new HaproxyController({
      runtime: hx.runtime,
      master: hx.master,
      configPath: hx.configPath,
      config: hx.options,
      log,
      drainTimeoutMs: 5000,
      haproxyBin: hx.bin,
    });
  });
  afterAll(async () => {
    await hx?.stop();
    await Promise.all(backends.map((b) => b.close()));
  });
  const c2c3 = () =>
    new Map([
      ["c2", backends[1]!.address],
      ["c3", backends[2]!.address],
    ]);
  const driftRepair = (desired: ReadonlyMap<string, string>, intervalMs: number) =>
    startDriftRepair({
      controller: ctl,
      runtime: hx.runtime,
      backend: "app",
      desired: async () => entries(desired),
      intervalMs,
      log,
    });

  it("applies a server change without a reload and writes it to the config file", async () => {
    const worker = await hx.workerPid();
    const desired = c2c3();
    const r = await ctl.sync(entries(desired));
    expect(r.reload).toBeUndefined();
    expect(r.configWritten).toBe(true);
    expect(r.apply.added.sort()).toEqual(["c2", "c3"]);
    expect(r.apply.draining).toEqual(["c1"]);
    await ctl.drained();
    expect(ctl.draining().size).toBe(0);
    expect((await hx.runtime.showServersState("app")).map((s) => s.name).sort()).toEqual(["c2", "c3"]);
    expect(await hx.workerPid()).toBe(worker);
    const text = readFileSync(hx.configPath, "utf8");
    expect(text).toContain(`server c2 ${backends[1]!.address} check inter 200 fall 2 rise 1`);
    expect(text).toContain(`server c3 ${backends[2]!.address}`);
    expect(text).not.toContain("server c1 ");
    expect(await namesServed(hx.port, 6)).toEqual(new Set(["c2", "c3"]));
  });

  it("falls back to a seamless reload for a frontend change, and the reload reproduces the live servers", async () => {
    const worker = await hx.workerPid();
    ctl.setConfigOptions({ ...hx.options, timeouts: { ...hx.options.timeouts, clientMs: 40_000 } });
    const desired = c2c3();
    const r = await ctl.sync(entries(desired));
    expect(r.reload?.previousWorkers).toEqual([worker]);
    expect(await hx.workerPid()).not.toBe(worker);
    expect(r.apply.actions).toEqual([]);
    expect((await hx.runtime.showServersState("app")).map((s) => s.name).sort()).toEqual(["c2", "c3"]);
    expect(readFileSync(hx.configPath, "utf8")).toContain("timeout client 40000ms");
    expect(await namesServed(hx.port, 6)).toEqual(new Set(["c2", "c3"]));
  });

  it("drift repair restores a server deleted behind hecd's back, and a server forced to maint", async () => {
    const desired = c2c3();
    const drift = driftRepair(desired, 60_000);
    try {
      expect((await drift.checkNow()).drift).toEqual([]);
      await hx.runtime.setServerState("app", "c2", "maint");
      await hx.runtime.delServer("app", "c2");
      await hx.runtime.setServerState("app", "c3", "maint");
      const r = await drift.checkNow();
      expect(r.drift.sort()).toEqual([`add c2 at ${backends[1]!.address}`, "set c3 ready (was maint)"]);
      expect(r.repair?.apply.failed).toEqual([]);
      expect(log.lines).toContain(`warn HAProxy drifted from etcd: add c2 at ${backends[1]!.address}`);
      expect(log.lines).toContain("info drift repaired");
      const live = await hx.runtime.showServersState("app");
      expect(live.map((s) => [s.name, s.adminState]).sort()).toEqual([
        ["c2", 0],
        ["c3", 0],
      ]);
      await waitFor(
        "both serve",
        async () => {
          const s = await namesServed(hx.port, 4);
          return s.size === 2 && s.has("c2") && s.has("c3") ? s : undefined;
        },
        5000,
      );
    } finally {
      await drift.stop();
    }
  });

  it("a long drain runs in the background: later changes and drift checks do not wait for it", async () => {
    const slow = await startBackend("slowpoke");
    const base = c2c3();
    const drift = driftRepair(base, 60_000);
    try {
      await ctl.sync(entries(new Map([...base, ["slowpoke", slow.address]])));
      // One slow request per server: round-robin puts one on slowpoke.
      const inflight = Promise.all(
        [0, 1, 2].map(async () => (await fetch(`http://127.0.0.1:${hx.port}/slow?ms=1500`)).text()),
      );
      await waitForSession(hx.runtime, "app", "slowpoke", 5000);
      const t0 = Date.now();
      const r = await ctl.sync(entries(base));
      expect(r.apply.draining).toEqual(["slowpoke"]);
      expect(ctl.draining().has("slowpoke")).toBe(true);
      const r2 = await ctl.sync(entries(new Map([...base, ["c1", backends[0]!.address]])));
      expect(r2.apply.added).toEqual(["c1"]);
      expect(r2.apply.actions.map((a) => a.kind)).toEqual(["add"]);
      expect((await drift.checkNow()).drift).toEqual(["drain and remove c1", "rewrite the config file"]);
      expect(Date.now() - t0).toBeLessThan(1000);
      expect((await inflight).sort()).toEqual(["c2\n", "c3\n", "slowpoke\n"]);
      await ctl.drained();
      expect(Date.now() - t0).toBeGreaterThan(1000);
      expect((await hx.runtime.showServersState("app")).map((s) => s.name).sort()).toEqual(["c2", "c3"]);
    } finally {
      await drift.stop();
      await slow.close();
    }
  });

  it("drift repair rewrites a config file edited behind hecd's back, without a reload", async () => {
    const desired = c2c3();
    const drift = driftRepair(desired, 60_000);
    try {
      await ctl.drained();
      expect((await drift.checkNow()).drift).toEqual([]);
      const worker = await hx.workerPid();
      const good = readFileSync(hx.configPath, "utf8");
      writeFileSync(hx.configPath, good.replace(/^ +server c3 .*\n/m, ""));
      const r = await drift.checkNow();
      expect(r.drift).toEqual(["rewrite the config file"]);
      expect(r.repair?.reload).toBeUndefined();
      expect(readFileSync(hx.configPath, "utf8")).toBe(good);
      expect(await hx.workerPid()).toBe(worker);
    } finally {
      await drift.stop();
    }
  });

  it("the periodic drift loop repairs a re-addressed server on its own", async () => {
    const desired = c2c3();
    const drift = driftRepair(desired, 100);
    try {
      await hx.runtime.setServerAddr("app", "c3", { ip: "127.0.0.1", port: backends[0]!.port, family: 4 });
      await waitFor(
        "drift loop repair",
        async () => {
          const s = (await hx.runtime.showServersState("app")).find((x) => x.name === "c3");
          return s?.port === backends[2]!.port ? s : undefined;
        },
        5000,
      );
      expect(log.lines.some((l) => l.startsWith("warn HAProxy drifted from etcd: re-address c3"))).toBe(true);
    } finally {
      await drift.stop();
    }
  });
  it("a watcher-driven sync trusts its last clean apply (no show servers state); drift repair reads the real view", async () => {
    let shows = 0;
    class CountingRuntime extends RuntimeApi {
      override showServersState(backend?: string) {
        shows++;
        return super.showServersState(backend);
      }
    }
    const runtime = new CountingRuntime(hx.runtime.socketPath);
    const own = new HaproxyController({
      runtime,
      master: hx.master,
      configPath: hx.configPath,
      config: hx.options,
      log,
      drainTimeoutMs: 5000,
      haproxyBin: hx.bin,
    });
    await own.sync(entries(c2c3()));
    expect(shows).toBe(1);
    const withC1 = new Map([...c2c3(), ["c1", backends[0]!.address]]);
    const r = await own.sync(entries(withC1));
    expect(r.apply.added).toEqual(["c1"]);
    expect(shows).toBe(1);
    expect(await namesServed(hx.port, 9)).toEqual(new Set(["c1", "c2", "c3"]));
    expect((await own.sync(entries(c2c3()))).apply.draining).toEqual(["c1"]);
    await own.drained();
    expect(shows).toBe(1);
    await hx.runtime.setServerState("app", "c2", "maint");
    const drift = startDriftRepair({
      controller: own,
      runtime,
      backend: "app",
      desired: () => Promise.resolve(entries(c2c3())),
      intervalMs: 60_000,
      log,
    });
    try {
      expect((await drift.checkNow()).drift).toEqual(["set c2 ready (was maint)"]);
    } finally {
      await drift.stop();
    }
    expect((await hx.runtime.showServersState("app")).map((x) => [x.name, x.adminState])).toEqual([
      ["c2", 0],
      ["c3", 0],
    ]);
  });
});

describe("startHaproxyProcess", () => {
  it("a graceful stop lets an in-flight request finish, then the master exits", async () => {
    const bin = requireTool("haproxy", "apt-get install -y haproxy");
    const dir = mkdtempSync(join(tmpdir(), "hecd-hproc-"));
    const backend = await startBackend("g1");
    try {
      const port = await freePort();
      const configPath = join(dir, "haproxy.cfg");
      const options = { ...defaultConfigOptions(dir, null), bindAddress: "127.0.0.1", port };
      const servers = normalizeServers(new Map([["g1", backend.address]]), silentLogger).servers;
      writeFileSync(configPath, renderConfig(options, servers), { mode: 0o600 });
      const hp = await startHaproxyProcess({ stateDir: dir, configPath, haproxyBin: bin });
      const inflight = fetch(`http://127.0.0.1:${port}/slow?ms=800`);
      await waitForSession(hp.runtime, "app", "g1", 3000);
      const t0 = Date.now();
      await hp.stop({ timeoutMs: 5000 });
      expect(Date.now() - t0).toBeGreaterThan(500);
      expect(await hp.exited).toBe(0);
      const r = await inflight;
      expect(await r.text()).toBe("g1\n");
      await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    } finally {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
