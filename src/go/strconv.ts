// The parts of Go's strconv, strings and encoding/base64 that confd's
// functions expose, with Go's results and error texts.
import { isPrint } from "./fmt-isprint.js";
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

/** strings.Split. */
export function split(s: string, sep: string): string[] {
  if (sep === "") return Array.from(s);
  return s.split(sep);
}

/** strings.Replace. */
export function replace(s: string, old: string, nu: string, n: bigint): string {
  if (old === nu || n === 0n) return s;
  if (old === "") {
    const runes = Array.from(s);
    const m = BigInt(runes.length + 1);
    const k = n < 0n || m < n ? m : n;
    let out = "";
    for (let i = 0n; i < k; i++) out += nu + (i < BigInt(runes.length) && i + 1n < k ? runes[Number(i)] : "");
    // After the k-th insertion the remaining runes follow unchanged.
    return out + runes.slice(Number(k) - 1).join("");
  }
  let out = "";
  let start = 0;
  let done = 0n;
  for (;;) {
    if (n >= 0n && done >= n) break;
    const j = s.indexOf(old, start);
    if (j < 0) break;
    out += s.slice(start, j) + nu;
    start = j + old.length;
    done++;
  }
  return out + s.slice(start);
}

// Simple case mappings where JavaScript only offers a multi-rune full mapping
// (checked exhaustively against Go 1.19 below U+1F000).
const SIMPLE_UPPER = new Map<number, number>([
  [0x1fb3, 0x1fbc],
  [0x1fc3, 0x1fcc],
  [0x1ff3, 0x1ffc],
]);
for (const base of [0x1f80, 0x1f90, 0x1fa0])
  for (let k = 0; k < 8; k++) SIMPLE_UPPER.set(base + k, base + 8 + k);
const SIMPLE_LOWER = new Map<number, number>([[0x130, 0x69]]);

function mapRunes(s: string, f: (ch: string) => string, simple: ReadonlyMap<number, number>): string {
  let out = "";
  for (const ch of s) {
    // Go 1.19 knows Unicode 13: runes assigned later (not printable in its tables) have no case.
    if (!isPrint(ch.codePointAt(0)!)) {
      out += ch;
      continue;
    }
    const special = simple.get(ch.codePointAt(0)!);
    if (special !== undefined) {
      out += String.fromCodePoint(special);
      continue;
    }
    const m = f(ch);
    // Go maps rune by rune (simple case mapping): keep runes whose mapping is not one rune.
    const mr = Array.from(m);
    out += mr.length === 1 && isPrint(mr[0]!.codePointAt(0)!) ? m : ch;
  }
  return out;
}

const ASCII = /^[\x00-\x7f]*$/;

/** strings.ToUpper. */
export function toUpper(s: string): string {
  return ASCII.test(s) ? s.toUpperCase() : mapRunes(s, (c) => c.toUpperCase(), SIMPLE_UPPER);
}

/** strings.ToLower. */
export function toLower(s: string): string {
  return ASCII.test(s) ? s.toLowerCase() : mapRunes(s, (c) => c.toLowerCase(), SIMPLE_LOWER);
}

/** An encoding/base64 CorruptInputError. */
export class CorruptInputError extends Error {
  constructor(offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
  }
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < B64.length; i++) DECODE[B64.charCodeAt(i)] = i;

/** base64.StdEncoding.DecodeString (non-strict, skips \r and \n); returns the bytes. */
export function base64Decode(text: string): Buffer {
  const src = Buffer.from(text, "utf8");
  const out: number[] = [];
  let si = 0;
  const isNL = (b: number | undefined): boolean => b === 0x0a || b === 0x0d;
  while (si < src.length) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let err: CorruptInputError | null = null;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out);
        throw new CorruptInputError(si - j);
      }
      const inb = src[si]!;
      si++;
      const d = DECODE[inb]!;
      if (d >= 0) {
        dbuf[j] = d;
        continue;
      }
      if (isNL(inb)) {
        j--;
        continue;
      }
      if (inb !== 0x3d) throw new CorruptInputError(si - 1);
      if (j === 0 || j === 1) throw new CorruptInputError(si - 1);
      if (j === 2) {
        while (si < src.length && isNL(src[si])) si++;
        if (si === src.length) throw new CorruptInputError(src.length);
        if (src[si] !== 0x3d) throw new CorruptInputError(si - 1);
        si++;
      }
      while (si < src.length && isNL(src[si])) si++;
      if (si < src.length) err = new CorruptInputError(si);
      dlen = j;
      break;
    }
    const val = (dbuf[0]! << 18) | (dbuf[1]! << 12) | (dbuf[2]! << 6) | dbuf[3]!;
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    for (let k = 0; k < dlen - 1; k++) out.push(bytes[k]!);
    if (err) throw err;
  }
  return Buffer.from(out);
}
