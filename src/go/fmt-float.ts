// strconv.FormatFloat: shortest ('%v', -1 precision) and exactly rounded fixed precision
// (round half to even on the exact binary value, as Go does).

export type FloatFormat = "b" | "e" | "E" | "f" | "g" | "G" | "x" | "X";

/** A decimal d1d2...dn x 10^dp with 0.d1 <= value < 1, no leading or trailing zeros ("" is zero). */
interface Decimal {
  d: string;
  dp: number;
}

const view = new DataView(new ArrayBuffer(8));

/** Sign, mantissa and binary exponent with value = mant * 2^exp (exp already unbiased). */
function decompose(
  v: number,
  bitSize: 32 | 64,
): { neg: boolean; mant: bigint; exp: number; special?: string } {
  let neg: boolean;
  let rawExp: number;
  let mant: bigint;
  let mantBits: number;
  let bias: number;
  let expMax: number;
  if (bitSize === 32) {
    view.setFloat32(0, v);
    const bits = view.getUint32(0);
    neg = bits >>> 31 !== 0;
    rawExp = (bits >>> 23) & 0xff;
    mant = BigInt(bits & 0x7fffff);
    mantBits = 23;
    bias = -127;
    expMax = 0xff;
  } else {
    view.setFloat64(0, v);
    const hi = view.getUint32(0);
    const lo = view.getUint32(4);
    neg = hi >>> 31 !== 0;
    rawExp = (hi >>> 20) & 0x7ff;
    mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    mantBits = 52;
    bias = -1023;
    expMax = 0x7ff;
  }
  if (rawExp === expMax) {
    return { neg, mant, exp: 0, special: mant !== 0n ? "NaN" : neg ? "-Inf" : "+Inf" };
  }
  let exp = rawExp;
  if (exp === 0) exp++;
  else mant |= 1n << BigInt(mantBits);
  exp += bias;
  return { neg, mant, exp: exp - mantBits };
}

/** Parses a JS number string ("1.5e-7", "123.45", "0.001") into a Decimal. */
function parseDecimal(s: string): Decimal {
  let e = 0;
  const ei = s.indexOf("e");
  if (ei >= 0) {
    e = Number(s.slice(ei + 1));
    s = s.slice(0, ei);
  }
  const dot = s.indexOf(".");
  let d = s;
  let dp = s.length;
  if (dot >= 0) {
    d = s.slice(0, dot) + s.slice(dot + 1);
    dp = dot;
  }
  dp += e;
  let i = 0;
  while (i < d.length && d.charCodeAt(i) === 48) i++;
  d = d.slice(i);
  dp -= i;
  let j = d.length;
  while (j > 0 && d.charCodeAt(j - 1) === 48) j--;
  d = d.slice(0, j);
  if (d === "") dp = 0;
  return { d, dp };
}

/** Shortest decimal that reads back as the same float (abs must be finite, >= 0). */
function shortestDecimal(abs: number, bitSize: 32 | 64): Decimal {
  if (abs === 0) return { d: "", dp: 0 };
  if (bitSize === 64) return parseDecimal(String(abs));
  for (let p = 1; p < 17; p++) {
    const s = abs.toPrecision(p);
    if (Math.fround(Number(s)) === abs) return parseDecimal(s);
  }
  return parseDecimal(String(abs));
}

/** The exact decimal expansion of mant * 2^exp. */
function exactDecimal(mant: bigint, exp: number): Decimal {
  if (mant === 0n) return { d: "", dp: 0 };
  if (exp >= 0) return parseDecimal((mant << BigInt(exp)).toString());
  const s = (mant * 5n ** BigInt(-exp)).toString();
  const dec = parseDecimal(s);
  return { d: dec.d, dp: dec.dp + exp };
}

/** Rounds to nd digits, half to even (Go's decimal.Round on an exact value). */
function roundDecimal(a: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= a.d.length) return a;
  const c = a.d.charCodeAt(nd);
  let up: boolean;
  if (c === 53 && nd + 1 === a.d.length) up = nd > 0 && (a.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  else up = c >= 53;
  if (!up) {
    let j = nd;
    while (j > 0 && a.d.charCodeAt(j - 1) === 48) j--;
    return { d: a.d.slice(0, j), dp: j === 0 ? 0 : a.dp };
  }
  for (let i = nd - 1; i >= 0; i--) {
    const ci = a.d.charCodeAt(i);
    if (ci < 57) return { d: a.d.slice(0, i) + String.fromCharCode(ci + 1), dp: a.dp };
  }
  return { d: "1", dp: a.dp + 1 };
}

function fmtE(neg: boolean, d: Decimal, prec: number, e: string): string {
  let s = neg ? "-" : "";
  s += d.d.length !== 0 ? d.d[0] : "0";
  if (prec > 0) {
    s += ".";
    const m = Math.min(d.d.length, prec + 1);
    let i = 1;
    if (i < m) {
      s += d.d.slice(i, m);
      i = m;
    }
    if (i <= prec) s += "0".repeat(prec - i + 1);
  }
  let exp = d.d.length === 0 ? 0 : d.dp - 1;
  s += e;
  if (exp < 0) {
    s += "-";
    exp = -exp;
  } else s += "+";
  return s + (exp < 10 ? "0" + exp : String(exp));
}

function fmtF(neg: boolean, d: Decimal, prec: number): string {
  let s = neg ? "-" : "";
  const nd = d.d.length;
  if (d.dp > 0) {
    const m = Math.min(nd, d.dp);
    s += d.d.slice(0, m);
    if (m < d.dp) s += "0".repeat(d.dp - m);
  } else s += "0";
  if (prec > 0) {
    s += ".";
    for (let i = 0; i < prec; i++) {
      const j = d.dp + i;
      s += j >= 0 && j < nd ? d.d[j] : "0";
    }
  }
  return s;
}

function formatDigits(neg: boolean, digs: Decimal, shortest: boolean, prec: number, fmt: string): string {
  switch (fmt) {
    case "e":
    case "E":
      return fmtE(neg, digs, prec, fmt);
    case "f":
      return fmtF(neg, digs, prec);
  }
  // g, G
  const nd = digs.d.length;
  let eprec = prec;
  if (eprec > nd && nd >= digs.dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = digs.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > nd) prec = nd;
    return fmtE(neg, digs, prec - 1, fmt === "g" ? "e" : "E");
  }
  if (prec > digs.dp) prec = nd;
  return fmtF(neg, digs, Math.max(prec - digs.dp, 0));
}

function fmtB(neg: boolean, mant: bigint, exp: number): string {
  return (neg ? "-" : "") + mant.toString() + "p" + (exp >= 0 ? "+" : "") + String(exp);
}

function fmtX(
  v: { neg: boolean; mant: bigint; exp: number },
  prec: number,
  fmt: "x" | "X",
  mantBits: number,
): string {
  let mant = v.mant;
  // back to Go's convention: value = mant * 2^(exp - mantBits) with exp the unshifted exponent
  let exp = v.exp + mantBits;
  if (mant === 0n) exp = 0;
  const B60 = 1n << 60n;
  const MASK64 = (1n << 64n) - 1n;
  mant = (mant << BigInt(60 - mantBits)) & MASK64;
  while (mant !== 0n && (mant & B60) === 0n) {
    mant = (mant << 1n) & MASK64;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & (B60 - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant = (mant << (60n - shift)) & MASK64;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const hex = fmt === "X" ? "0123456789ABCDEF" : "0123456789abcdef";
  let s = (v.neg ? "-" : "") + "0" + fmt + String(Number((mant >> 60n) & 1n));
  mant = (mant << 4n) & MASK64;
  if (prec < 0 && mant !== 0n) {
    s += ".";
    while (mant !== 0n) {
      s += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & MASK64;
    }
  } else if (prec > 0) {
    s += ".";
    for (let i = 0; i < prec; i++) {
      s += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & MASK64;
    }
  }
  s += fmt === "X" ? "P" : "p";
  if (exp < 0) {
    s += "-";
    exp = -exp;
  } else s += "+";
  return s + (exp < 10 ? "0" + exp : String(exp));
}

/** Go's strconv.FormatFloat(v, fmt, prec, bitSize). */
export function formatFloat(v: number, fmt: FloatFormat, prec: number, bitSize: 32 | 64): string {
  if (v !== v) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (bitSize === 32) v = Math.fround(v);
  const neg = v < 0 || Object.is(v, -0);
  const abs = neg ? -v : v;
  if (fmt === "b" || fmt === "x" || fmt === "X") {
    const parts = decompose(v, bitSize);
    if (fmt === "b") return fmtB(parts.neg, parts.mant, parts.exp);
    return fmtX(parts, prec, fmt, bitSize === 32 ? 23 : 52);
  }
  // toFixed rounds exactly but breaks ties upwards; an exact tie at prec decimals needs
  // exactly prec+1 binary fraction digits, and only then is Go's half-to-even rule needed.
  if (fmt === "f" && prec >= 0 && prec <= 100 && abs < 1e21 && fractionalBits(abs) !== prec + 1) {
    return (neg ? "-" : "") + abs.toFixed(prec);
  }
  const shortest = prec < 0;
  let digs: Decimal;
  if (shortest) {
    digs = shortestDecimal(abs, bitSize);
    const nd = digs.d.length;
    switch (fmt) {
      case "e":
      case "E":
        prec = Math.max(nd - 1, 0);
        break;
      case "f":
        prec = Math.max(nd - digs.dp, 0);
        break;
      default:
        prec = nd;
    }
  } else {
    const parts = decompose(abs, 64);
    digs = exactDecimal(parts.mant, parts.exp);
    switch (fmt) {
      case "e":
      case "E":
        digs = roundDecimal(digs, prec + 1);
        break;
      case "f":
        digs = roundDecimal(digs, digs.dp + prec);
        break;
      default:
        if (prec === 0) prec = 1;
        digs = roundDecimal(digs, prec);
    }
  }
  return formatDigits(neg, digs, shortest, prec, fmt);
}

/** Fast %v of a float64 (strconv 'g', -1). */
export function formatFloatV(v: number): string {
  // Between 1e-4 and 1e6 both JS and Go print the shortest digits in plain decimal notation.
  const abs = v < 0 ? -v : v;
  if (abs >= 1e-4 && abs < 1e6) return String(v);
  return formatFloat(v, "g", -1, 64);
}

/** Number of binary digits after the point in abs (its exact decimal form has as many decimals). */
function fractionalBits(abs: number): number {
  let k = 0;
  while (!Number.isInteger(abs)) {
    abs *= 2;
    k++;
  }
  return k;
}
