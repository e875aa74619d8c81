// The parts of Go's strconv that confd's functions expose, with Go's results
// and error texts.
import { quote as fmtQuote } from "./fmt-quote.js";

/** strconv.Quote (Go 1.19's Unicode 13 printability). */
export function quote(s: string): string {
  return fmtQuote(s);
}

/** A strconv.NumError; message `strconv.FN: parsing "S": REASON`. */
export class NumError extends Error {
  constructor(fn: string, input: string, reason: "invalid syntax" | "value out of range") {
    super(`strconv.${fn}: parsing ${quote(input)}: ${reason}`);
  }
}

const MAX_U64 = (1n << 64n) - 1n;

/** strconv.Atoi on a 64-bit platform. */
export function atoi(s0: string): bigint {
  let s = s0;
  let neg = false;
  if (s.length > 0 && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s.length === 0) throw new NumError("Atoi", s0, "invalid syntax");
  let n = 0n;
  for (const ch of s) {
    if (ch < "0" || ch > "9") throw new NumError("Atoi", s0, "invalid syntax");
    n = n * 10n + BigInt(ch.charCodeAt(0) - 48);
    // Only the slow path (19+ bytes) can overflow; it reports the range at once.
    if (n > MAX_U64) throw new NumError("Atoi", s0, "value out of range");
  }
  if ((!neg && n >= 1n << 63n) || (neg && n > 1n << 63n))
    throw new NumError("Atoi", s0, "value out of range");
  return neg ? -n : n;
}

/** strconv.ParseBool. */
export function parseBool(s: string): boolean {
  switch (s) {
    case "1":
    case "t":
    case "T":
    case "TRUE":
    case "true":
    case "True":
      return true;
    case "0":
    case "f":
    case "F":
    case "FALSE":
    case "false":
    case "False":
      return false;
  }
  throw new NumError("ParseBool", s, "invalid syntax");
}

/** strconv.FormatFloat(f, 'f', -1, 64). */
export function formatFloatF(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  const neg = f < 0 || Object.is(f, -0);
  const [mant, expStr] = Math.abs(f).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const exp = Number(expStr);
  let out: string;
  if (exp >= digits.length - 1) out = digits + "0".repeat(exp - (digits.length - 1));
  else if (exp >= 0) out = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  else out = "0." + "0".repeat(-exp - 1) + digits;
  return (neg ? "-" : "") + out;
}
