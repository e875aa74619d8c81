// The agent's decisions, as pure functions of what Docker and etcd report: which keys a resync
// puts and deletes, and what a Docker event asks for. The effectful side is loop.ts.
import { addressHost } from "../registry/keys.js";
import type { RegistryEntry } from "../registry/registry.js";
import type { Decision, Registration } from "./container.js";
import type { ContainerEvent } from "./events.js";

export interface ResyncInput {
  /** decide() of every running container. */
  running: readonly Decision[];
  /** Ids of containers marked draining (`/hecd/draining/<id>`, set by `hecd stop`): never registered. */
  draining: ReadonlySet<string>;
  /** What the agent has registered so far, by container id. */
  tracked: ReadonlyMap<string, Registration>;
  /** Every key under the agent's scope, as etcd holds it now. */
  current: readonly RegistryEntry[];
  /** The agent's lease id. */
  lease: string;
  /** This Docker host's address, when known. */
  hostIp?: string;
}

export interface KeyValue {
  key: string;
  address: string;
}

/** A registration given up: its key is deleted while it still holds the registration's address. */
export interface Release {
  reg: Registration;
  /** gone: the container no longer runs (or is no longer registrable); moved: its key changed. */
  why: "gone" | "moved";
}

export interface ResyncPlan {
  /** The registrations after the resync, by container. */
  desired: Registration[];
  /** Running containers that are not registered, with the reason (for the log). */
  skipped: Array<{ id: string; name: string; reason: string }>;
  /** Deleted first, each only while it holds the released address. */
  release: Release[];
  /** Written under the lease. */
  put: KeyValue[];
  /** Already hold the address under the lease: taken over without a write. */
  keep: KeyValue[];
  /** This host's keys that no container wants: deleted last, each only while it holds the value seen. */
  stale: RegistryEntry[];
}

/**
 * Decides a full resync. Keys are this host's to delete when they carry the agent's lease, or
 * another lease (an earlier agent's, `hecd run`'s) and point at this host: the host IP or the
 * host of an address registered now. A key without a lease was written by hand or by another
 * tool and is never deleted, nor is a leased key pointing at another host.
 */
export function planResync(input: ResyncInput): ResyncPlan {
  const desired = new Map<string, Registration>();
  const skipped: ResyncPlan["skipped"] = [];
  for (const d of input.running) {
    if (d.kind === "register" && input.draining.has(d.id))
      skipped.push({ id: d.id, name: d.name, reason: "draining (hecd stop)" });
    else if (d.kind === "register") desired.set(d.id, d);
    else if (d.eligible) skipped.push({ id: d.id, name: d.name, reason: d.reason });
  }

  const release: Release[] = [];
  for (const [id, reg] of input.tracked) if (!desired.has(id)) release.push({ reg, why: "gone" });
  for (const reg of desired.values()) {
    const prev = input.tracked.get(reg.id);
    if (prev && prev.key !== reg.key) release.push({ reg: prev, why: "moved" });
  }

  // etcd as it is once the releases have run.
  const after = new Map(input.current.map((e) => [e.key, e]));
  for (const { reg } of release) if (after.get(reg.key)?.value === reg.address) after.delete(reg.key);

  const put: KeyValue[] = [];
  const keep: KeyValue[] = [];
  for (const reg of desired.values()) {
    const e = after.get(reg.key);
    const kv = { key: reg.key, address: reg.address };
    if (e && e.value === reg.address && e.lease === input.lease) keep.push(kv);
    else put.push(kv);
  }

  const wanted = new Set([...desired.values()].map((r) => r.key));
  const ownHosts = new Set<string>([
    ...(input.hostIp !== undefined ? [input.hostIp] : []),
    ...[...desired.values()].map((r) => addressHost(r.address)),
  ]);
  const stale = [...after.values()].filter(
    (e) =>
      !wanted.has(e.key) && e.lease !== "0" && (e.lease === input.lease || ownHosts.has(hostOf(e.value))),
  );
  return { desired: [...desired.values()], skipped, release, put, keep, stale };
}

/** What the agent does for one Docker event. */
export type EventAction =
  { kind: "reconcile" } | { kind: "remove"; why: string; forget: boolean } | { kind: "ignore" };

/** Signals after which a `kill` event means the container is going away. */
const TERMINATING_SIGNALS = new Set([
  "",
  "2",
  "3",
  "6",
  "9",
  "15",
  "SIGINT",
  "SIGQUIT",
  "SIGABRT",
  "SIGKILL",
  "SIGTERM",
]);

/**
 * start and the like: inspect the container and register or skip it; kill with a terminating
 * signal, die, stop, pause, destroy, oom: deregister at once (destroy also forgets the skip
 * reason logged for it); anything else: nothing.
 */
export function eventAction(ev: ContainerEvent): EventAction {
  switch (ev.action) {
    case "start":
    case "unpause":
    case "restart":
    case "rename":
    case "update":
      return { kind: "reconcile" };
    case "kill": {
      const signal = ev.attributes.signal;
      if (!TERMINATING_SIGNALS.has(signal ?? "")) return { kind: "ignore" };
      return { kind: "remove", why: `killed (signal ${signal ?? "?"})`, forget: false };
    }
    case "die":
    case "stop":
    case "pause":
    case "destroy":
    case "oom":
      return { kind: "remove", why: ev.action, forget: ev.action === "destroy" };
    default:
      return { kind: "ignore" };
  }
}

function hostOf(value: string): string {
  try {
    return addressHost(value);
  } catch {
    return "";
  }
}
