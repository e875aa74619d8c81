// The processor's modes: -onetime, -interval N, -watch (with optional -wait quiescence).
import type { Logger } from "pino";
import type { Backend, Revision, Snapshot } from "../backends/types.js";
import type { WaitSpec } from "./config.js";
import { runCycle, type CycleDeps, type CycleOptions, type CycleReport } from "./cycle.js";
import { pause } from "../util/pause.js";
import { quiesce } from "./quiesce.js";
import type { ResourcesResult, TemplateResource } from "./resource.js";
import { diffSnapshots, unionPrefixes, type KeyChanges } from "./store.js";

export type Mode =
  { kind: "onetime" } | { kind: "interval"; seconds: number } | { kind: "watch"; wait?: WaitSpec };

export interface LoopDeps extends CycleDeps {
  backend: Backend;
  signal: AbortSignal;
  /** Called after every cycle with its duration (tests, benchmarks and metrics count renders and reloads). */
  onCycle?: (report: CycleReport, ms: number) => void;
  /** Called when a cycle could not read the backend (it is retried). */
  onReadError?: (message: string) => void;
  /** -onetime: told why the run failed, for a plain last line on stderr. */
  onFailure?: (reasons: string[]) => void;
  /** -interval: reads conf.d again before every poll after the first, as confd does. */
  reloadResources?: () => ResourcesResult;
}

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;

function logChanges(log: Logger, c: KeyChanges): void {
  const n = c.added.length + c.changed.length + c.removed.length;
  if (n === 0) return;
  const cap = (xs: string[]) => (xs.length > 20 ? [...xs.slice(0, 20), `... ${xs.length - 20} more`] : xs);
  log.info({ added: cap(c.added), changed: cap(c.changed), removed: cap(c.removed) }, `${n} key(s) changed`);
}

function summarize(log: Logger, report: CycleReport, ms: number, readMs: number): void {
  const count = (s: string) => report.outcomes.filter((o) => o.status === s).length;
  log.debug(
    {
      ms: Math.round(ms),
      readMs: Math.round(readMs),
      renders: report.renders,
      reloads: report.reloads,
      updated: count("updated"),
      failed: count("failed"),
      held: count("held"),
    },
    "cycle done",
  );
}

/** Returns the process exit status: 0, or 1 when -onetime had a failing resource. */
export async function runLoop(
  initial: readonly TemplateResource[],
  mode: Mode,
  opts: CycleOptions,
  deps: LoopDeps,
): Promise<number> {
  const { backend, log, signal } = deps;
  let resources = initial;
  let prefixes = unionPrefixes(resources);
  let previous: Snapshot | undefined;

  const reload = (): void => {
    const r = deps.reloadResources?.();
    if (r === undefined) return;
    if (!r.ok) {
      // confd exits here; a running hecd confd keeps the resources it has.
      log.error(`${r.error}; keeping the ${resources.length} template resource(s) read before`);
      return;
    }
    const names = (rs: readonly TemplateResource[]) => rs.map((x) => x.file).join("\n");
    if (names(r.resources) !== names(resources))
      log.info({ resources: r.resources.map((x) => x.file) }, "template resources changed");
    resources = r.resources;
    prefixes = unionPrefixes(resources);
  };

  const cycle = async (): Promise<{ report: CycleReport; snapshot: Snapshot }> => {
    const started = performance.now();
    let snapshot: Snapshot;
    try {
      snapshot = await backend.getValues(prefixes);
    } catch (e) {
      const msg = `cannot read keys from the ${backend.name} backend: ${(e as Error).message}`;
      deps.onReadError?.(msg);
      throw new Error(msg, { cause: e });
    }
    const readMs = performance.now() - started;
    const changes = diffSnapshots(previous?.values, snapshot.values);
    if (previous) logChanges(log, changes);
    else log.debug({ keys: snapshot.values.size, revision: String(snapshot.revision) }, "read snapshot");
    const report = await runCycle(resources, snapshot.values, opts, deps, previous ? changes : undefined);
    previous = snapshot;
    const ms = performance.now() - started;
    summarize(log, report, ms, readMs);
    deps.onCycle?.(report, ms);
    return { report, snapshot };
  };

  if (mode.kind === "onetime") {
    try {
      const { report } = await cycle();
      if (report.failed)
        deps.onFailure?.(
          report.outcomes
            .filter((o) => o.status === "failed" || o.status === "held")
            .map((o) => `${o.resource.file}: ${o.reason ?? o.status}`),
        );
      return report.failed ? 1 : 0;
    } catch (e) {
      log.error((e as Error).message);
      deps.onFailure?.([(e as Error).message]);
      return 1;
    }
  }

  if (mode.kind === "interval") {
    for (let first = true; !signal.aborted; first = false) {
      if (!first) reload();
      try {
        await cycle();
      } catch (e) {
        log.error(`${(e as Error).message}; retrying in ${mode.seconds}s`);
      }
      await pause(mode.seconds * 1000, signal);
    }
    return 0;
  }

  let retryMs = RETRY_MIN_MS;
  let since: Revision;
  let retryAfterFailure: boolean;
  while (!signal.aborted) {
    try {
      const { report, snapshot } = await cycle();
      since = snapshot.revision;
      retryAfterFailure = report.failed;
      if (!report.failed) retryMs = RETRY_MIN_MS;
    } catch (e) {
      if (signal.aborted) break;
      log.error(`${(e as Error).message}; retrying in ${retryMs} ms`);
      await pause(retryMs, signal);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      continue;
    }
    if (signal.aborted) break; // aborted during the cycle: the listener below would never fire
    const ac = new AbortController();
    const stop = () => ac.abort();
    signal.addEventListener("abort", stop, { once: true });
    const waits: Promise<{ rev: Revision } | "retry" | { err: unknown }>[] = [
      backend.watch(prefixes, since, ac.signal).then(
        (rev) => ({ rev }),
        (err: unknown) => ({ err }),
      ),
    ];
    // A failed resource is retried after a back-off even if nothing changes.
    if (retryAfterFailure) waits.push(pause(retryMs, ac.signal).then(() => "retry" as const));
    const woke = await Promise.race(waits);
    ac.abort();
    signal.removeEventListener("abort", stop);
    if (signal.aborted) break;
    if (woke === "retry") {
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      continue;
    }
    if ("err" in woke) {
      log.warn(
        { err: String((woke.err as Error)?.message ?? woke.err) },
        `watch on the ${backend.name} backend failed; re-reading in ${retryMs} ms`,
      );
      await pause(retryMs, signal);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      continue;
    }
    if (mode.wait) {
      const q = await quiesce((s, sig) => backend.watch(prefixes, s, sig), woke.rev, mode.wait, signal);
      if (q.changes > 0) log.debug({ coalesced: q.changes + 1 }, "waited for changes to settle");
    }
  }
  return 0;
}
