/** The error a watch rejects with when its signal aborts (name "AbortError", as fetch does). */
export function abortError(signal: AbortSignal): Error {
  const err = new Error("watch aborted", { cause: signal.reason });
  err.name = "AbortError";
  return err;
}

/** Sleeps `ms`, or rejects with an AbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Exponential backoff delays: 100, 200, 400 ... capped at `maxMs`. */
export function backoffDelay(attempt: number, maxMs = 3000): number {
  return Math.min(maxMs, 100 * 2 ** Math.min(attempt, 16));
}
