// Literal values as Go's text/template/parse reads them: go/strconv's Unquote
// for strings and character constants, Parse{Uint,Int,Float} (base 0, 64 bits)
// and fmt.Sscan of complex numbers for number nodes. Failures throw SyntaxErr
// carrying Go's message; the parser adds the position.

import { ItemType } from "./lex.js";
import type { NumberNode, Pos } from "./node.js";
import { SyntaxErr, unquoteChar, parseUint, parseInt64, parseFloat64, readFloat } from "../../go/strconv.js";
import { quote as goQuote } from "../../go/fmt-quote.js";

// fmt.Sscan into complex128, for "1+2i" items

const COMPLEX_ERROR = "syntax error scanning complex number";

function floatToken(s: string, i: number): number {
  const acceptOne = (set: string): boolean => {
    if (i < s.length && set.includes(s[i]!)) {
      i++;
      return true;
    }
    return false;
  };
  const start = i;
  if (acceptOne("nN") && acceptOne("aA") && acceptOne("nN")) return i;
  i = start;
  acceptOne("+-");
  const afterSign = i;
  if (acceptOne("iI") && acceptOne("nN") && acceptOne("fF")) return i;
  i = afterSign;
  let digits = "0123456789_";
  let exp = "eEpP";
  if (acceptOne("0") && acceptOne("xX")) {
    digits = "0123456789aAbBcCdDeEfF_";
    exp = "pP";
  }
  while (acceptOne(digits));
  if (acceptOne(".")) while (acceptOne(digits));
  if (acceptOne(exp)) {
    acceptOne("+-");
    while (acceptOne("0123456789_"));
  }
  return i;
}

/** fmt's convertFloat; its decimal-mantissa "1.5p3" form never comes out of the lexer. */
function convertFloat(str: string): number {
  const f = readFloat(str);
  if (f === null || !Number.isFinite(f)) {
    const why = f === null ? "invalid syntax" : "value out of range";
    throw new SyntaxErr(`strconv.ParseFloat: parsing ${goQuote(str)}: ${why}`);
  }
  return f;
}

function scanComplex(text: string): [number, number] {
  let i = 0;
  const parens = text[0] === "(";
  if (parens) i++;
  const realEnd = floatToken(text, i);
  const realStr = text.slice(i, realEnd);
  i = realEnd;
  if (i >= text.length || (text[i] !== "+" && text[i] !== "-")) throw new SyntaxErr(COMPLEX_ERROR);
  const sign = text[i]!;
  i++;
  const imagEnd = floatToken(text, i);
  const imagStr = sign + text.slice(i, imagEnd);
  i = imagEnd;
  if (text[i] !== "i") throw new SyntaxErr(COMPLEX_ERROR);
  i++;
  if (parens && text[i] !== ")") throw new SyntaxErr(COMPLEX_ERROR);
  return [convertFloat(realStr), convertFloat(imagStr)];
}

// ---------------------------------------------------------------------------
// Number nodes (Go's newNumber)

function isIntegral(f: number): boolean {
  return Number.isFinite(f) && Math.trunc(f) === f;
}

function fitsInt64(f: number): boolean {
  return isIntegral(f) && f >= -9223372036854775808 && f < 9223372036854775808;
}

function fitsUint64(f: number): boolean {
  return isIntegral(f) && f >= 0 && f < 18446744073709551616;
}

function setFromFloat(n: NumberNode, f: number): void {
  n.isFloat = true;
  n.float64 = f;
  n.isInt = fitsInt64(f);
  if (n.isInt) n.int64 = BigInt(f);
  n.isUint = fitsUint64(f);
  if (n.isUint) n.uint64 = BigInt(f);
}

export function newNumber(pos: Pos, text: string, typ: ItemType): NumberNode {
  const n: NumberNode = {
    type: "number",
    pos,
    isInt: false,
    isUint: false,
    isFloat: false,
    isComplex: false,
    int64: 0n,
    uint64: 0n,
    float64: 0,
    text,
  };
  if (typ === ItemType.CharConstant) {
    const c = unquoteChar(text, 1, text.charCodeAt(0));
    if (text.slice(c.tail) !== "'") throw new SyntaxErr(`malformed character constant: ${text}`);
    n.int64 = BigInt(c.value);
    n.isInt = true;
    n.uint64 = BigInt(c.value);
    n.isUint = true;
    n.float64 = c.value;
    n.isFloat = true;
    return n;
  }
  if (typ === ItemType.Complex) {
    const [re, im] = scanComplex(text);
    n.isComplex = true;
    n.complex128 = [re, im];
    if (im === 0) setFromFloat(n, re);
    return n;
  }
  if (text.length > 0 && text.charCodeAt(text.length - 1) === 105) {
    const f = parseFloat64(text.slice(0, -1));
    if (f !== null) {
      n.isComplex = true;
      n.complex128 = [0, f];
      // complex(0, f): the real part is 0, so it is a float only when f == 0.
      if (f === 0) setFromFloat(n, 0);
      return n;
    }
  }
  const u = parseUint(text);
  if (u !== null) {
    n.isUint = true;
    n.uint64 = u;
  }
  const i = parseInt64(text);
  if (i !== null) {
    n.isInt = true;
    n.int64 = i;
    if (i === 0n) {
      n.isUint = true;
      n.uint64 = u ?? 0n;
    }
  }
  if (n.isInt) {
    n.isFloat = true;
    n.float64 = Number(n.int64);
  } else if (n.isUint) {
    n.isFloat = true;
    n.float64 = Number(n.uint64);
  } else {
    const f = parseFloat64(text);
    if (f !== null) {
      if (!/[.eEpP]/.test(text)) throw new SyntaxErr(`integer overflow: ${goQuote(text)}`);
      n.isFloat = true;
      n.float64 = f;
      if (fitsInt64(f)) {
        n.isInt = true;
        n.int64 = BigInt(f);
      }
      if (fitsUint64(f)) {
        n.isUint = true;
        n.uint64 = BigInt(f);
      }
    }
  }
  if (!n.isInt && !n.isUint && !n.isFloat) throw new SyntaxErr(`illegal number syntax: ${goQuote(text)}`);
  return n;
}
