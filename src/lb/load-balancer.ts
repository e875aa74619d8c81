// The one owner of the etcd -> HAProxy path: HAProxy under supervision, the desired state
// read from etcd (validated once, at the edge), its application through the runtime API,
// drift repair against a fresh read of etcd, and the metrics of all of it.
import type { Registry } from "prom-client";
import type { Revision } from "../backends/types.js";
import type { SyncReport } from "../haproxy/controller.js";
import { startManagedHaproxy, type ManagedHaproxy, type ManagedHaproxyOptions } from "../haproxy/managed.js";
import type { Logger, ServerEntry } from "../haproxy/servers.js";
import type { DesiredSource, DesiredState } from "./desired.js";
import { pause } from "../util/pause.js";
import { createLbMetrics, type LbMetrics } from "./metrics.js";
import { superviseHaproxy, type SupervisorOptions } from "./supervisor.js";

export interface LoadBalancerOptions {
  source: DesiredSource;
  /** The state read just before (the caller words a failed first read itself). */
  initial: DesiredState;
  /** How HAProxy runs: state directory, port, config overrides, intervals. */
  haproxy: Omit<ManagedHaproxyOptions, "initial" | "desired" | "log">;
  log: Logger;
  /** Registers the hecd_lb_* metrics here. */
  metrics?: Registry;
  /** Pause after a failed read, watch or apply before trying again (default 500 ms, doubling to 10 s). */
  retryMs?: number;
  /** Starts HAProxy (default startManagedHaproxy; tests pass a fake). */
  startHaproxy?: (o: ManagedHaproxyOptions) => Promise<ManagedHaproxy>;
  /** Supervision details (tests pass fakes). */
  supervisor?: Pick<SupervisorOptions, "signalStrays" | "sleep">;
}

export interface LoadBalancer {
  /** The HAProxy running now (a new one after a restart). */
  haproxy(): ManagedHaproxy;
  /** The desired state as last read from etcd. */
  desired(): DesiredState;
  /** Times HAProxy was started again after exiting on its own. */
  restarts(): number;
  /** Stops following etcd, then stops HAProxy gracefully. */
  stop(): Promise<void>;
}

/**
 * Starts HAProxy with `initial`, then follows etcd from a fresh read: every change is
 * applied through the runtime API. Resolves once that first read has been applied.
 */
export async function startLoadBalancer(o: LoadBalancerOptions): Promise<LoadBalancer> {
  const log = o.log;
  const start = o.startHaproxy ?? startManagedHaproxy;
  let latest = o.initial;
  const remember = (d: DesiredState): DesiredState => {
    if (d.revision >= latest.revision) latest = d;
    return d;
  };
  let etcdDown = false;
  /**
   * What drift repair and restarts compare with: etcd read now; while etcd cannot be read,
   * the last state read (said once per outage).
   */
  const fresh = async (): Promise<readonly ServerEntry[]> => {
    try {
      const d = remember(await o.source.read());
      if (etcdDown) log.info({}, "etcd readable again; drift repair follows it");
      etcdDown = false;
      return d.servers;
    } catch (e) {
      if (!etcdDown)
        log.warn(
          { err: (e as Error).message },
          "cannot read the desired servers from etcd; drift repair keeps HAProxy at the last set read until it can",
        );
      etcdDown = true;
      return latest.servers;
    }
  };

  const supervised = await superviseHaproxy({
    start: (initial) => start({ ...o.haproxy, initial, desired: fresh, log }),
    initial: o.initial.servers,
    desired: fresh,
    log,
    ...o.supervisor,
  });

  const metrics: LbMetrics | undefined = o.metrics
    ? createLbMetrics(o.metrics, {
        desiredServers: () => latest.registered,
        haproxyRestarts: () => supervised.restarts(),
      })
    : undefined;

  const apply = async (desired: DesiredState, why: string): Promise<void> => {
    const t0 = performance.now();
    const report = await supervised.current().sync(desired.servers);
    const ms = performance.now() - t0;
    metrics?.applied(report, desired.rejected.length, ms);
    logApply(log, why, desired, report, ms);
  };

  const abort = new AbortController();
  const retryMs = o.retryMs ?? 500;
  const read = async (): Promise<Revision> => remember(await o.source.read(log)).revision;
  const follow = async (revision: Revision): Promise<void> => {
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        // After a failure, what changed meanwhile is read and applied before watching again.
        if (failures === 0) await o.source.changed(revision, abort.signal);
        revision = await read();
        await apply(latest, failures === 0 ? "etcd change" : "retry");
        failures = 0;
      } catch (e) {
        if (abort.signal.aborted) return;
        failures++;
        log.error({ err: (e as Error).message }, "syncing HAProxy from etcd failed; retrying");
        await pause(Math.min(retryMs * 2 ** (failures - 1), 10_000), abort.signal);
      }
    }
  };
  let following: Promise<void> = Promise.resolve();
  const stop = async (): Promise<void> => {
    abort.abort();
    await following;
    await supervised.stop();
  };
  try {
    const revision = await read();
    await apply(latest, "start");
    following = follow(revision);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    haproxy: () => supervised.current(),
    desired: () => latest,
    restarts: () => supervised.restarts(),
    stop,
  };
}

function logApply(log: Logger, why: string, desired: DesiredState, report: SyncReport, ms: number): void {
  const a = report.apply;
  const changed =
    a.added.length + a.readdressed.length + a.removed.length + a.draining.length + a.repaired.length;
  if (changed === 0 && report.reload === undefined && a.failed.length === 0 && desired.rejected.length === 0)
    return;
  log.info(
    {
      why,
      added: a.added,
      readdressed: a.readdressed.map((r) => r.name),
      draining: a.draining,
      removed: a.removed.map((r) => r.name),
      rejected: desired.rejected,
      failed: a.failed,
      reloaded: report.reload !== undefined,
      ms: Math.round(ms),
    },
    "HAProxy updated",
  );
}
