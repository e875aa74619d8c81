import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyBackends as applyEntries, drainServer, type ApplyOptions } from "../../src/haproxy/apply.js";
import { normalizeServers } from "../../src/haproxy/servers.js";
import type { RuntimeApi } from "../../src/haproxy/runtime.js";
import { commands, HaproxyCommandError } from "../../src/haproxy/runtime.js";
import { serverNameFor } from "../../src/haproxy/names.js";
import {
  FAST_CHECK,
  namesServed,
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
const applyBackends = (
  runtime: RuntimeApi,
  backend: string,
  desired: ReadonlyMap<string, string>,
  o: ApplyOptions,
) => applyEntries(runtime, backend, normalizeServers(desired).servers, o);
const opts = (timeoutMs = 10_000): ApplyOptions => ({
  check,
  drain: { timeoutMs, pollMs: 25, log: { info() {}, warn() {}, error() {} } },
});

async function get(port: number, path = "/"): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: (await r.text()).trim() };
}

describe("HAProxy runtime API: servers change without a reload", () => {
  let hx: HaproxyInstance;
  const backends: TestBackend[] = [];

  beforeAll(async () => {
    for (const n of ["alpha", "beta", "gamma", "delta"]) backends.push(await startBackend(n));
    hx = await startHaproxy({ options: { check } });
  });
  afterAll(async () => {
    await hx?.stop();
    await Promise.all(backends.map((b) => b.close()));
  });

  it("adds, re-addresses and removes servers with the worker pid unchanged", async () => {
    const [a, b, c, d] = backends as [TestBackend, TestBackend, TestBackend, TestBackend];
    const worker = await hx.workerPid();
    const r1 = await applyBackends(
      hx.runtime,
      "app",
      new Map([
        ["alpha", a.address],
        ["beta", b.address],
      ]),
      opts(),
    );
    expect(r1.added.sort()).toEqual(["alpha", "beta"]);
    expect(r1.failed).toEqual([]);
    expect(await namesServed(hx.port, 6)).toEqual(new Set(["alpha", "beta"]));

    // "beta" now points at the gamma process: re-address, not remove+add.
    const r2 = await applyBackends(
      hx.runtime,
      "app",
      new Map([
        ["alpha", a.address],
        ["beta", c.address],
      ]),
      opts(),
    );
    expect(r2.readdressed).toEqual([{ name: "beta", from: b.address, to: c.address }]);
    expect(r2.added).toEqual([]);
    expect(await namesServed(hx.port, 6)).toEqual(new Set(["alpha", "gamma"]));

    const r3 = await applyBackends(hx.runtime, "app", new Map([["delta", d.address]]), opts());
    expect(r3.added).toEqual(["delta"]);
    expect(r3.removed.map((x) => x.name).sort()).toEqual(["alpha", "beta"]);
    expect(r3.removed.every((x) => !x.forced && !x.alreadyGone)).toBe(true);
    expect((await hx.runtime.showServersState("app")).map((s) => s.name)).toEqual(["delta"]);
    expect(await namesServed(hx.port, 4)).toEqual(new Set(["delta"]));

    const again = await applyBackends(hx.runtime, "app", new Map([["delta", d.address]]), opts());
    expect(again.actions).toEqual([]);
    expect(await hx.workerPid()).toBe(worker);
  });

  it("IPv6 servers: added, served, and the next plan is empty (addresses compare canonically)", async () => {
    const v6 = await startBackend("v6", "::1");
    try {
      const desired = new Map([
        ["delta", backends[3]!.address],
        ["v6", `[0:0:0:0:0:0:0:1]:${v6.port}`],
      ]);
      const r = await applyBackends(hx.runtime, "app", desired, opts());
      expect(r.added).toEqual(["v6"]);
      expect((await hx.runtime.showServersState("app")).find((s) => s.name === "v6")?.addr).toBe("::1");
      expect((await applyBackends(hx.runtime, "app", desired, opts())).actions).toEqual([]);
      expect(await namesServed(hx.port, 4)).toEqual(new Set(["delta", "v6"]));
    } finally {
      await applyBackends(hx.runtime, "app", new Map([["delta", backends[3]!.address]]), opts());
      await v6.close();
    }
  });

  it("enables health checks on added servers: a dead backend goes DOWN", async () => {
    const dead = await startBackend("dead");
    await dead.close(); // nothing listens on its port any more
    const live = backends[3]!;
    await applyBackends(
      hx.runtime,
      "app",
      new Map([
        ["delta", live.address],
        ["dead", dead.address],
      ]),
      opts(),
    );
    const state = (await hx.runtime.showServersState("app")).find((s) => s.name === "dead")!;
    expect(state.checkState & 0x04).toBe(0x04); // CHK_ST_ENABLED
    await waitFor(
      "dead server DOWN",
      async () => {
        const row = (await hx.runtime.showStat()).find((r) => r.pxname === "app" && r.svname === "dead");
        return row?.status.startsWith("DOWN") ? row : undefined;
      },
      5000,
    );
    // Traffic keeps going to the live one only.
    expect(await namesServed(hx.port, 6)).toEqual(new Set(["delta"]));
    await applyBackends(hx.runtime, "app", new Map([["delta", live.address]]), opts());
  });

  it("drains: a slow in-flight request finishes before del server", async () => {
    const slow = await startBackend("slow");
    try {
      await applyBackends(hx.runtime, "app", new Map([["slow", slow.address]]), opts());
      const inflight = get(hx.port, "/slow?ms=1500");
      await waitForSession(hx.runtime, "app", "slow", 3000);
      const started = Date.now();
      const report = await applyBackends(
        hx.runtime,
        "app",
        new Map([["delta", backends[3]!.address]]),
        opts(),
      );
      const waited = Date.now() - started;
      const response = await inflight;
      expect(response).toEqual({ status: 200, body: "slow" });
      expect(report.removed).toHaveLength(1);
      expect(report.removed[0]!.forced).toBe(false);
      expect(waited).toBeGreaterThan(1000);
      expect((await hx.runtime.showServersState("app")).map((s) => s.name)).toEqual(["delta"]);
    } finally {
      await slow.close();
    }
  });

  it("drain past its bound shuts the lingering sessions down, then deletes", async () => {
    const stuck = await startBackend("stuck");
    try {
      await applyBackends(hx.runtime, "app", new Map([["stuck", stuck.address]]), opts());
      const inflight = get(hx.port, "/slow?ms=20000").catch((e: unknown) => ({
        status: -1,
        body: String(e),
      }));
      await waitForSession(hx.runtime, "app", "stuck", 3000);
      const r = await drainServer(hx.runtime, "app", "stuck", { timeoutMs: 300, pollMs: 25 });
      expect(r.forced).toBe(true);
      expect(r.lingering).toBe(1);
      expect(r.waitedMs).toBeLessThan(5000);
      expect((await inflight).status).not.toBe(200);
      expect((await hx.runtime.showServersState("app")).some((s) => s.name === "stuck")).toBe(false);
      // Idempotent: draining a server that is gone reports it.
      expect((await drainServer(hx.runtime, "app", "stuck", { timeoutMs: 100 })).alreadyGone).toBe(true);
    } finally {
      await stuck.close();
    }
  });

  it("maps unsafe names and refuses unsafe addresses", async () => {
    const e = backends[0]!;
    const desired = new Map([
      ["delta", backends[3]!.address],
      ["evil name;del server app/delta", e.address],
      ["x", "127.0.0.1:80 check\nlisten"],
    ]);
    const { servers, rejected } = normalizeServers(desired);
    expect(rejected.map((x) => x.source)).toEqual(["x"]);
    await applyEntries(hx.runtime, "app", servers, opts());
    const names = (await hx.runtime.showServersState("app")).map((s) => s.name).sort();
    expect(names).toEqual(["delta", serverNameFor("evil name;del server app/delta")].sort());
    expect(serverNameFor("evil name;del server app/delta")).toMatch(/^[A-Za-z0-9_.-]+$/);
    await applyBackends(hx.runtime, "app", new Map([["delta", backends[3]!.address]]), opts());
  });

  it("turns HAProxy's error answers into errors carrying its text and the command", async () => {
    await expect(hx.runtime.setServerState("app", "nosuch", "ready")).rejects.toThrow(
      /HAProxy rejected "set server app\/nosuch state ready".*No such server/,
    );
    const err = await hx.runtime.delServer("app", "delta").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HaproxyCommandError);
    expect((err as HaproxyCommandError).output).toMatch(/maintenance/);
    await expect(hx.runtime.raw("show info; show stat")).rejects.toThrow(/refusing/);
    await expect(hx.master.raw("reload\nshow proc")).rejects.toThrow(/refusing/);
    await expect(hx.runtime.delServer("app", "a b")).rejects.toThrow(/refusing to send server name/);
  });

  it("batches commands in prompt mode and reaches the worker through the master CLI", async () => {
    const answers = await hx.runtime.batch([
      "show servers state app",
      "set server app/nosuch state ready",
      "show info",
    ]);
    expect(answers).toHaveLength(3);
    expect(answers[0]).toMatch(/^1\n# be_id/);
    expect(answers[1]).toMatch(/No such server/);
    expect(answers[2]).toMatch(/^Name: HAProxy/);
    const results = await hx.runtime.sendAll([
      commands.setServerState("app", "nosuch", "ready"),
      commands.setServerState("app", "delta", "maint"),
      commands.setServerState("app", "delta", "ready"),
    ]);
    expect(results[0]).toBeInstanceOf(HaproxyCommandError);
    expect((results[0] as HaproxyCommandError).command).toBe("set server app/nosuch state ready");
    expect((results[0] as HaproxyCommandError).output).toMatch(/No such server/);
    expect(results.slice(1)).toEqual(["", ""]);
    const viaMaster = await hx.master.worker("show stat");
    expect(viaMaster).toMatch(/^# pxname,/);
    expect(viaMaster).toContain("app,delta,");
    const proc = await hx.master.showProc();
    expect(proc.master.pid).toBe(hx.pid);
    expect(proc.workers).toHaveLength(1);
  });
});

describe("HAProxy facts this module relies on (2.6)", () => {
  const rawConfig = (balance: string[]): string =>
    [
      "global",
      "    master-worker",
      "    stats socket {{STATE}}/haproxy.sock mode 600 level admin",
      "defaults",
      "    mode http",
      "    timeout connect 1s",
      "    timeout client 5s",
      "    timeout server 5s",
      "frontend fe",
      "    bind 127.0.0.1:{{PORT}}",
      "    default_backend app",
      "backend app",
      ...balance.map((l) => `    ${l}`),
      "",
    ].join("\n");

  it("a hash balance accepts dynamic servers only with hash-type consistent", async () => {
    for (const [lines, accepted] of [
      [["balance uri"], false],
      [["balance uri", "hash-type consistent"], true],
    ] as const) {
      const hx = await startHaproxy({ config: rawConfig([...lines]) });
      try {
        const r = await hx.runtime.addServer("app", "s1", { ip: "127.0.0.1", port: 9, family: 4 }, null).then(
          () => "added",
          (e: unknown) => (e instanceof HaproxyCommandError ? e.output : String(e)),
        );
        if (accepted) expect(r).toBe("added");
        else expect(r).toMatch(/dynamic/i);
      } finally {
        await hx.stop();
      }
    }
  });

  it("a backend with a static balance refuses dynamic servers", async () => {
    const hx = await startHaproxy({ config: rawConfig(["balance source"]) });
    try {
      const err = await hx.runtime
        .addServer("app", "s1", { ip: "127.0.0.1", port: 9, family: 4 }, null)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HaproxyCommandError);
      expect((err as Error).message).toMatch(/add server app\/s1/);
      expect((err as HaproxyCommandError).output).toMatch(/dynamic/i);
      // Through applyBackends (one batch): each add fails alone, with HAProxy's text.
      const report = await applyBackends(
        hx.runtime,
        "app",
        new Map([
          ["one", "127.0.0.1:9"],
          ["two", "127.0.0.1:10"],
        ]),
        opts(),
      );
      expect(report.added).toEqual([]);
      expect(report.failed.map((f) => f.action)).toEqual([
        "add one at 127.0.0.1:9",
        "add two at 127.0.0.1:10",
      ]);
      for (const f of report.failed)
        expect(f.error).toMatch(/HAProxy rejected "add server app\/(one|two) .*dynamic/i);
      expect(await hx.runtime.showServersState("app")).toEqual([]);
    } finally {
      await hx.stop();
    }
  });

  it("an added server starts in maint with checks configured but not enabled", async () => {
    const hx = await startHaproxy();
    try {
      await hx.runtime.addServer("app", "s1", { ip: "127.0.0.1", port: 9, family: 4 }, check);
      const s = (await hx.runtime.showServersState("app"))[0]!;
      expect(s.adminState & 0x01).toBe(0x01);
      expect(s.checkState & 0x06).toBe(0x02);
      await hx.runtime.enableHealth("app", "s1");
      await hx.runtime.setServerState("app", "s1", "ready");
      const t = (await hx.runtime.showServersState("app"))[0]!;
      expect(t.adminState).toBe(0);
      expect(t.checkState & 0x04).toBe(0x04);
      await expect(hx.runtime.delServer("app", "s1")).rejects.toThrow(/maintenance/);
    } finally {
      await hx.stop();
    }
  });
});

describe("scale events under load", () => {
  let hx: HaproxyInstance;
  const pool: TestBackend[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 6; i++) pool.push(await startBackend(`w${i}`));
    // w0 and w1 are static servers from the config file (they keep idle server connections).
    hx = await startHaproxy({
      options: { check },
      servers: new Map(pool.slice(0, 2).map((b) => [b.name, b.address])),
    });
  });
  afterAll(async () => {
    await hx?.stop();
    await Promise.all(pool.map((b) => b.close()));
  });

  for (const keepAlive of [true, false]) {
    it(`30 scale events (1..6 servers, static ones removed too) with zero failed requests (${keepAlive ? "keep-alive" : "close"})`, async () => {
      const worker = await hx.workerPid();
      const load = startLoad({
        port: hx.port,
        concurrency: 8,
        maxRequests: 50_000,
        maxMs: 30_000,
        keepAlive,
      });
      const sizes = [6, 1, 4, 2, 5, 1, 3, 6, 2, 4];
      let events = 0;
      let forced = 0;
      for (let round = 0; round < 3; round++) {
        for (const n of sizes) {
          // Rotate which backends are in the set so removals hit different servers.
          const chosen = Array.from({ length: n }, (_, i) => pool[(i + round + events) % pool.length]!);
          const r = await applyBackends(
            hx.runtime,
            "app",
            new Map(chosen.map((b) => [b.name, b.address])),
            opts(5000),
          );
          expect(r.failed).toEqual([]);
          forced += r.removed.filter((x) => x.forced).length;
          events++;
          const at = load.sent();
          await waitFor("requests between events", () => load.sent() > at + 30, 5000, 5);
        }
      }
      const result = await load.stop();
      expect(events).toBe(30);
      expect(forced).toBe(0);
      expect(result.failures).toEqual([]);
      expect(result.failed).toBe(0);
      expect(result.ok).toBeGreaterThan(900);
      expect(await hx.workerPid()).toBe(worker);
    });
  }
});

describe("a backend that dies", () => {
  it("is retried elsewhere (redispatch) with zero failed requests and goes DOWN within (fall + 1) x inter + 0.5 s", async () => {
    const pool = [await startBackend("k0"), await startBackend("k1"), await startBackend("k2")];
    const hx = await startHaproxy({ options: { check } });
    try {
      await applyBackends(hx.runtime, "app", new Map(pool.map((b) => [b.name, b.address])), opts());
      const load = startLoad({
        port: hx.port,
        concurrency: 8,
        maxRequests: 20_000,
        maxMs: 15_000,
        keepAlive: true,
      });
      await waitFor("load running", () => load.sent() > 300, 5000, 5);
      const died = Date.now();
      await pool[1]!.stopAccepting();
      const down = await waitFor(
        "k1 DOWN",
        async () => {
          const row = (await hx.runtime.showStat()).find((r) => r.pxname === "app" && r.svname === "k1");
          return row?.status.startsWith("DOWN") ? Date.now() - died : undefined;
        },
        5000,
        20,
      );
      const at = load.sent();
      await waitFor("more requests", () => load.sent() > at + 300, 5000, 5);
      const result = await load.stop();
      expect(down).toBeLessThan(check.interMs * (check.fall + 1) + 500);
      expect(result.failures).toEqual([]);
      expect(result.ok).toBeGreaterThan(600);
    } finally {
      await hx.stop();
      await Promise.all(pool.map((b) => b.close()));
    }
  });
});
