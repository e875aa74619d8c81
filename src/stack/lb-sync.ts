// Keeps HAProxy in step with etcd: watches the servers prefix, and on every change
// hands the desired set to the HAProxy controller (runtime API, config file rewritten).
import type { Logger } from "pino";
import type { Backend } from "../backends/types.js";
import type { HaproxyController } from "../haproxy/controller.js";
import { startDriftRepair, type DriftRepairer } from "../haproxy/drift.js";
import type { RuntimeApi } from "../haproxy/runtime.js";

export interface LbSyncOptions {
  backend: Backend;
  /** e.g. /app/servers: every key directly below is one server, named by its last element. */
  prefix: string;
  controller: HaproxyController;
  runtime: RuntimeApi;
  haproxyBackend: string;
  driftIntervalMs?: number;
  logger: Logger;
}

export interface LbSync {
  /** Resolves once the first snapshot has been applied. */
  ready: Promise<void>;
  /** The desired set as last read from etcd. */
  desired(): ReadonlyMap<string, string>;
  stop(): Promise<void>;
}

/** name -> address for the keys directly below `prefix`. */
export function serversBelow(prefix: string, values: ReadonlyMap<string, string>): Map<string, string> {
  const dir = `${prefix}/`;
  const out = new Map<string, string>();
  for (const [key, value] of values) {
    if (!key.startsWith(dir)) continue;
    const name = key.slice(dir.length);
    if (name !== "" && !name.includes("/")) out.set(name, value);
  }
  return out;
}

export function startLbSync(o: LbSyncOptions): LbSync {
  const abort = new AbortController();
  let current = new Map<string, string>();
  let drift: DriftRepairer | undefined;
  let markReady: () => void = () => {};
  let failReady: (e: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });

  const read = async (): Promise<bigint> => {
    const snap = await o.backend.getValues([o.prefix]);
    current = serversBelow(o.prefix, snap.values);
    return snap.revision;
  };

  const apply = async (why: string): Promise<void> => {
    const t0 = performance.now();
    const report = await o.controller.sync(current);
    const a = report.apply;
    const changed = a.added.length + a.readdressed.length + a.removed.length + a.repaired.length;
    if (changed > 0 || report.reload || a.failed.length > 0 || a.rejected.length > 0) {
      o.logger.info(
        {
          why,
          added: a.added,
          readdressed: a.readdressed.map((r) => r.name),
          removed: a.removed.map((r) => r.name),
          rejected: a.rejected,
          failed: a.failed,
          reloaded: report.reload !== undefined,
          ms: Math.round(performance.now() - t0),
        },
        "HAProxy updated",
      );
    }
  };

  const loop = async (): Promise<void> => {
    let revision = await read();
    await apply("start");
    markReady();
    drift = startDriftRepair({
      controller: o.controller,
      runtime: o.runtime,
      backend: o.haproxyBackend,
      desired: async () => current,
      intervalMs: o.driftIntervalMs ?? 5_000,
      log: o.logger,
    });
    while (!abort.signal.aborted) {
      try {
        await o.backend.watch([o.prefix], revision, abort.signal);
        revision = await read();
        await apply("etcd change");
      } catch (e) {
        if (abort.signal.aborted) return;
        o.logger.error({ err: (e as Error).message }, "syncing HAProxy from etcd failed; retrying");
        await new Promise((r) => setTimeout(r, 500));
        revision = await read().catch(() => revision);
      }
    }
  };

  const running = loop().catch((e: Error) => {
    failReady(e);
  });

  return {
    ready,
    desired: () => current,
    stop: async () => {
      abort.abort();
      await drift?.stop();
      await running;
    },
  };
}
