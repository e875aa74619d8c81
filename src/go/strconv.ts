// Go's strconv as hecd needs it (confd's functions; the template parser's
// Unquote and Parse{Uint,Int,Float}), with Go's results and error texts.
import { quote as fmtQuote } from "./fmt-quote.js";
import { canonical, goBytes, goString } from "./gostring.js";

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

// ---------------------------------------------------------------------------
// The template parser's literals: failures throw SyntaxErr carrying Go's
// message, and the parser adds the position.

/** Thrown internally by strconv-like helpers; turned into a positioned TemplateError. */
export class SyntaxErr extends Error {}

// ---------------------------------------------------------------------------
// strconv.Unquote / UnquoteChar

const INVALID_SYNTAX = "invalid syntax";

function unhex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

interface UnquotedChar {
  value: number;
  /** True when value is a code point; false when it is a single byte (\x, octal, ASCII). */
  multibyte: boolean;
  tail: number;
}

/** strconv.UnquoteChar on s starting at index i; throws SyntaxErr. */
export function unquoteChar(s: string, i: number, quote: number): UnquotedChar {
  if (i >= s.length) throw new SyntaxErr(INVALID_SYNTAX);
  const c = s.charCodeAt(i);
  if (c === quote && (quote === 39 || quote === 34)) throw new SyntaxErr(INVALID_SYNTAX);
  if (c >= 0x80) {
    const r = s.codePointAt(i)!;
    return { value: r, multibyte: true, tail: i + (r > 0xffff ? 2 : 1) };
  }
  if (c !== 92) return { value: c, multibyte: false, tail: i + 1 };
  if (i + 1 >= s.length) throw new SyntaxErr(INVALID_SYNTAX);
  const e = s.charCodeAt(i + 1);
  let j = i + 2;
  switch (e) {
    case 97:
      return { value: 7, multibyte: false, tail: j };
    case 98:
      return { value: 8, multibyte: false, tail: j };
    case 102:
      return { value: 12, multibyte: false, tail: j };
    case 110:
      return { value: 10, multibyte: false, tail: j };
    case 114:
      return { value: 13, multibyte: false, tail: j };
    case 116:
      return { value: 9, multibyte: false, tail: j };
    case 118:
      return { value: 11, multibyte: false, tail: j };
    case 120: // x
    case 117: // u
    case 85: {
      // U
      const n = e === 120 ? 2 : e === 117 ? 4 : 8;
      if (s.length - j < n) throw new SyntaxErr(INVALID_SYNTAX);
      let v = 0;
      for (let k = 0; k < n; k++) {
        const x = unhex(s.charCodeAt(j + k));
        if (x < 0) throw new SyntaxErr(INVALID_SYNTAX);
        v = v * 16 + x;
      }
      j += n;
      if (e === 120) return { value: v, multibyte: false, tail: j };
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new SyntaxErr(INVALID_SYNTAX);
      return { value: v, multibyte: true, tail: j };
    }
    case 48:
    case 49:
    case 50:
    case 51:
    case 52:
    case 53:
    case 54:
    case 55: {
      let v = e - 48;
      if (s.length - j < 2) throw new SyntaxErr(INVALID_SYNTAX);
      for (let k = 0; k < 2; k++) {
        const x = s.charCodeAt(j + k) - 48;
        if (x < 0 || x > 7) throw new SyntaxErr(INVALID_SYNTAX);
        v = (v << 3) | x;
      }
      j += 2;
      if (v > 255) throw new SyntaxErr(INVALID_SYNTAX);
      return { value: v, multibyte: false, tail: j };
    }
    case 92:
      return { value: 92, multibyte: false, tail: j };
    case 39:
    case 34:
      if (e !== quote) throw new SyntaxErr(INVALID_SYNTAX);
      return { value: e, multibyte: false, tail: j };
    default:
      throw new SyntaxErr(INVALID_SYNTAX);
  }
}

/** strconv.Unquote for the lexer's string tokens (`...` or "..."). */
export function unquote(s: string): string {
  const q = s.charCodeAt(0);
  if (s.length < 2 || s.charCodeAt(s.length - 1) !== q) throw new SyntaxErr(INVALID_SYNTAX);
  let body = s.slice(1, -1);
  if (q === 96) {
    if (body.includes("`")) throw new SyntaxErr(INVALID_SYNTAX);
    return body.includes("\r") ? body.replaceAll("\r", "") : body;
  }
  if (q !== 34) throw new SyntaxErr(INVALID_SYNTAX);
  if (body.includes("\n")) throw new SyntaxErr(INVALID_SYNTAX);
  // Go's unquoteChar reads each raw invalid byte as the rune U+FFFD (escapes like \xff stay bytes).
  if (!body.isWellFormed()) body = canonical(body).toWellFormed();
  if (!body.includes("\\") && !body.includes('"')) return body;
  // Escapes may produce raw bytes (\xff, \377): collect UTF-8 bytes, then decode.
  const bytes: number[] = [];
  let plain = true;
  let out = "";
  let i = 0;
  while (i < body.length) {
    const c = unquoteChar(body, i, 34);
    i = c.tail;
    if (c.multibyte || c.value < 0x80) {
      if (plain) out += String.fromCodePoint(c.value);
      else pushUtf8(bytes, c.value);
    } else {
      if (plain) {
        plain = false;
        pushUtf8String(bytes, out);
      }
      bytes.push(c.value);
    }
  }
  return plain ? out : goString(new Uint8Array(bytes));
}

function pushUtf8(bytes: number[], r: number): void {
  if (r < 0x80) bytes.push(r);
  else if (r < 0x800) bytes.push(0xc0 | (r >> 6), 0x80 | (r & 63));
  else if (r < 0x10000) bytes.push(0xe0 | (r >> 12), 0x80 | ((r >> 6) & 63), 0x80 | (r & 63));
  else bytes.push(0xf0 | (r >> 18), 0x80 | ((r >> 12) & 63), 0x80 | ((r >> 6) & 63), 0x80 | (r & 63));
}

function pushUtf8String(bytes: number[], s: string): void {
  for (const b of goBytes(s)) bytes.push(b);
}

// ---------------------------------------------------------------------------
// strconv.ParseUint / ParseInt / ParseFloat (base 0, 64 bits): null on error

const MAX_UINT64 = (1n << 64n) - 1n;
const MIN_INT64 = -(1n << 63n);
const MAX_INT64 = (1n << 63n) - 1n;

function lower(c: number): number {
  return c | 0x20;
}

function underscoreOK(s: string): boolean {
  let saw = "^";
  let i = 0;
  if (s.length >= 1 && (s[0] === "-" || s[0] === "+")) s = s.slice(1);
  let hexa = false;
  if (s.length >= 2 && s[0] === "0") {
    const p = lower(s.charCodeAt(1));
    if (p === 98 || p === 111 || p === 120) {
      i = 2;
      saw = "0";
      hexa = p === 120;
    }
  }
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (hexa && lower(c) >= 97 && lower(c) <= 102)) {
      saw = "0";
      continue;
    }
    if (c === 95) {
      if (saw !== "0") return false;
      saw = "_";
      continue;
    }
    if (saw === "_") return false;
    saw = "!";
  }
  return saw !== "_";
}

export function parseUint(s0: string): bigint | null {
  if (s0 === "") return null;
  let s = s0;
  let base = 10;
  if (s[0] === "0") {
    const p = s.length >= 3 ? lower(s.charCodeAt(1)) : 0;
    if (p === 98) {
      base = 2;
      s = s.slice(2);
    } else if (p === 111) {
      base = 8;
      s = s.slice(2);
    } else if (p === 120) {
      base = 16;
      s = s.slice(2);
    } else {
      base = 8;
      s = s.slice(1);
    }
  }
  const b = BigInt(base);
  let n = 0n;
  let underscores = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c === 95) {
      underscores = true;
      continue;
    } else if (c >= 48 && c <= 57) d = c - 48;
    else if (lower(c) >= 97 && lower(c) <= 122) d = lower(c) - 87;
    else return null;
    if (d >= base) return null;
    n = n * b + BigInt(d);
    if (n > MAX_UINT64) return null;
  }
  if (underscores && !underscoreOK(s0)) return null;
  return n;
}

export function parseInt64(s: string): bigint | null {
  if (s === "") return null;
  let neg = false;
  if (s[0] === "+") s = s.slice(1);
  else if (s[0] === "-") {
    neg = true;
    s = s.slice(1);
  }
  const u = parseUint(s);
  if (u === null) return null;
  const v = neg ? -u : u;
  if (v < MIN_INT64 || v > MAX_INT64) return null;
  return v;
}

/** strconv.ParseFloat(s, 64): null on a syntax or range error. */
export function parseFloat64(s: string): number | null {
  const f = readFloat(s);
  return f !== null && Number.isFinite(f) ? f : null;
}

/** Go's readFloat: the whole of s must be a float literal (null if not); ±Infinity when out of range. */
export function readFloat(s: string): number | null {
  let i = 0;
  let neg = false;
  if (i >= s.length) return null;
  if (s[i] === "+") i++;
  else if (s[i] === "-") {
    neg = true;
    i++;
  }
  let hexa = false;
  if (i + 2 < s.length && s[i] === "0" && lower(s.charCodeAt(i + 1)) === 120) {
    hexa = true;
    i += 2;
  }
  const expChar = hexa ? 112 : 101;
  let sawdot = false;
  let sawdigits = false;
  let underscores = false;
  let mant = 0n;
  let fracDigits = 0;
  let digitStr = "";
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 95) {
      underscores = true;
      continue;
    }
    if (c === 46) {
      if (sawdot) break;
      sawdot = true;
      continue;
    }
    if (c >= 48 && c <= 57) {
      sawdigits = true;
      if (hexa) mant = mant * 16n + BigInt(c - 48);
      else digitStr += s[i];
      if (sawdot) fracDigits++;
      continue;
    }
    if (hexa && lower(c) >= 97 && lower(c) <= 102) {
      sawdigits = true;
      mant = mant * 16n + BigInt(lower(c) - 87);
      if (sawdot) fracDigits++;
      continue;
    }
    break;
  }
  if (!sawdigits) return null;
  let exp = 0;
  let expText = "";
  if (i < s.length && lower(s.charCodeAt(i)) === expChar) {
    i++;
    if (i >= s.length) return null;
    let esign = 1;
    if (s[i] === "+") i++;
    else if (s[i] === "-") {
      i++;
      esign = -1;
    }
    if (i >= s.length || s.charCodeAt(i) < 48 || s.charCodeAt(i) > 57) return null;
    let e = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 95) {
        underscores = true;
        continue;
      }
      if (c < 48 || c > 57) break;
      if (e < 10000) e = e * 10 + (c - 48);
    }
    exp = e * esign;
    expText = String(exp);
  } else if (hexa) {
    return null;
  }
  if (i !== s.length) return null;
  if (underscores && !underscoreOK(s)) return null;
  let f: number;
  if (hexa) {
    f = hexToFloat(mant, exp - 4 * fracDigits);
  } else {
    const intPart = digitStr.slice(0, digitStr.length - fracDigits) || "0";
    const frac = digitStr.slice(digitStr.length - fracDigits);
    f = Number(`${intPart}.${frac}e${expText || "0"}`);
  }
  return neg ? -f : f;
}

/** mant * 2^exp rounded to nearest-even float64 (Infinity on overflow). */
function hexToFloat(mant: bigint, exp: number): number {
  if (mant === 0n) return 0;
  const bitLen = mant.toString(2).length;
  const top = bitLen - 1 + exp;
  let prec = 53;
  if (top < -1022) prec = 53 - (-1022 - top);
  if (prec <= 0) {
    // Below half the smallest subnormal unless exactly representable rounding applies.
    if (prec === 0) {
      const half = 1n << BigInt(bitLen - 1);
      return mant > half ? Number.MIN_VALUE : 0;
    }
    return 0;
  }
  let shift = bitLen - prec;
  let q = mant;
  if (shift > 0) {
    const sh = BigInt(shift);
    q = mant >> sh;
    const rem = mant & ((1n << sh) - 1n);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  } else {
    shift = 0;
  }
  return Number(q) * 2 ** (exp + shift);
}

// ---------------------------------------------------------------------------
