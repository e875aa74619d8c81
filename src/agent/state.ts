// What the agent knows and has counted: one object, read by status() and the metrics.
import type { Registration } from "./container.js";

export interface AgentCounts {
  /** Docker events acted on since start. */
  events: number;
  /** Keys written / deleted since start. */
  registrations: number;
  deregistrations: number;
  /** Event or resync handlers that failed (each is followed by a resync). */
  failures: number;
}

export interface AgentState {
  /** Registrations in etcd, by container id. */
  readonly byId: Map<string, Registration>;
  /** Containers not registered, by id, with the reason last logged (logged once per reason). */
  readonly skipped: Map<string, string>;
  readonly counts: AgentCounts;
  resyncs: number;
  lastResyncMs: number;
  /** Whether Docker's event stream is connected. */
  dockerUp: boolean;
  /** A handler failed: the next resync is due (retried with backoff until one succeeds). */
  needResync: boolean;
  /** The host record last written, to skip identical writes. */
  lastHostRecord: string;
  stopped: boolean;
}

export function newAgentState(): AgentState {
  return {
    byId: new Map(),
    skipped: new Map(),
    counts: { events: 0, registrations: 0, deregistrations: 0, failures: 0 },
    resyncs: 0,
    lastResyncMs: 0,
    dockerUp: false,
    needResync: false,
    lastHostRecord: "",
    stopped: false,
  };
}
