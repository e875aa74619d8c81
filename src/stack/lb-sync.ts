// Keeps HAProxy in step with etcd: watches the servers prefix and, on every change,
// hands the desired set (container name -> address) to `apply`.
import type { Logger } from "pino";
import type { Backend } from "../backends/types.js";
import type { SyncReport } from "../haproxy/controller.js";

export interface LbSyncOptions {
  backend: Backend;
  /** e.g. /app/servers: every key directly below is one server, named by its last element. */
  prefix: string;
  apply: (desired: ReadonlyMap<string, string>) => Promise<SyncReport>;
  logger: Logger;
  /** Told about every apply and how long it took (metrics). */
  onApply?: (report: SyncReport, ms: number) => void;
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
    const report = await o.apply(current);
    o.onApply?.(report, performance.now() - t0);
    const a = report.apply;
    const changed =
      a.added.length + a.readdressed.length + a.removed.length + a.draining.length + a.repaired.length;
    if (changed > 0 || report.reload || a.failed.length > 0 || a.rejected.length > 0) {
      o.logger.info(
        {
          why,
          added: a.added,
          readdressed: a.readdressed.map((r) => r.name),
          draining: a.draining,
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

  const running = loop().catch((e: Error) => failReady(e));

  return {
    ready,
    desired: () => current,
    stop: async () => {
      abort.abort();
      await running;
    },
  };
}
