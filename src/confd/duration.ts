// Durations in flags ("50ms", "1.5s", "1m30s"), read with Go's time.ParseDuration;
// negative ones are refused.
import { DurationError, parseDuration } from "../go/time.js";

/** Milliseconds, or an error message naming the bad text. */
export function parseGoDuration(text: string): { ms: number } | { error: string } {
  const bad = { error: `invalid duration "${text}" (use Go syntax such as 50ms, 2s, 1m30s)` };
  let ns: bigint;
  try {
    ns = parseDuration(text.trim());
  } catch (e) {
    if (e instanceof DurationError) return bad;
    throw e;
  }
  return ns < 0n ? bad : { ms: Number(ns) / 1e6 };
}
