// One lifecycle for every long-running command (hecd agent, confd, up): start, stop gracefully
// on SIGINT or SIGTERM within a bound, stop at once on a second signal, and an exit code.
import { constants } from "node:os";
import type { Logger } from "pino";

/** What the lifecycle needs of `process`; tests pass a fake. */
export interface ProcessLike {
  on(event: NodeJS.Signals, listener: () => void): unknown;
  off(event: NodeJS.Signals, listener: () => void): unknown;
  exit(code: number): void;
}

export interface Service {
  /** Stops gracefully; resolves when everything the service started is stopped. */
  stop(): Promise<void>;
  /** Settles with an exit code when the service ends by itself; absent: it runs until stopped. */
  readonly ended?: Promise<number>;
}

export interface LifecycleOptions {
  /** What is stopped, for the log ("the agent", "the stack"). */
  what: string;
  /**
   * Starts the service. `stopping` aborts (its reason: the signal's name) when a stop signal
   * arrives; a start under way may give up early, else the service is stopped once it is up.
   */
  start(stopping: AbortSignal): Promise<Service>;
  /** After the first signal: if the service has not stopped within this, the process exits with 1. */
  stopTimeoutMs: number;
  log: Logger;
  /** Default: the real process. */
  process?: ProcessLike;
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Runs a service until it ends by itself (resolves with its exit code) or a signal stops it
 * (the process then exits: 0 after a clean stop, 1 when the stop failed or overran its bound,
 * 128 + the signal's number on a second signal). A failed start rejects with its error.
 */
export async function runLifecycle(o: LifecycleOptions): Promise<number> {
  const proc: ProcessLike = o.process ?? process;
  const stopping = new AbortController();
  const stopRequested = new Promise<void>((r) =>
    stopping.signal.addEventListener("abort", () => r(), { once: true }),
  );
  let bound: NodeJS.Timeout | undefined;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping.signal.aborted) {
      o.log.warn({ signal }, `second signal: stopping ${o.what} at once`);
      proc.exit(128 + constants.signals[signal]);
      return;
    }
    o.log.info({ signal }, `stopping ${o.what}`);
    bound = setTimeout(() => {
      o.log.error(`${o.what} did not stop within ${o.stopTimeoutMs / 1000} s; exiting`);
      proc.exit(1);
    }, o.stopTimeoutMs);
    bound.unref();
    stopping.abort(signal);
  };
  const listeners = SIGNALS.map((s) => [s, () => onSignal(s)] as const);
  for (const [s, fn] of listeners) proc.on(s, fn);
  const done = (): void => {
    for (const [s, fn] of listeners) proc.off(s, fn);
    clearTimeout(bound);
  };

  let service: Service;
  try {
    service = await o.start(stopping.signal);
  } catch (e) {
    done();
    throw e;
  }
  const first = await Promise.race([
    stopRequested.then(() => "signal" as const),
    ...(service.ended ? [service.ended] : []),
  ]).catch((e: unknown) => {
    done();
    throw e;
  });
  // A service that ends because `stopping` aborted was stopped by the signal, not by itself.
  if (first !== "signal" && !stopping.signal.aborted) {
    done();
    return first;
  }
  let code = 0;
  try {
    await service.stop();
    if (service.ended) code = await service.ended;
  } catch (e) {
    o.log.error({ err: (e as Error).message }, `error while stopping ${o.what}`);
    code = 1;
  }
  done();
  // Stopped on request: a socket or timer left open must not keep the process alive.
  proc.exit(code);
  return code;
}
