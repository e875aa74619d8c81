// The printing half of Go 1.19's fmt (pp.printArg/printValue and fmt/format.go) over hecd's
// Go value model (see value.ts). fmt.ts drives it with the format-string parser.
import { formatFloat, formatFloatV, type FloatFormat } from "./fmt-float.js";
import { isPrint } from "./fmt-isprint.js";
import { compareGoStrings } from "./sort.js";
import {
  canBackquote,
  quote,
  quoteRune,
  RUNE_ERROR,
  runeCount,
  truncateRunes,
  utf8Bytes,
} from "./fmt-quote.js";
import {
  GO_NIL,
  GO_TYPE,
  GoNumber,
  GoStruct,
  goTypeName,
  type GoFuncValue,
  type GoMap,
  type GoSlice,
  type GoValue,
} from "./value.js";

const MAX_RUNE = 0x10ffffn;
const UINT64 = 1n << 64n;

type IntKind = "signed" | "unsigned";

/** How a GoNumber of the given type is printed. */
export function numberKind(goType: string, value: bigint | number): IntKind | 32 | 64 {
  switch (goType) {
    case "float32":
      return 32;
    case "float64":
      return 64;
    case "uint":
    case "uint8":
    case "byte":
    case "uint16":
    case "uint32":
    case "uint64":
    case "uintptr":
      return "unsigned";
    case "int":
    case "int8":
    case "int16":
    case "int32":
    case "rune":
    case "int64":
      return "signed";
  }
  return typeof value === "number" ? 64 : "signed";
}

function isByteSliceType(t: string): boolean {
  return t === "[]uint8" || t === "[]byte";
}

function byteOf(v: GoValue): number {
  if (typeof v === "bigint") return Number(BigInt.asUintN(8, v));
  if (v instanceof GoNumber)
    return typeof v.value === "bigint" ? Number(BigInt.asUintN(8, v.value)) : v.value & 0xff;
  if (typeof v === "number") return v & 0xff;
  return 0;
}

// Stable stand-ins for Go addresses of maps, slices, pointers and funcs (Go prints real addresses).
const addresses = new WeakMap<object, bigint>();
let nextAddress = 0xc000010000n;
function addressOf(v: object): bigint {
  let a = addresses.get(v);
  if (a === undefined) {
    a = nextAddress;
    nextAddress += 0x30n;
    addresses.set(v, a);
  }
  return a;
}

function isFunc(v: GoValue): v is GoFuncValue {
  return typeof v === "object" && v !== null && (v as GoFuncValue).kind === "func";
}

export class Printer {
  buf = "";
  // fmt flags
  plus = false;
  minus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  wid = 0;
  widPresent = false;
  prec = 0;
  precPresent = false;
  // doPrintf state
  reordered = false;
  goodArgNum = true;
  /** Set while printing a bad verb's operand, when String/Error methods are not consulted. */
  erroring = false;

  clearFlags(): void {
    this.plus = this.minus = this.sharp = this.space = this.zero = false;
    this.plusV = this.sharpV = false;
    this.wid = this.prec = 0;
    this.widPresent = this.precPresent = false;
  }

  writePadding(n: number): void {
    if (n <= 0) return;
    this.buf += (this.zero ? "0" : " ").repeat(n);
  }

  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }

  // ---- integers ----

  fmtInteger(v: bigint, isSigned: boolean, base: number, verb: string, upper: boolean): void {
    const negative = isSigned && v < 0n;
    const u = negative ? -v : v;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    let s = u.toString(base);
    if (upper) s = s.toUpperCase();
    if (s.length < prec) s = "0".repeat(prec - s.length) + s;
    if (this.sharp) {
      if (base === 2) s = "0b" + s;
      else if (base === 8) {
        if (s.charCodeAt(0) !== 48) s = "0" + s;
      } else if (base === 16) s = (upper ? "0X" : "0x") + s;
    }
    if (verb === "O") s = "0o" + s;
    if (negative) s = "-" + s;
    else if (this.plus) s = "+" + s;
    else if (this.space) s = " " + s;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  fmt0x64(u: bigint, leading0x: boolean): void {
    const sharp = this.sharp;
    this.sharp = leading0x;
    this.fmtInteger(u, false, 16, "v", false);
    this.sharp = sharp;
  }

  fmtC(u: bigint): void {
    let r = u > MAX_RUNE ? RUNE_ERROR : Number(u);
    if (r >= 0xd800 && r <= 0xdfff) r = RUNE_ERROR;
    this.pad(String.fromCodePoint(r));
  }

  fmtQc(u: bigint): void {
    const r = u > MAX_RUNE ? RUNE_ERROR : Number(u);
    this.pad(quoteRune(r, this.plus));
  }

  fmtUnicode(u: bigint): void {
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    let s = u.toString(16).toUpperCase();
    if (s.length < prec) s = "0".repeat(prec - s.length) + s;
    s = "U+" + s;
    if (this.sharp && u <= MAX_RUNE && isPrint(Number(u))) s += " '" + String.fromCodePoint(Number(u)) + "'";
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  /** pp.fmtInteger: v is the Go value (negative only when signed). */
  printInteger(v: bigint, isSigned: boolean, verb: string, arg: GoValue): void {
    switch (verb) {
      case "v":
        if (this.sharpV && !isSigned) this.fmt0x64(v, true);
        else this.fmtInteger(v, isSigned, 10, verb, false);
        return;
      case "d":
        this.fmtInteger(v, isSigned, 10, verb, false);
        return;
      case "b":
        this.fmtInteger(v, isSigned, 2, verb, false);
        return;
      case "o":
      case "O":
        this.fmtInteger(v, isSigned, 8, verb, false);
        return;
      case "x":
        this.fmtInteger(v, isSigned, 16, verb, false);
        return;
      case "X":
        this.fmtInteger(v, isSigned, 16, verb, true);
        return;
      case "c":
        this.fmtC(v < 0n ? v + UINT64 : v);
        return;
      case "q":
        this.fmtQc(v < 0n ? v + UINT64 : v);
        return;
      case "U":
        this.fmtUnicode(v < 0n ? v + UINT64 : v);
        return;
      default:
        this.badVerb(verb, arg);
    }
  }

  // ---- floats ----

  fmtFloatPrec(v: number, size: 32 | 64, verb: FloatFormat | "v", prec: number): void {
    if (this.precPresent) prec = this.prec;
    let num = formatFloat(v, verb === "v" ? "g" : verb, prec, size);
    if (num.charCodeAt(0) === 45 || num.charCodeAt(0) === 43) {
      // already signed
    } else num = "+" + num;
    if (this.space && num[0] === "+" && !this.plus) num = " " + num.slice(1);
    if (num[1] === "I" || num[1] === "N") {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === "N" && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== "b") {
      let digits = 0;
      if (verb === "v" || verb === "g" || verb === "G" || verb === "x") {
        digits = prec;
        if (digits === -1) digits = 6;
      }
      let tail = "";
      let hasDecimalPoint = false;
      let sawNonzeroDigit = false;
      let body = num;
      for (let i = 1; i < body.length; i++) {
        const c = body[i]!;
        if (c === ".") {
          hasDecimalPoint = true;
          continue;
        }
        if (c === "p" || c === "P" || ((c === "e" || c === "E") && verb !== "x" && verb !== "X")) {
          tail = body.slice(i);
          body = body.slice(0, i);
          break;
        }
        if (c !== "0") sawNonzeroDigit = true;
        if (sawNonzeroDigit) digits--;
      }
      if (!hasDecimalPoint) {
        if (body.length === 2 && body[1] === "0") digits--;
        body += ".";
      }
      if (digits > 0) body += "0".repeat(digits);
      num = body + tail;
    }
    if (this.plus || num[0] !== "+") {
      if (this.zero && this.widPresent && this.wid > num.length) {
        this.buf += num[0];
        this.writePadding(this.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  printFloat(v: number, size: 32 | 64, verb: string, arg: GoValue): void {
    switch (verb) {
      case "v":
        if (
          size === 64 &&
          !this.widPresent &&
          !this.precPresent &&
          !this.plus &&
          !this.space &&
          !this.sharp
        ) {
          this.buf += formatFloatV(v);
          return;
        }
        this.fmtFloatPrec(v, size, "g", -1);
        return;
      case "b":
      case "g":
      case "G":
      case "x":
      case "X":
        this.fmtFloatPrec(v, size, verb, -1);
        return;
      case "f":
      case "e":
      case "E":
        this.fmtFloatPrec(v, size, verb, 6);
        return;
      case "F":
        this.fmtFloatPrec(v, size, "f", 6);
        return;
      default:
        this.badVerb(verb, arg);
    }
  }

  /** pp.fmtComplex: (real+imag i), the imaginary part always signed. */
  printComplex(re: number, im: number, size: 32 | 64, verb: string, arg: GoValue): void {
    switch (verb) {
      case "v":
      case "b":
      case "g":
      case "G":
      case "x":
      case "X":
      case "f":
      case "F":
      case "e":
      case "E": {
        const oldPlus = this.plus;
        this.buf += "(";
        this.printFloat(re, size, verb, arg);
        this.plus = true;
        this.printFloat(im, size, verb, arg);
        this.buf += "i)";
        this.plus = oldPlus;
        return;
      }
      default:
        this.badVerb(verb, arg);
    }
  }

  // ---- strings and bytes ----

  fmtS(s: string): void {
    if (this.precPresent) s = truncateRunes(s, this.prec);
    this.pad(s);
  }

  fmtQ(s: string): void {
    if (this.precPresent) s = truncateRunes(s, this.prec);
    if (this.sharp && canBackquote(s)) {
      this.pad("`" + s + "`");
      return;
    }
    this.pad(quote(s, this.plus));
  }

  fmtSbx(b: Uint8Array, upper: boolean): void {
    const digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    let length = b.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) width += 2;
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    const x = upper ? "X" : "x";
    let s = this.sharp ? "0" + x : "";
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        s += " ";
        if (this.sharp) s += "0" + x;
      }
      const c = b[i]!;
      s += digits[c >> 4]! + digits[c & 15]!;
    }
    this.buf += s;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  printString(s: string, verb: string, arg: GoValue): void {
    switch (verb) {
      case "v":
        if (this.sharpV) this.fmtQ(s);
        else this.fmtS(s);
        return;
      case "s":
        this.fmtS(s);
        return;
      case "x":
        this.fmtSbx(utf8Bytes(s), false);
        return;
      case "X":
        this.fmtSbx(utf8Bytes(s), true);
        return;
      case "q":
        this.fmtQ(s);
        return;
      default:
        this.badVerb(verb, arg);
    }
  }

  /** pp.fmtBytes for a []byte operand (typeString as Go's reflect names it). */
  printBytes(slice: GoSlice, verb: string, typeString: string): void {
    const bytes = Uint8Array.from(slice, byteOf);
    switch (verb) {
      case "v":
      case "d":
        if (this.sharpV) {
          this.buf += typeString;
          if (slice[GO_NIL]) {
            this.buf += "(nil)";
            return;
          }
          this.buf += "{";
          bytes.forEach((c, i) => {
            if (i > 0) this.buf += ", ";
            this.fmt0x64(BigInt(c), true);
          });
          this.buf += "}";
        } else {
          this.buf += "[";
          bytes.forEach((c, i) => {
            if (i > 0) this.buf += " ";
            this.fmtInteger(BigInt(c), false, 10, verb, false);
          });
          this.buf += "]";
        }
        return;
      case "s":
        this.fmtS(new TextDecoder().decode(bytes));
        return;
      case "x":
        this.fmtSbx(bytes, false);
        return;
      case "X":
        this.fmtSbx(bytes, true);
        return;
      case "q":
        this.fmtQ(new TextDecoder().decode(bytes));
        return;
      default:
        this.printSliceElems(slice, verb, 0);
    }
  }

  // ---- bad verbs, pointers ----

  badVerb(verb: string, value: GoValue): void {
    this.erroring = true;
    this.buf += "%!" + verb + "(";
    if (value === null || value === undefined) this.buf += "<nil>";
    else {
      this.buf += goTypeName(value) + "=";
      this.printArg(value, "v");
    }
    this.buf += ")";
    this.erroring = false;
  }

  /** pp.handleMethods: a struct with an Error or String method prints its result for string verbs. */
  handleMethods(v: GoStruct, verb: string): boolean {
    if (this.erroring || this.sharpV) return false;
    if (verb !== "v" && verb !== "s" && verb !== "x" && verb !== "X" && verb !== "q") return false;
    const m = v.method("Error") ?? v.method("String");
    if (m === undefined || m.fn.params.length !== 0 || m.fn.variadic !== undefined) return false;
    const r = m.fn.call();
    if (typeof r !== "string") return false;
    this.printString(r, verb, r);
    return true;
  }

  fmtPointer(value: GoValue, verb: string): void {
    let u: bigint;
    if (isFunc(value)) u = addressOf(value);
    else if (Array.isArray(value) || value instanceof Map)
      u = (value as GoSlice)[GO_NIL] ? 0n : addressOf(value);
    else if (value instanceof GoStruct && value.pointer) u = addressOf(value);
    else {
      this.badVerb(verb, value);
      return;
    }
    switch (verb) {
      case "v":
        if (this.sharpV) {
          this.buf += "(" + goTypeName(value) + ")(";
          if (u === 0n) this.buf += "nil";
          else this.fmt0x64(u, true);
          this.buf += ")";
        } else if (u === 0n) this.pad("<nil>");
        else this.fmt0x64(u, !this.sharp);
        return;
      case "p":
        this.fmt0x64(u, !this.sharp);
        return;
      case "b":
      case "o":
      case "d":
      case "x":
      case "X":
        this.printInteger(u, false, verb, value);
        return;
      default:
        this.badVerb(verb, value);
    }
  }

  // ---- the dispatch ----

  printArg(arg: GoValue, verb: string): void {
    switch (typeof arg) {
      case "string":
        if (verb === "s" || (verb === "v" && !this.sharpV)) {
          if (!this.widPresent && !this.precPresent) this.buf += arg;
          else this.fmtS(arg);
          return;
        }
        if (verb === "T" || verb === "p") break;
        this.printString(arg, verb, arg);
        return;
      case "bigint":
        if (
          (verb === "d" || verb === "v") &&
          !this.widPresent &&
          !this.precPresent &&
          !this.plus &&
          !this.space
        ) {
          this.buf += arg.toString();
          return;
        }
        if (verb === "T" || verb === "p") break;
        this.printInteger(arg, true, verb, arg);
        return;
      case "number":
        if (verb === "T" || verb === "p") break;
        this.printFloat(arg, 64, verb, arg);
        return;
      case "boolean":
        if (verb === "T" || verb === "p") break;
        if (verb === "t" || verb === "v") this.pad(arg ? "true" : "false");
        else this.badVerb(verb, arg);
        return;
    }
    if (arg === null || arg === undefined) {
      if (verb === "T" || verb === "v") this.pad("<nil>");
      else this.badVerb(verb, null);
      return;
    }
    if (verb === "T") {
      this.fmtS(goTypeName(arg));
      return;
    }
    if (verb === "p") {
      this.fmtPointer(arg, "p");
      return;
    }
    if (verb === "w") {
      // handleMethods: %w outside Errorf is a bad verb for the whole operand
      this.badVerb(verb, arg);
      return;
    }
    if (Array.isArray(arg) && (arg as GoSlice)[GO_TYPE] === "[]uint8") {
      this.printBytes(arg, verb, "[]byte");
      return;
    }
    if (arg instanceof GoStruct && this.handleMethods(arg, verb)) return;
    this.printValue(arg, verb, 0);
  }

  printValue(v: GoValue, verb: string, depth: number): void {
    switch (typeof v) {
      case "string":
        this.printString(v, verb, v);
        return;
      case "bigint":
        this.printInteger(v, true, verb, v);
        return;
      case "number":
        this.printFloat(v, 64, verb, v);
        return;
      case "boolean":
        if (verb === "t" || verb === "v") this.pad(v ? "true" : "false");
        else this.badVerb(verb, v);
        return;
    }
    if (v === null || v === undefined) {
      // a nil interface held by a slice, map or struct field
      this.buf += this.sharpV ? "interface {}(nil)" : "<nil>";
      return;
    }
    if (v instanceof GoNumber) {
      if (v.goType === "complex128" || v.goType === "complex64") {
        this.printComplex(
          Number(v.value),
          (v as GoNumber & { imag?: number }).imag ?? 0,
          v.goType === "complex64" ? 32 : 64,
          verb,
          v,
        );
        return;
      }
      const kind = numberKind(v.goType, v.value);
      if (kind === 32 || kind === 64) this.printFloat(Number(v.value), kind, verb, v);
      else {
        const n =
          typeof v.value === "bigint" ? v.value : Number.isFinite(v.value) ? BigInt(Math.trunc(v.value)) : 0n;
        this.printInteger(n, kind === "signed", verb, v);
      }
      return;
    }
    if (Array.isArray(v)) {
      this.printSlice(v, verb, depth);
      return;
    }
    if (v instanceof Map) {
      this.printMap(v, verb, depth);
      return;
    }
    if (v instanceof GoStruct) {
      if (depth > 0 && this.handleMethods(v, verb)) return;
      if (v.pointer) {
        if (depth === 0) {
          this.buf += "&";
          this.printStruct(v, verb, depth + 1);
        } else this.fmtPointer(v, verb);
        return;
      }
      this.printStruct(v, verb, depth);
      return;
    }
    this.fmtPointer(v, verb);
  }

  printSlice(v: GoSlice, verb: string, depth: number): void {
    const t = v[GO_TYPE] ?? "[]interface {}";
    if ((verb === "s" || verb === "q" || verb === "x" || verb === "X") && isByteSliceType(t)) {
      this.printBytes(v, verb, t);
      return;
    }
    this.printSliceElems(v, verb, depth);
  }

  printSliceElems(v: GoSlice, verb: string, depth: number): void {
    if (this.sharpV) {
      this.buf += v[GO_TYPE] ?? "[]interface {}";
      if (v[GO_NIL]) {
        this.buf += "(nil)";
        return;
      }
      this.buf += "{";
      for (let i = 0; i < v.length; i++) {
        if (i > 0) this.buf += ", ";
        this.printValue(v[i], verb, depth + 1);
      }
      this.buf += "}";
      return;
    }
    this.buf += "[";
    for (let i = 0; i < v.length; i++) {
      if (i > 0) this.buf += " ";
      this.printValue(v[i], verb, depth + 1);
    }
    this.buf += "]";
  }

  printMap(m: GoMap, verb: string, depth: number): void {
    if (this.sharpV) {
      this.buf += m[GO_TYPE] ?? "map[string]interface {}";
      if (m[GO_NIL]) {
        this.buf += "(nil)";
        return;
      }
      this.buf += "{";
    } else this.buf += "map[";
    const keys = [...m.keys()].sort(compareGoStrings);
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) this.buf += this.sharpV ? ", " : " ";
      const k = keys[i]!;
      this.printValue(k, verb, depth + 1);
      this.buf += ":";
      this.printValue(m.get(k), verb, depth + 1);
    }
    this.buf += this.sharpV ? "}" : "]";
  }

  printStruct(s: GoStruct, verb: string, depth: number): void {
    if (this.sharpV) this.buf += s.goType;
    this.buf += "{";
    const names = s.fieldNames;
    for (let i = 0; i < names.length; i++) {
      if (i > 0) this.buf += this.sharpV ? ", " : " ";
      if (this.plusV || this.sharpV) this.buf += names[i] + ":";
      this.printValue(s.field(names[i]!), verb, depth + 1);
    }
    this.buf += "}";
  }
}
