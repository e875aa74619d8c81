import { describe, expect, it } from "vitest";
import type { Decision, Registration } from "../../src/agent/container.js";
import type { ContainerEvent } from "../../src/agent/events.js";
import { eventAction, planResync, type ResyncInput } from "../../src/agent/plan.js";
import type { RegistryEntry } from "../../src/registry/registry.js";

const LEASE = "7";
const OLD_LEASE = "3";
const HOST = "10.0.0.5";

function reg(id: string, address: string, name = id): Registration {
  return { kind: "register", id, name, key: `/app/servers/${name}`, address };
}

function entry(name: string, value: string, lease = LEASE): RegistryEntry {
  return { key: `/app/servers/${name}`, value, lease };
}

function plan(over: Partial<ResyncInput>) {
  return planResync({
    running: [],
    draining: new Set(),
    tracked: new Map(),
    current: [],
    lease: LEASE,
    hostIp: HOST,
    ...over,
  });
}

const keys = (xs: ReadonlyArray<{ key: string }>) => xs.map((x) => x.key).sort();

describe("planResync", () => {
  it("puts new containers, and keeps a key that already holds the address under the lease", () => {
    const p = plan({
      running: [reg("a", `${HOST}:1001`), reg("b", `${HOST}:1002`)],
      current: [entry("a", `${HOST}:1001`)],
    });
    expect(p.put).toEqual([{ key: "/app/servers/b", address: `${HOST}:1002` }]);
    expect(p.keep).toEqual([{ key: "/app/servers/a", address: `${HOST}:1001` }]);
    expect(p.desired.map((r) => r.id)).toEqual(["a", "b"]);
    expect(p.release).toEqual([]);
    expect(p.stale).toEqual([]);
  });

  it("puts a key whose value changed", () => {
    const p = plan({
      running: [reg("a", `${HOST}:2000`)],
      tracked: new Map([["a", reg("a", `${HOST}:1001`)]]),
      current: [entry("a", `${HOST}:1001`)],
    });
    expect(p.put).toEqual([{ key: "/app/servers/a", address: `${HOST}:2000` }]);
    expect(p.keep).toEqual([]);
    expect(p.release).toEqual([]);
    expect(p.stale).toEqual([]);
  });

  it("releases a container that no longer runs, and does not delete its key a second time as stale", () => {
    const gone = reg("gone", `${HOST}:1003`);
    const p = plan({
      running: [reg("a", `${HOST}:1001`)],
      tracked: new Map([
        ["a", reg("a", `${HOST}:1001`)],
        ["gone", gone],
      ]),
      current: [entry("a", `${HOST}:1001`), entry("gone", `${HOST}:1003`)],
    });
    expect(p.release).toEqual([{ reg: gone, why: "gone" }]);
    expect(p.stale).toEqual([]);
    expect(keys(p.keep)).toEqual(["/app/servers/a"]);
  });

  it("releases the old key of a renamed container and puts the new one", () => {
    const before = reg("a", `${HOST}:1001`, "old");
    const after = reg("a", `${HOST}:1001`, "new");
    const p = plan({
      running: [after],
      tracked: new Map([["a", before]]),
      current: [entry("old", `${HOST}:1001`)],
    });
    expect(p.release).toEqual([{ reg: before, why: "moved" }]);
    expect(keys(p.put)).toEqual(["/app/servers/new"]);
    expect(p.stale).toEqual([]);
  });

  it("puts a key again when a release deletes it just before (a new container under a released name)", () => {
    const old = reg("old-id", `${HOST}:1001`, "web");
    const p = plan({
      running: [reg("new-id", `${HOST}:1001`, "web")],
      tracked: new Map([["old-id", old]]),
      current: [entry("web", `${HOST}:1001`)],
    });
    expect(p.release).toEqual([{ reg: old, why: "gone" }]);
    expect(keys(p.put)).toEqual(["/app/servers/web"]);
    expect(p.keep).toEqual([]);
  });

  it("never deletes a key without a lease (written by hand or another tool), even at this host's address", () => {
    const hand = entry("by-hand", `${HOST}:9999`, "0");
    expect(plan({ current: [hand] }).stale).toEqual([]);
    // nor when the agent itself writes without a lease
    expect(plan({ current: [hand], lease: "0" }).stale).toEqual([]);
  });

  it("leaves another host's leased keys alone", () => {
    const p = plan({
      running: [reg("a", `${HOST}:1001`)],
      current: [entry("other", "10.0.0.6:1001", "99"), entry("junk", "not-an-address", "99")],
    });
    expect(p.stale).toEqual([]);
  });

  it("deletes this host's keys under an old lease (an earlier agent's, hecd run's) that no container wants", () => {
    const old = entry("dead", `${HOST}:1005`, OLD_LEASE);
    const p = plan({ current: [old] });
    expect(p.stale).toEqual([old]);
  });

  it("counts the host of a registered address as this host's even without a host IP", () => {
    const old = entry("dead", "192.168.1.4:1005", OLD_LEASE);
    const p = planResync({
      running: [reg("a", "192.168.1.4:1001")],
      draining: new Set(),
      tracked: new Map(),
      current: [old, entry("elsewhere", "192.168.1.9:80", OLD_LEASE)],
      lease: LEASE,
    });
    expect(p.stale).toEqual([old]);
  });

  it("deletes any unwanted key under its own lease, whatever its value", () => {
    const mine = entry("mine", "10.9.9.9:80");
    expect(plan({ current: [mine] }).stale).toEqual([mine]);
  });

  it("rewrites under the current lease a key that holds the right address under an old lease", () => {
    const p = plan({ running: [reg("a", `${HOST}:1001`)], current: [entry("a", `${HOST}:1001`, OLD_LEASE)] });
    expect(keys(p.put)).toEqual(["/app/servers/a"]);
    expect(p.keep).toEqual([]);
    expect(p.stale).toEqual([]);
  });

  it("does not register a draining container, says why, and deletes its key", () => {
    const drained = entry("d", `${HOST}:1004`);
    const p = plan({
      running: [reg("d", `${HOST}:1004`), reg("a", `${HOST}:1001`)],
      draining: new Set(["d"]),
      current: [drained],
    });
    expect(p.desired.map((r) => r.id)).toEqual(["a"]);
    expect(p.skipped).toEqual([{ id: "d", name: "d", reason: "draining (hecd stop)" }]);
    expect(p.stale).toEqual([drained]);
  });

  it("releases a tracked container once it is marked draining", () => {
    const d = reg("d", `${HOST}:1004`);
    const p = plan({ running: [d], draining: new Set(["d"]), tracked: new Map([["d", d]]) });
    expect(p.release).toEqual([{ reg: d, why: "gone" }]);
    expect(p.desired).toEqual([]);
  });

  it("lists running containers it cannot register, but not stopped or paused ones", () => {
    const skip = (id: string, reason: string, eligible: boolean): Decision => ({
      kind: "skip",
      id,
      name: id,
      reason,
      eligible,
    });
    const p = plan({
      running: [skip("x", "container port 80/tcp is not published", true), skip("y", "paused", false)],
    });
    expect(p.skipped).toEqual([{ id: "x", name: "x", reason: "container port 80/tcp is not published" }]);
    expect(p.desired).toEqual([]);
  });
});

describe("eventAction", () => {
  const ev = (action: string, attributes: Record<string, string> = {}): ContainerEvent => ({
    action,
    id: "abc",
    attributes,
    timeMs: 0,
  });

  it("inspects the container again on start, unpause, restart, rename and update", () => {
    for (const a of ["start", "unpause", "restart", "rename", "update"])
      expect(eventAction(ev(a))).toEqual({ kind: "reconcile" });
  });

  it("deregisters on die, stop, pause, oom and destroy; destroy also forgets the container", () => {
    for (const a of ["die", "stop", "pause", "oom"])
      expect(eventAction(ev(a))).toEqual({ kind: "remove", why: a, forget: false });
    expect(eventAction(ev("destroy"))).toEqual({ kind: "remove", why: "destroy", forget: true });
  });

  it("deregisters on kill with a terminating signal only", () => {
    expect(eventAction(ev("kill", { signal: "SIGTERM" }))).toEqual({
      kind: "remove",
      why: "killed (signal SIGTERM)",
      forget: false,
    });
    expect(eventAction(ev("kill", { signal: "9" }))).toMatchObject({ kind: "remove" });
    expect(eventAction(ev("kill"))).toEqual({ kind: "remove", why: "killed (signal ?)", forget: false });
    expect(eventAction(ev("kill", { signal: "SIGHUP" }))).toEqual({ kind: "ignore" });
    expect(eventAction(ev("kill", { signal: "10" }))).toEqual({ kind: "ignore" });
  });

  it("ignores other actions", () => {
    for (const a of ["create", "exec_start", "attach", "health_status"])
      expect(eventAction(ev(a))).toEqual({ kind: "ignore" });
  });
});
