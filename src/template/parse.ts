// Go 1.19 text/template/parse parser: recursive descent over the lexer's
// items, producing the node types of node.ts. Error messages are Go's.

import { TemplateError } from "./errors.js";
import { Lexer, ItemType, type Item } from "./lex.js";
import type {
  ActionNode,
  ChainNode,
  CommandNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  Pos,
  TemplateNode,
  Tree,
  VariableNode,
} from "./node.js";
import { goQuote, nodeString } from "./node-string.js";

export interface ParseOptions {
  /** Names of all functions in scope (text/template builtins + the caller's FuncMap); an unknown name is a parse error as in Go. */
  funcs: ReadonlySet<string>;
  leftDelim?: string;
  rightDelim?: string;
}

/** Thrown internally by strconv-like helpers; turned into a positioned TemplateError. */
class SyntaxErr extends Error {}

// ---------------------------------------------------------------------------
// strconv.Unquote / UnquoteChar

const INVALID_SYNTAX = "invalid syntax";
const utf8Decoder = new TextDecoder();

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
function unquoteChar(s: string, i: number, quote: number): UnquotedChar {
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
function unquote(s: string): string {
  const q = s.charCodeAt(0);
  if (s.length < 2 || s.charCodeAt(s.length - 1) !== q) throw new SyntaxErr(INVALID_SYNTAX);
  const body = s.slice(1, -1);
  if (q === 96) {
    if (body.includes("`")) throw new SyntaxErr(INVALID_SYNTAX);
    return body.includes("\r") ? body.replaceAll("\r", "") : body;
  }
  if (q !== 34) throw new SyntaxErr(INVALID_SYNTAX);
  if (body.includes("\n")) throw new SyntaxErr(INVALID_SYNTAX);
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
  return plain ? out : utf8Decoder.decode(new Uint8Array(bytes));
}

function pushUtf8(bytes: number[], r: number): void {
  if (r < 0x80) bytes.push(r);
  else if (r < 0x800) bytes.push(0xc0 | (r >> 6), 0x80 | (r & 63));
  else if (r < 0x10000) bytes.push(0xe0 | (r >> 12), 0x80 | ((r >> 6) & 63), 0x80 | (r & 63));
  else bytes.push(0xf0 | (r >> 18), 0x80 | ((r >> 12) & 63), 0x80 | ((r >> 6) & 63), 0x80 | (r & 63));
}

function pushUtf8String(bytes: number[], s: string): void {
  for (const ch of s) pushUtf8(bytes, ch.codePointAt(0)!);
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

function parseUint(s0: string): bigint | null {
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

function parseInt64(s: string): bigint | null {
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

/** Go's readFloat validation: the whole of s must be a float literal. */
function parseFloat64(s: string): number | null {
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
  if (!Number.isFinite(f)) return null; // ErrRange
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

function convertFloat(str: string): number {
  const p = str.indexOf("p");
  if (p >= 0 && !/[xX]/.test(str)) {
    const f = parseFloat64(str.slice(0, p));
    if (f === null) throw new SyntaxErr(`strconv.ParseFloat: parsing ${goQuote(str)}: invalid syntax`);
    const m = parseInt64(str.slice(p + 1));
    if (m === null) throw new SyntaxErr(`strconv.Atoi: parsing ${goQuote(str)}: invalid syntax`);
    return f * 2 ** Number(m);
  }
  const f = parseFloat64(str);
  if (f === null) {
    const why = floatSyntaxOK(str) ? "value out of range" : "invalid syntax";
    throw new SyntaxErr(`strconv.ParseFloat: parsing ${goQuote(str)}: ${why}`);
  }
  return f;
}

function floatSyntaxOK(str: string): boolean {
  return /^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d[\d_]*)?$/.test(str);
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

function newNumber(pos: Pos, text: string, typ: ItemType): NumberNode {
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

// ---------------------------------------------------------------------------
// The parser

/** Go's text/template/parse item.String(). */
function itemString(it: Item): string {
  if (it.typ === ItemType.EOF) return "EOF";
  if (it.typ === ItemType.Error) return it.val;
  if (it.typ > ItemType.Keyword) return `<${it.val}>`;
  // fmt's "%.10q...": the length test is in bytes, the precision in runes.
  if (it.val.length > 10 || (it.val.length > 3 && Buffer.byteLength(it.val) > 10)) {
    if (Buffer.byteLength(it.val) > 10) return goQuote(Array.from(it.val).slice(0, 10).join("")) + "...";
  }
  return goQuote(it.val);
}

/** else/end markers: returned by itemList, never stored in a tree. */
interface EndOrElse {
  type: "end" | "else";
  pos: Pos;
  line: number;
}
type ListItem = Node | EndOrElse;

function isMarker(n: ListItem): n is EndOrElse {
  return n.type === "end" || n.type === "else";
}

function markerString(n: EndOrElse): string {
  return n.type === "end" ? "{{end}}" : "{{else}}";
}

/** bytes.TrimSpace(text) == "" using unicode.IsSpace. */
function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13) || c === 0x85 || c === 0xa0) continue;
    if (c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029) continue;
    if (c === 0x202f || c === 0x205f || c === 0x3000) continue;
    return false;
  }
  return true;
}

/** Go's parse.IsEmptyTree. */
function isEmptyTree(n: Node): boolean {
  switch (n.type) {
    case "comment":
      return true;
    case "list":
      return n.nodes.every(isEmptyTree);
    case "text":
      return isBlank(n.text);
    default:
      return false;
  }
}

interface Shared {
  lex: Lexer;
  treeSet: Map<string, Tree>;
  funcs: ReadonlySet<string>;
  text: string;
  parseName: string;
}

/** One tree being parsed (Go's parse.Tree during parsing); define/block get their own. */
class TreeParser {
  name: string;
  root: ListNode | null = null;
  private readonly sh: Shared;
  private readonly token: [Item, Item, Item];
  private peekCount = 0;
  private vars: string[] = ["$"];
  private actionLine = 0;
  private rangeDepth = 0;

  constructor(name: string, sh: Shared) {
    this.name = name;
    this.sh = sh;
    const zero: Item = { typ: ItemType.Error, pos: 0, val: "", line: 0 };
    this.token = [zero, zero, zero];
  }

  // -- token stream --

  private next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.sh.lex.nextItem();
    return this.token[this.peekCount];
  }

  private backup(): void {
    this.peekCount++;
  }

  private backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }

  private backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }

  private peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1];
    this.peekCount = 1;
    this.token[0] = this.sh.lex.nextItem();
    return this.token[0];
  }

  private nextNonSpace(): Item {
    let token: Item;
    do token = this.next();
    while (token.typ === ItemType.Space);
    return token;
  }

  private peekNonSpace(): Item {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  // -- errors --

  errorf(msg: string): never {
    throw new TemplateError(`template: ${this.sh.parseName}:${this.token[0].line}: ${msg}`);
  }

  private expect(expected: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== expected) this.unexpected(token, context);
    return token;
  }

  private expectOneOf(e1: ItemType, e2: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== e1 && token.typ !== e2) this.unexpected(token, context);
    return token;
  }

  private unexpected(token: Item, context: string): never {
    if (token.typ === ItemType.Error) {
      let extra = "";
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.sh.parseName}:${this.actionLine}`;
        if (token.val.endsWith(" action")) extra = extra.slice(" in action".length);
      }
      this.errorf(`${itemString(token)}${extra}`);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  /** strconv-like helpers fail with SyntaxErr; Go reports it at the current line. */
  private rethrow(e: unknown): never {
    if (e instanceof SyntaxErr) this.errorf(e.message);
    throw e;
  }

  private unquote(s: string): string {
    try {
      return unquote(s);
    } catch (e) {
      this.rethrow(e);
    }
  }

  // -- trees --

  private newList(pos: Pos): ListNode {
    return { type: "list", pos, nodes: [] };
  }

  add(): void {
    const set = this.sh.treeSet;
    const existing = set.get(this.name);
    const root = this.root!;
    if (existing === undefined || isEmptyTree(existing.root)) {
      set.set(this.name, { name: this.name, parseName: this.sh.parseName, root, text: this.sh.text });
      return;
    }
    if (!isEmptyTree(root)) this.errorf(`template: multiple definition of template ${goQuote(this.name)}`);
  }

  /** Top level: itemList plus {{define}}, up to EOF. */
  parse(): void {
    this.root = this.newList(this.peek().pos);
    while (this.peek().typ !== ItemType.EOF) {
      if (this.peek().typ === ItemType.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === ItemType.Define) {
          const newT = new TreeParser("definition", this.sh);
          newT.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (isMarker(n)) this.errorf(`unexpected ${markerString(n)}`);
      this.root.nodes.push(n);
    }
  }

  private parseDefinition(): void {
    const context = "define clause";
    const name = this.expectOneOf(ItemType.String, ItemType.RawString, context);
    this.name = this.unquote(name.val);
    this.expect(ItemType.RightDelim, context);
    const [list, end] = this.itemList();
    this.root = list;
    if (end.type !== "end") this.errorf(`unexpected ${markerString(end as EndOrElse)} in ${context}`);
    this.add();
  }

  private itemList(): [ListNode, ListItem] {
    const list = this.newList(this.peekNonSpace().pos);
    while (this.peekNonSpace().typ !== ItemType.EOF) {
      const n = this.textOrAction();
      if (isMarker(n)) return [list, n];
      list.nodes.push(n);
    }
    this.errorf("unexpected EOF");
  }

  private textOrAction(): ListItem {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Text:
        return { type: "text", pos: token.pos, text: token.val };
      case ItemType.LeftDelim: {
        this.actionLine = token.line;
        const n = this.action();
        this.actionLine = 0;
        return n;
      }
      case ItemType.Comment:
        return { type: "comment", pos: token.pos, text: token.val };
      default:
        this.unexpected(token, "input");
    }
  }

  private action(): ListItem {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Block:
        return this.blockControl();
      case ItemType.Break:
        return this.breakControl(token.pos, token.line, "break");
      case ItemType.Continue:
        return this.breakControl(token.pos, token.line, "continue");
      case ItemType.Else:
        return this.elseControl();
      case ItemType.End:
        return this.endControl();
      case ItemType.If:
        return this.control("if");
      case ItemType.Range:
        return this.control("range");
      case ItemType.Template:
        return this.templateControl();
      case ItemType.With:
        return this.control("with");
    }
    this.backup();
    const first = this.peek();
    const node: ActionNode = {
      type: "action",
      pos: first.pos,
      line: first.line,
      pipe: this.pipeline("command", ItemType.RightDelim),
    };
    return node;
  }

  private breakControl(pos: Pos, line: number, kind: "break" | "continue"): Node {
    const token = this.nextNonSpace();
    if (token.typ !== ItemType.RightDelim) this.unexpected(token, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos, line };
  }

  private newVariable(pos: Pos, ident: string): VariableNode {
    return { type: "variable", pos, ident: ident.split(".") };
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = {
      type: "pipe",
      pos: first.pos,
      line: first.line,
      isAssign: false,
      decl: [],
      cmds: [],
    };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== ItemType.Variable) break;
      this.next();
      // "$x foo" vs "$x := foo": remember the token adjacent to the variable to push it back.
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === ItemType.Assign || next.typ === ItemType.Declare) {
        pipe.isAssign = next.typ === ItemType.Assign;
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
      } else if (next.typ === ItemType.Char && next.val === ",") {
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === "range" && pipe.decl.length < 2) {
          const t = this.peekNonSpace().typ;
          if (t === ItemType.Variable || t === ItemType.RightDelim || t === ItemType.RightParen) {
            continue decls;
          }
          this.errorf("range can only initialize variables");
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (tokenAfterVariable.typ === ItemType.Space) {
        this.backup3(v, tokenAfterVariable);
      } else {
        this.backup2(v);
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      if (token.typ === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (token.typ) {
        case ItemType.Bool:
        case ItemType.CharConstant:
        case ItemType.Complex:
        case ItemType.Dot:
        case ItemType.Field:
        case ItemType.Identifier:
        case ItemType.Number:
        case ItemType.Nil:
        case ItemType.RawString:
        case ItemType.String:
        case ItemType.Variable:
        case ItemType.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    for (let i = 1; i < pipe.cmds.length; i++) {
      switch (pipe.cmds[i]!.args[0]!.type) {
        case "bool":
        case "dot":
        case "nil":
        case "number":
        case "string":
          this.errorf(`non executable command in pipeline stage ${i + 1}`);
      }
    }
  }

  private control(context: "if" | "range" | "with"): Node {
    const nvars = this.vars.length;
    const pipe = this.pipeline(context, ItemType.RightDelim);
    if (context === "range") this.rangeDepth++;
    const [list, next0] = this.itemList();
    let next = next0;
    if (context === "range") this.rangeDepth--;
    let elseList: ListNode | null = null;
    if (next.type === "else") {
      // "{{else if b}}" is parsed as "{{else}}{{if b}}...{{end}}" sharing one {{end}}.
      if (context === "if" && this.peek().typ === ItemType.If) {
        this.next();
        elseList = this.newList(next.pos);
        elseList.nodes.push(this.control("if"));
      } else {
        [elseList, next] = this.itemList();
        if (next.type !== "end") this.errorf(`expected end; found ${listItemString(next)}`);
      }
    }
    this.vars.length = nvars;
    return { type: context, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
  }

  private endControl(): EndOrElse {
    const t = this.expect(ItemType.RightDelim, "end");
    return { type: "end", pos: t.pos, line: t.line };
  }

  private elseControl(): EndOrElse {
    const peek = this.peekNonSpace();
    if (peek.typ === ItemType.If) return { type: "else", pos: peek.pos, line: peek.line };
    const token = this.expect(ItemType.RightDelim, "else");
    return { type: "else", pos: token.pos, line: token.line };
  }

  private blockControl(): Node {
    const context = "block clause";
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, ItemType.RightDelim);
    const block = new TreeParser(name, this.sh);
    const [list, end] = block.itemList();
    block.root = list;
    if (end.type !== "end") this.errorf(`unexpected ${markerString(end as EndOrElse)} in ${context}`);
    block.add();
    const node: TemplateNode = { type: "template", pos: token.pos, line: token.line, name, pipe };
    return node;
  }

  private templateControl(): Node {
    const context = "template clause";
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== ItemType.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, ItemType.RightDelim);
    }
    const node: TemplateNode = { type: "template", pos: token.pos, line: token.line, name, pipe };
    return node;
  }

  private parseTemplateName(token: Item, context: string): string {
    if (token.typ === ItemType.String || token.typ === ItemType.RawString) {
      return this.unquote(token.val);
    }
    this.unexpected(token, context);
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: "command", pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const token = this.next();
      if (token.typ === ItemType.Space) continue;
      if (token.typ === ItemType.RightDelim || token.typ === ItemType.RightParen) this.backup();
      else if (token.typ !== ItemType.Pipe) this.unexpected(token, "operand");
      break;
    }
    if (cmd.args.length === 0) this.errorf("empty command");
    return cmd;
  }

  private operand(): Node | null {
    const node = this.term();
    if (node === null) return null;
    if (this.peek().typ !== ItemType.Field) return node;
    const pos = this.peek().pos;
    if (node.type === "field" || node.type === "variable") {
      // Go builds a chain and re-parses its String(); appending to the fresh ident array is the same.
      while (this.peek().typ === ItemType.Field) node.ident.push(this.next().val.slice(1));
      node.pos = pos;
      return node;
    }
    const chain: ChainNode = { type: "chain", pos, node, field: [] };
    while (this.peek().typ === ItemType.Field) chain.field.push(this.next().val.slice(1));
    switch (node.type) {
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
    }
    return chain;
  }

  private term(): Node | null {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Identifier:
        if (!this.sh.funcs.has(token.val)) this.errorf(`function ${goQuote(token.val)} not defined`);
        return { type: "identifier", pos: token.pos, ident: token.val };
      case ItemType.Dot:
        return { type: "dot", pos: token.pos };
      case ItemType.Nil:
        return { type: "nil", pos: token.pos };
      case ItemType.Variable:
        return this.useVar(token.pos, token.val);
      case ItemType.Field:
        return { type: "field", pos: token.pos, ident: token.val.slice(1).split(".") };
      case ItemType.Bool:
        return { type: "bool", pos: token.pos, value: token.val === "true" };
      case ItemType.CharConstant:
      case ItemType.Complex:
      case ItemType.Number:
        try {
          return newNumber(token.pos, token.val, token.typ);
        } catch (e) {
          this.rethrow(e);
        }
      case ItemType.LeftParen:
        return this.pipeline("parenthesized pipeline", ItemType.RightParen);
      case ItemType.String:
      case ItemType.RawString: {
        const text = this.unquote(token.val);
        return { type: "string", pos: token.pos, quoted: token.val, text };
      }
    }
    this.backup();
    return null;
  }

  private useVar(pos: Pos, name: string): Node {
    const v = this.newVariable(pos, name);
    if (!this.vars.includes(v.ident[0]!)) this.errorf(`undefined variable ${goQuote(v.ident[0]!)}`);
    return v;
  }
}

function listItemString(n: ListItem): string {
  return n.type === "end" || n.type === "else" ? markerString(n as EndOrElse) : nodeString(n as Node);
}

/** Go's template.New(name).Funcs(..).Parse(text): every tree by name (the top-level one under `name`, plus each define/block), with Go's rules for empty trees and redefinition. Throws TemplateError whose message is byte-for-byte Go's. */
export function parse(name: string, text: string, opts: ParseOptions): Map<string, Tree> {
  const treeSet = new Map<string, Tree>();
  const sh: Shared = {
    lex: new Lexer(text, opts.leftDelim ?? "", opts.rightDelim ?? "", false),
    treeSet,
    funcs: opts.funcs,
    text,
    parseName: name,
  };
  const t = new TreeParser(name, sh);
  t.parse();
  t.add();
  return treeSet;
}

/** Go's Tree.ErrorContext(node): "name:line:col" (col as Go computes it, in bytes) and the node's String(). */
export function errorContext(tree: Tree, node: Node): { location: string; context: string } {
  const bytes = Buffer.from(tree.text, "utf8");
  const pos = Math.min(node.pos, bytes.length);
  const before = bytes.subarray(0, pos);
  const lastNL = before.lastIndexOf(10);
  const col = lastNL === -1 ? pos : pos - (lastNL + 1);
  let lines = 1;
  for (let i = before.indexOf(10); i >= 0; i = before.indexOf(10, i + 1)) lines++;
  return { location: `${tree.parseName}:${lines}:${col}`, context: nodeString(node) };
}
