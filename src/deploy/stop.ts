// `hecd stop` and the scale-down path: deregister first, let the load balancer drain
// the server, then stop and remove the container.
import type { LayoutConfig } from "../agent/container.js";
import { drainingKey, keyBase } from "../registry/keys.js";
import type { Registry } from "../registry/registry.js";
import type { DeployHost } from "./hosts.js";
import { listManaged, registrationOf, type Placed } from "./inventory.js";

/** Waits until the load balancer has no sessions left on a server (bounded by timeoutMs). */
export interface Drainer {
  drain(serverName: string, address: string, timeoutMs: number): Promise<void>;
}

export interface StopOptions {
  hosts: readonly DeployHost[];
  registry: Registry;
  layout: Omit<LayoutConfig, "hostIp" | "port">;
  /** With a drainer, wait for its sessions to end (up to drainTimeoutMs); without, wait graceMs. */
  drainer?: Drainer;
  graceMs?: number;
  drainTimeoutMs?: number;
  /** Seconds Docker waits after SIGTERM before SIGKILL. */
  stopTimeoutS?: number;
  /** Keep the stopped container instead of removing it. */
  keep?: boolean;
  onProgress?: (s: Stopped) => void;
}

export interface Stopped {
  name: string;
  host: string;
  key?: string;
}

export async function findByName(hosts: readonly DeployHost[], names: readonly string[]): Promise<Placed[]> {
  const all = await listManaged(hosts);
  const found: Placed[] = [];
  const missing: string[] = [];
  for (const n of names) {
    const hits = all.filter((p) => p.name === n || p.info.Id.startsWith(n));
    if (hits.length === 0) missing.push(n);
    found.push(...hits);
  }
  if (missing.length > 0) {
    throw new Error(
      `no hecd-managed container named ${missing.join(", ")} on ${hosts.map((h) => h.name).join(", ")} (see \`hecd ps\`)`,
    );
  }
  return found;
}

export async function stopPlaced(targets: readonly Placed[], opts: StopOptions): Promise<Stopped[]> {
  return Promise.all(targets.map((p) => stopOne(p, opts)));
}

async function stopOne(p: Placed, opts: StopOptions): Promise<Stopped> {
  const container = p.host.docker.getContainer(p.info.Id);
  let key: string | undefined;
  if (p.running) {
    const reg = await registrationOf(p, opts.layout);
    // Marked before the key goes, so an agent's resync during the drain does not put it back.
    const marker = drainingKey(p.info.Id);
    try {
      if ("key" in reg) {
        key = reg.key;
        await opts.registry.publish(marker, p.name);
        await opts.registry.deregister(reg.key, reg.address);
        if (opts.drainer)
          await opts.drainer.drain(keyBase(reg.key), reg.address, opts.drainTimeoutMs ?? 30_000);
        else await new Promise((r) => setTimeout(r, opts.graceMs ?? 2_000));
      }
      try {
        await container.stop({ t: opts.stopTimeoutS ?? 10 });
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 304) {
          throw new Error(`cannot stop ${p.name} on ${p.host.name}: ${(e as Error).message}`);
        }
      }
    } finally {
      // A marker left behind by a failure expires with this process's lease.
      if (key !== undefined) await opts.registry.deregister(marker).catch(() => false);
    }
  }
  if (!opts.keep) {
    try {
      await container.remove({ force: true });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) {
        throw new Error(`stopped ${p.name} on ${p.host.name} but cannot remove it: ${(e as Error).message}`);
      }
    }
  }
  const s: Stopped = { name: p.name, host: p.host.name, ...(key ? { key } : {}) };
  opts.onProgress?.(s);
  return s;
}
