// Go's fmt.Sprintf / Sprint / Sprintln (Go 1.19's fmt/print.go doPrintf, doPrint, doPrintln).
import { formatFloatV } from "./fmt-float.js";
import { Printer, numberKind } from "./fmt-printer.js";
import { GoNumber, goTypeName, type GoValue } from "./value.js";

const TOO_LARGE = 1e6;

/** Go's parsenum: [num, isnum, newi]. */
function parseNum(s: string, start: number, end: number): [number, boolean, number] {
  if (start >= end) return [0, false, end];
  let num = 0;
  let isnum = false;
  let i = start;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    if (num > TOO_LARGE || num < -TOO_LARGE) return [0, false, end];
    num = num * 10 + (c - 48);
    isnum = true;
  }
  return [num, isnum, i];
}

/** Go's intFromArg: [num, isInt, newArgNum]. */
function intFromArg(a: readonly GoValue[], argNum: number): [number, boolean, number] {
  if (argNum >= a.length) return [0, false, argNum];
  const v = a[argNum];
  let num = 0;
  let isInt = false;
  let n: bigint | undefined;
  if (typeof v === "bigint") n = v;
  else if (v instanceof GoNumber && typeof v.value === "bigint") {
    n = v.value;
    if (numberKind(v.goType, v.value) === "unsigned" && n >= 1n << 63n) n = undefined;
  }
  if (n !== undefined && n >= -(1n << 63n) && n < 1n << 63n) {
    isInt = true;
    if (n > BigInt(TOO_LARGE) || n < -BigInt(TOO_LARGE)) num = TOO_LARGE + 1;
    else num = Number(n);
  }
  if (num > TOO_LARGE || num < -TOO_LARGE) {
    num = 0;
    isInt = false;
  }
  return [num, isInt, argNum + 1];
}

/** Go's parseArgNumber on format[i:]: [index, width, ok]. */
function parseArgNumber(format: string, i: number): [number, number, boolean] {
  if (format.length - i < 3) return [0, 1, false];
  for (let j = i + 1; j < format.length; j++) {
    if (format.charCodeAt(j) === 93) {
      const [width, ok, newi] = parseNum(format, i + 1, j);
      if (!ok || newi !== j) return [0, j - i + 1, false];
      return [width - 1, j - i + 1, true];
    }
  }
  return [0, 1, false];
}

function argNumber(
  p: Printer,
  argNum: number,
  format: string,
  i: number,
  numArgs: number,
): [number, number, boolean] {
  if (format.length <= i || format.charCodeAt(i) !== 91) return [argNum, i, false];
  p.reordered = true;
  const [index, wid, ok] = parseArgNumber(format, i);
  if (ok && index >= 0 && index < numArgs) return [index, i + wid, true];
  p.goodArgNum = false;
  return [argNum, i + wid, ok];
}

/**
 * The common case without flags, width or precision: only %s of strings, %d of ints and
 * %v of strings, ints, floats and bools, with exactly as many operands as verbs. Undefined when anything else appears.
 */
function simpleSprintf(format: string, args: readonly GoValue[]): string | undefined {
  let out = "";
  let last = 0;
  let argNum = 0;
  for (let i = format.indexOf("%"); i >= 0; i = format.indexOf("%", last)) {
    if (argNum >= args.length) return undefined;
    const a = args[argNum];
    const c = format.charCodeAt(i + 1);
    let piece: string;
    if (c === 115 /* s */) {
      if (typeof a !== "string") return undefined;
      piece = a;
    } else if (c === 100 /* d */) {
      if (typeof a !== "bigint") return undefined;
      piece = a.toString();
    } else if (c === 118 /* v */) {
      if (typeof a === "string") piece = a;
      else if (typeof a === "bigint") piece = a.toString();
      else if (typeof a === "number") piece = formatFloatV(a);
      else if (typeof a === "boolean") piece = a ? "true" : "false";
      else return undefined;
    } else return undefined;
    out += format.slice(last, i) + piece;
    last = i + 2;
    argNum++;
  }
  if (argNum !== args.length) return undefined;
  return last === 0 ? format : out + format.slice(last);
}

/** Go's fmt.Sprintf. */
export function sprintf(format: string, args: readonly GoValue[]): string {
  const simple = simpleSprintf(format, args);
  if (simple !== undefined) return simple;
  const p = new Printer();
  const end = format.length;
  let argNum = 0;
  let i = 0;
  formatLoop: while (i < end) {
    p.goodArgNum = true;
    const lasti = i;
    const pct = format.indexOf("%", i);
    i = pct < 0 ? end : pct;
    if (i > lasti) p.buf += format.slice(lasti, i);
    if (i >= end) break;
    i++;
    p.clearFlags();
    simpleFormat: for (; i < end; i++) {
      const c = format.charCodeAt(i);
      switch (c) {
        case 35: // #
          p.sharp = true;
          break;
        case 48: // 0
          p.zero = !p.minus;
          break;
        case 43: // +
          p.plus = true;
          break;
        case 45: // -
          p.minus = true;
          p.zero = false;
          break;
        case 32: // space
          p.space = true;
          break;
        default:
          if (c >= 97 && c <= 122 && argNum < args.length) {
            if (c === 118) {
              p.sharpV = p.sharp;
              p.sharp = false;
              p.plusV = p.plus;
              p.plus = false;
            }
            p.printArg(args[argNum], format[i]!);
            argNum++;
            i++;
            continue formatLoop;
          }
          break simpleFormat;
      }
    }

    let afterIndex: boolean;
    [argNum, i, afterIndex] = argNumber(p, argNum, format, i, args.length);

    if (i < end && format.charCodeAt(i) === 42) {
      i++;
      [p.wid, p.widPresent, argNum] = intFromArg(args, argNum);
      if (!p.widPresent) p.buf += "%!(BADWIDTH)";
      if (p.wid < 0) {
        p.wid = -p.wid;
        p.minus = true;
        p.zero = false;
      }
      afterIndex = false;
    } else {
      [p.wid, p.widPresent, i] = parseNum(format, i, end);
      if (afterIndex && p.widPresent) p.goodArgNum = false;
    }

    if (i + 1 < end && format.charCodeAt(i) === 46) {
      i++;
      if (afterIndex) p.goodArgNum = false;
      [argNum, i, afterIndex] = argNumber(p, argNum, format, i, args.length);
      if (i < end && format.charCodeAt(i) === 42) {
        i++;
        [p.prec, p.precPresent, argNum] = intFromArg(args, argNum);
        if (p.prec < 0) {
          p.prec = 0;
          p.precPresent = false;
        }
        if (!p.precPresent) p.buf += "%!(BADPREC)";
        afterIndex = false;
      } else {
        [p.prec, p.precPresent, i] = parseNum(format, i, end);
        if (!p.precPresent) {
          p.prec = 0;
          p.precPresent = true;
        }
      }
    }

    if (!afterIndex) [argNum, i] = argNumber(p, argNum, format, i, args.length);

    if (i >= end) {
      p.buf += "%!(NOVERB)";
      break;
    }

    const cp = format.codePointAt(i)!;
    const verb = cp >= 0xd800 && cp <= 0xdfff ? "\ufffd" : String.fromCodePoint(cp);
    i += cp > 0xffff ? 2 : 1;

    if (verb === "%") p.buf += "%";
    else if (!p.goodArgNum) p.buf += "%!" + verb + "(BADINDEX)";
    else if (argNum >= args.length) p.buf += "%!" + verb + "(MISSING)";
    else {
      if (verb === "v") {
        p.sharpV = p.sharp;
        p.sharp = false;
        p.plusV = p.plus;
        p.plus = false;
      }
      p.printArg(args[argNum], verb);
      argNum++;
    }
  }

  if (!p.reordered && argNum < args.length) {
    p.clearFlags();
    p.buf += "%!(EXTRA ";
    for (let k = argNum; k < args.length; k++) {
      if (k > argNum) p.buf += ", ";
      const arg = args[k];
      if (arg === null || arg === undefined) p.buf += "<nil>";
      else {
        p.buf += goTypeName(arg) + "=";
        p.printArg(arg, "v");
      }
    }
    p.buf += ")";
  }
  return p.buf;
}

/** Go's fmt.Sprint: operands in %v, a space between two operands when neither is a string. */
export function sprint(args: readonly GoValue[]): string {
  if (args.length === 1) {
    const a = args[0];
    switch (typeof a) {
      case "string":
        return a;
      case "bigint":
        return a.toString();
      case "number":
        return formatFloatV(a);
      case "boolean":
        return a ? "true" : "false";
    }
  }
  const p = new Printer();
  let prevString = false;
  for (let k = 0; k < args.length; k++) {
    const arg = args[k];
    const isString = typeof arg === "string"; // reflect.Kind String
    if (k > 0 && !isString && !prevString) p.buf += " ";
    p.printArg(arg, "v");
    prevString = isString;
  }
  return p.buf;
}

/** Go's fmt.Sprintln: operands in %v separated by spaces, then a newline. */
export function sprintln(args: readonly GoValue[]): string {
  const p = new Printer();
  for (let k = 0; k < args.length; k++) {
    if (k > 0) p.buf += " ";
    p.printArg(args[k], "v");
  }
  return p.buf + "\n";
}
