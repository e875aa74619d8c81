// Go duration strings ("50ms", "1.5s", "1m30s") as time.ParseDuration accepts them.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds, or an error message naming the bad text. */
export function parseGoDuration(text: string): { ms: number } | { error: string } {
  const bad = { error: `invalid duration "${text}" (use Go syntax such as 50ms, 2s, 1m30s)` };
  let s = text.trim();
  if (s === "0") return { ms: 0 };
  if (s === "") return bad;
  let total = 0;
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = re.exec(s);
    if (!m) return bad;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    s = s.slice(m[0].length);
  }
  return { ms: total };
}
