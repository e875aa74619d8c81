// The edge of the load balancer: etcd keys and values become a validated desired state.
import type { Backend, Revision } from "../backends/types.js";
import {
  normalizeServers,
  silentLogger,
  type Logger,
  type RejectedServer,
  type ServerEntry,
} from "../haproxy/servers.js";

/**
 * What HAProxy should serve, as read from etcd at one revision and validated once: the
 * servers that passed (typed entries, sorted by name) and the values refused, with why.
 * One backend today; a backend per service belongs in this value as well.
 */
export class DesiredState {
  private constructor(
    readonly servers: readonly ServerEntry[],
    readonly rejected: readonly RejectedServer[],
    readonly revision: Revision,
  ) {}

  /**
   * The keys directly below `prefix`, one server each, named by the key's last element.
   * Refused values and mapped names are reported to `log`.
   */
  static fromEtcd(
    prefix: string,
    values: ReadonlyMap<string, string>,
    revision: Revision,
    log: Logger = silentLogger,
  ): DesiredState {
    const { servers, rejected } = normalizeServers(serversBelow(prefix, values), log);
    return new DesiredState(servers, rejected, revision);
  }

  /** Servers registered in etcd, accepted or refused. */
  get registered(): number {
    return this.servers.length + this.rejected.length;
  }
}

/** name -> value for the keys directly below `prefix`. */
function serversBelow(prefix: string, values: ReadonlyMap<string, string>): Map<string, string> {
  const dir = `${prefix}/`;
  const out = new Map<string, string>();
  for (const [key, value] of values) {
    if (!key.startsWith(dir)) continue;
    const name = key.slice(dir.length);
    if (name !== "" && !name.includes("/")) out.set(name, value);
  }
  return out;
}

/** Where the desired state comes from: read it now, or wait for it to change. */
export interface DesiredSource {
  /** Reads and validates the current state; refused values are reported to `log`. */
  read(log?: Logger): Promise<DesiredState>;
  /** Resolves once anything changed after `since`; rejects when `signal` aborts. */
  changed(since: Revision, signal: AbortSignal): Promise<unknown>;
}

/** The servers registered below `prefix` (e.g. /app/servers) in an etcd backend. */
export function etcdSource(backend: Backend, prefix: string): DesiredSource {
  return {
    read: async (log) => {
      const snap = await backend.getValues([prefix]);
      return DesiredState.fromEtcd(prefix, snap.values, snap.revision, log);
    },
    changed: (since, signal) => backend.watch([prefix], since, signal),
  };
}
