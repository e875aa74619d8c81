// -wait min:max (consul-template's quiescence): after a change, wait until no further
// change arrives for `min`, but never longer than `max` after the first one.
import type { Revision } from "../backends/types.js";
import { pause } from "../util/pause.js";
import type { WaitSpec } from "./config.js";

export type WatchNext = (since: Revision, signal: AbortSignal) => Promise<Revision>;

/** Returns the newest revision seen while waiting for quiet; `changes` counts extra changes. */
export async function quiesce(
  next: WatchNext,
  since: Revision,
  wait: WaitSpec,
  signal: AbortSignal,
): Promise<{ revision: Revision; changes: number }> {
  const deadline = performance.now() + wait.maxMs;
  let revision = since;
  let changes = 0;
  while (!signal.aborted) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) break;
    const ac = new AbortController();
    const stop = () => ac.abort();
    signal.addEventListener("abort", stop, { once: true });
    const quiet = pause(Math.min(wait.minMs, remaining), ac.signal).then(() => "quiet" as const);
    const watched = next(revision, ac.signal).then(
      (rev) => ({ rev }),
      (err: unknown) => ({ err }),
    );
    const first = await Promise.race([quiet, watched]);
    ac.abort();
    signal.removeEventListener("abort", stop);
    if (first === "quiet") break;
    if ("err" in first) break; // the main loop's own watch reports the problem
    revision = first.rev;
    changes++;
  }
  return { revision, changes };
}
