import { describeAction, planBackend } from "./plan.js";
import type { HaproxyController, SyncReport } from "./controller.js";
import type { RuntimeApi } from "./runtime.js";
import type { Logger, ServerEntry } from "./servers.js";

export interface DriftOptions {
  controller: HaproxyController;
  runtime: RuntimeApi;
  backend: string;
  /**
   * The desired set, read fresh from its source (etcd) each time. Called inside the
   * controller's queue, so no apply queued earlier can land after it with older data.
   */
  desired: () => Promise<readonly ServerEntry[]>;
  intervalMs: number;
  log: Logger;
}

export interface DriftCheck {
  /** What differed between HAProxy's live view and the desired set. */
  drift: string[];
  /** Set when a repair ran. */
  repair?: SyncReport;
}

export interface DriftRepairer {
  checkNow(): Promise<DriftCheck>;
  stop(): Promise<void>;
}

/**
 * Compares HAProxy's live servers with the desired set every `intervalMs` and repairs any
 * difference through the controller, logging each one.
 */
export function startDriftRepair(o: DriftOptions): DriftRepairer {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();

  const checkNow = (): Promise<DriftCheck> =>
    o.controller.exclusive(async () => compareAndRepair(await o.desired()));

  const compareAndRepair = async (servers: readonly ServerEntry[]): Promise<DriftCheck> => {
    const live = await o.runtime.showServersState(o.backend);
    const draining = o.controller.draining();
    const drift = planBackend(live, servers)
      .filter((a) => a.kind !== "remove" || !draining.has(a.name))
      .map(describeAction);
    if (o.controller.configFileDiffers(servers)) drift.push("rewrite the config file");
    if (drift.length === 0) return { drift };
    for (const d of drift) o.log.warn({ backend: o.backend, drift: d }, `HAProxy drifted from etcd: ${d}`);
    const repair = await o.controller.syncNow(servers);
    for (const f of repair.apply.failed)
      o.log.error({ backend: o.backend }, `drift repair failed: ${f.action}: ${f.error}`);
    o.log.info({ backend: o.backend, repaired: drift.length - repair.apply.failed.length }, "drift repaired");
    return { drift, repair };
  };

  const tick = (): void => {
    if (stopped) return;
    running = checkNow()
      .catch((e: unknown) =>
        o.log.error(
          { backend: o.backend },
          `drift check failed: ${e instanceof Error ? e.message : String(e)}`,
        ),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, o.intervalMs);
      });
  };
  let timer: NodeJS.Timeout = setTimeout(tick, o.intervalMs);

  return {
    checkNow,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
