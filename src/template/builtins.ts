// text/template's predefined functions (Go 1.19 funcs.go) over hecd's value
// model. Parameters typed reflect.Value receive values untouched: `undefined`
// is Go's invalid Value, `null` a nil interface. `and`/`or` are evaluated
// lazily by exec; their entries here only carry the signature.

import {
  GoComplex,
  isNilValue,
  assignable,
  basicKind,
  capOf,
  GO_CAP,
  canBeNil,
  convertInt,
  elemTypeOf,
  intLike,
  numericValue,
  zeroValue,
  type BasicKind,
} from "./convert.js";
import { htmlEscaper, jsEscaper, urlQueryEscaper } from "./escape.js";
import { compareGoStrings } from "../go/sort.js";
import { backingOf, ensureSpare, GO_BACKING, sliceView, type Backing } from "./slice-view.js";
import { sprint, sprintf, sprintln } from "../go/fmt.js";
import {
  GoError,
  GoNumber,
  GoStruct,
  GO_NIL,
  GO_TYPE,
  goTypeName,
  nilSlice,
  tagSlice,
  type GoFunc,
  type GoFuncValue,
  type GoSlice,
  type GoValue,
} from "../go/value.js";

/** A reflect.Value argument that sits in an interface{} slot (only `slice` needs to know). */
export class IfaceArg {
  constructor(readonly v: GoValue) {}
}

const RV = "reflect.Value";
const ANY = "interface {}";

/** A builtin: exec hands it the evaluated arguments as one array (no spread, no rest parameters). */
export interface BuiltinFunc extends GoFunc {
  callv: (args: GoValue[]) => GoValue;
}

function fn(
  name: string,
  params: string[],
  variadic: string | undefined,
  results: "value" | "value,error",
  callv: (args: GoValue[]) => GoValue,
): BuiltinFunc {
  const call = (...args: GoValue[]): GoValue => callv(args);
  return variadic === undefined
    ? { name, params, results, call, callv }
    : { name, params, variadic, results, call, callv };
}

// ---------------------------------------------------------------------------
// Helpers shared with exec.

/** indirectInterface: a nil interface becomes the invalid value. */
function ii(v: GoValue): GoValue {
  return v === null ? undefined : v;
}

/** isTrue from exec.go; `ok` is always true for the kinds hecd models. */
export function isTrue(v: GoValue): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case "boolean":
      return v;
    case "string":
      return v.length > 0;
    case "bigint":
      return v !== 0n;
    case "number":
      return v !== 0;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (v instanceof GoComplex) return v.real !== 0 || v.imag !== 0;
  if (v instanceof GoNumber) return v.value !== 0 && v.value !== 0n;
  return true;
}

export function truth(v: GoValue): boolean {
  return isTrue(ii(v));
}

const ASCII = /^[\x00-\x7f]*$/;

/** Length in bytes of the UTF-8 encoding, as Go's len(string). */
export function byteLength(s: string): number {
  return ASCII.test(s) ? s.length : Buffer.byteLength(s, "utf8");
}

function byteAt(s: string, i: number): number {
  return ASCII.test(s) ? s.charCodeAt(i) : Buffer.from(s, "utf8")[i]!;
}

function byteSlice(s: string, i: number, j: number): string {
  return ASCII.test(s) ? s.slice(i, j) : Buffer.from(s, "utf8").subarray(i, j).toString("utf8");
}

function typeOf(v: GoValue): string {
  return goTypeName(v);
}

/** The type after Go's indirect(): a pointer to a struct names the struct. */
function elemTypeName(v: GoValue): string {
  return v instanceof GoStruct && v.pointer ? v.goType : goTypeName(v);
}

// ---------------------------------------------------------------------------
// index / slice / len

function indexArg(index: GoValue, iface: boolean, cap: number): number {
  let x: bigint;
  if (iface) throw new GoError(`cannot index slice/array with type interface {}`);
  if (typeof index === "bigint") x = index;
  else if (index instanceof GoNumber && intLike(index.goType)) x = BigInt(index.value);
  else if (index === undefined || index === null) throw new GoError("cannot index slice/array with nil");
  else throw new GoError(`cannot index slice/array with type ${typeOf(index)}`);
  if (x < 0n || x > cap) throw new GoError(`index out of range: ${x}`);
  return Number(x);
}

function prepareArg(value: GoValue, argType: string): GoValue {
  if (value === undefined || value === null) {
    if (!canBeNil(argType)) throw new GoError(`value is nil; should be of type ${argType}`);
    return zeroValue(argType);
  }
  const t = typeOf(value);
  if (assignable(t, argType)) return value;
  if (intLike(t) && intLike(argType)) return convertInt(value, argType);
  throw new GoError(`value has type ${t}; should be ${argType}`);
}

function index(args: GoValue[]): GoValue {
  let item = ii(args[0]);
  if (item === undefined) throw new GoError("index of untyped nil");
  for (let k = 1; k < args.length; k++) {
    const idx = ii(args[k]);
    if (item === null) throw new GoError("index of nil pointer");
    if (typeof item === "string") {
      const n = byteLength(item);
      const x = indexArg(idx, false, n);
      if (x === n) throw new Error("reflect: string index out of range");
      item = new GoNumber("uint8", BigInt(byteAt(item, x)));
    } else if (Array.isArray(item)) {
      const x = indexArg(idx, false, item.length);
      if (x === item.length) throw new Error("reflect: slice index out of range");
      item = item[x];
    } else if (item instanceof Map) {
      const key = prepareArg(idx, "string");
      const got = item.get(key as string);
      item = got !== undefined ? got : zeroValue(elemTypeOf(item));
    } else {
      throw new GoError(`can't index item of type ${elemTypeName(item as GoValue)}`);
    }
  }
  return item;
}

function unwrapIface(v: GoValue | IfaceArg): [GoValue, boolean] {
  return v instanceof IfaceArg ? [v.v, true] : [v, false];
}

interface Capped {
  [GO_CAP]?: number;
}

/** Slice types whose elements confd functions rearrange in place (reverse, sortByLength, sortKVByLength). */
const SHARED_TYPES = new Set(["[]string", "[]memkv.KVPair", "memkv.KVPairs"]);

function slice(args: (GoValue | IfaceArg)[]): GoValue {
  const item = ii(unwrapIface(args[0])[0]);
  const indexes = args.slice(1);
  if (item === undefined) throw new GoError("slice of untyped nil");
  if (indexes.length > 3) throw new GoError(`too many slice indexes: ${indexes.length}`);
  let cap: number;
  let len: number;
  if (typeof item === "string") {
    if (indexes.length === 3) throw new GoError("cannot 3-index slice a string");
    cap = len = byteLength(item);
  } else if (Array.isArray(item)) {
    len = item.length;
    cap = capOf(item);
  } else {
    throw new GoError(`can't slice item of type ${typeOf(item)}`);
  }
  const idx = [0, len, 0];
  for (let i = 0; i < indexes.length; i++) {
    const [v, iface] = unwrapIface(indexes[i]!);
    idx[i] = indexArg(v, iface, cap);
  }
  if (idx[0]! > idx[1]!) throw new GoError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!)
    throw new GoError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (typeof item === "string") return byteSlice(item, idx[0]!, idx[1]!);
  // Slicing a nil slice (only [0:0] is in range) keeps its nil data pointer.
  if ((item as GoSlice)[GO_NIL]) return nilSlice(item[GO_TYPE] ?? "[]interface {}");
  const back = backingOf(item);
  const newCap = (indexes.length === 3 ? idx[2]! : cap) - idx[0]!;
  const tag = item[GO_TYPE];
  if (tag !== undefined && SHARED_TYPES.has(tag)) {
    if (back.base === item) ensureSpare(item, cap, zeroValue(elemTypeOf(item)));
    return sliceView(back.base, back.off + idx[0]!, idx[1]! - idx[0]!, newCap, tag);
  }
  const out: GoValue[] = item.slice(idx[0], idx[1]);
  // Elements between len and cap come from the backing array, or are zero values.
  if (idx[1]! > len) {
    const zero = zeroValue(elemTypeOf(item));
    for (let i = Math.max(len, idx[0]!); i < idx[1]!; i++) {
      const j = back.off + i;
      out[i - idx[0]!] = j < back.base.length ? back.base[j] : zero;
    }
  }
  if (tag !== undefined) tagSlice(out, tag);
  (out as Capped)[GO_CAP] = newCap;
  (out as { [GO_BACKING]?: Backing })[GO_BACKING] = { base: back.base, off: back.off + idx[0]! };
  return out;
}

function length(item: GoValue): GoValue {
  if (item === null) throw new GoError("len of nil pointer");
  if (item === undefined) throw new Error("reflect: call of reflect.Value.Type on zero Value");
  if (typeof item === "string") return BigInt(byteLength(item));
  if (Array.isArray(item)) return BigInt(item.length);
  if (item instanceof Map) return BigInt(item.size);
  throw new GoError(`len of type ${elemTypeName(item)}`);
}

// ---------------------------------------------------------------------------
// call

function call(all: GoValue[]): GoValue {
  const f = ii(all[0]);
  const args = all.slice(1);
  if (f === undefined) throw new GoError("call of nil");
  if (!isFuncValue(f)) throw new GoError(`non-function of type ${typeOf(f)}`);
  const g = f.fn;
  const numIn = g.params.length + (g.variadic !== undefined ? 1 : 0);
  if (g.variadic !== undefined) {
    if (args.length < numIn - 1)
      throw new GoError(`wrong number of args: got ${args.length} want at least ${numIn - 1}`);
  } else if (args.length !== numIn) {
    throw new GoError(`wrong number of args: got ${args.length} want ${numIn}`);
  }
  const argv: GoValue[] = new Array<GoValue>(args.length);
  for (let i = 0; i < args.length; i++) {
    const argType = g.variadic === undefined || i < numIn - 1 ? g.params[i]! : g.variadic;
    try {
      argv[i] = prepareArg(ii(args[i]), argType);
    } catch (e) {
      throw new GoError(`arg ${i}: ${(e as Error).message}`);
    }
  }
  return g.call(...argv);
}

export function isFuncValue(v: GoValue): v is GoFuncValue {
  return (
    typeof v === "object" && v !== null && (v as GoFuncValue).kind === "func" && !(v instanceof GoStruct)
  );
}

// ---------------------------------------------------------------------------
// Comparisons

const errBadComparisonType = "invalid type for comparison";
const errBadComparison = "incompatible types for comparison";
const errNoComparison = "missing argument for comparison";

/** Go == on two values of the same non-basic kind. */
function sameValue(a: GoValue, b: GoValue): boolean {
  if (a instanceof GoStruct && b instanceof GoStruct) {
    if (a.goType !== b.goType || a.pointer !== b.pointer) return false;
    if (a.pointer) return a === b;
    for (const f of a.fieldNames) {
      const x = a.field(f);
      const y = b.field(f);
      const k = basicKind(x);
      if (k !== basicKind(y)) return false;
      if (k === "invalid") {
        if (!sameValue(x, y)) return false;
      } else if (!basicEqual(k, x, y)) return false;
    }
    return true;
  }
  return a === b;
}

function comparable(v: GoValue): boolean {
  if (Array.isArray(v) || v instanceof Map || isFuncValue(v)) return false;
  return true;
}

function basicEqual(k: BasicKind, a: GoValue, b: GoValue): boolean {
  switch (k) {
    case "bool":
    case "string":
      return a === b;
    case "complex":
      return (
        (a as GoComplex).real === (b as GoComplex).real && (a as GoComplex).imag === (b as GoComplex).imag
      );
    default:
      return numericValue(a) === numericValue(b);
  }
}

function intVal(v: GoValue): bigint {
  return BigInt(numericValue(v));
}

function eq(args: GoValue[]): boolean {
  const arg1 = ii(args[0]);
  if (args.length < 2) throw new GoError(errNoComparison);
  const k1 = basicKind(arg1);
  for (let i = 1; i < args.length; i++) {
    const arg = ii(args[i]);
    const k2 = basicKind(arg);
    let t = false;
    if (k1 !== k2) {
      if (k1 === "int" && k2 === "uint") {
        t = intVal(arg1) >= 0n && intVal(arg1) === intVal(arg);
      } else if (k1 === "uint" && k2 === "int") {
        t = intVal(arg) >= 0n && intVal(arg1) === intVal(arg);
      } else if (arg1 !== undefined && arg !== undefined) {
        throw new GoError(errBadComparison);
      }
    } else if (k1 !== "invalid") {
      t = basicEqual(k1, arg1, arg);
    } else {
      if (!canCompare(arg1, arg)) {
        throw new GoError(
          `non-comparable types ${sprintf("%s", [arg1 as GoValue])}: ${typeOf(arg1)}, ${typeOf(arg)}: ${sprintf("%v", [arg as GoValue])}`,
        );
      }
      if (isNilValue(arg1) || isNilValue(arg)) {
        t = isNilValue(arg) === isNilValue(arg1);
      } else {
        if (!comparable(arg)) {
          throw new GoError(`non-comparable type ${sprintf("%s", [arg])}: ${typeOf(arg)}`);
        }
        t = sameValue(arg1, arg);
      }
    }
    if (t) return true;
  }
  return false;
}

/** Go's reflect kind name for canCompare (same kind, or one is invalid). */
function reflectKind(v: GoValue): string {
  if (v === undefined) return "invalid";
  if (v === null) return "interface";
  if (Array.isArray(v)) return "slice";
  if (v instanceof Map) return "map";
  if (v instanceof GoStruct) return v.pointer ? "ptr" : "struct";
  if (isFuncValue(v)) return "func";
  return typeof v;
}

function canCompare(a: GoValue, b: GoValue): boolean {
  const k1 = reflectKind(a);
  const k2 = reflectKind(b);
  return k1 === k2 || k1 === "invalid" || k2 === "invalid";
}

function eq2(a: GoValue, b: GoValue): boolean {
  return eq([a, b]);
}

function lt(a1: GoValue, a2: GoValue): boolean {
  const arg1 = ii(a1);
  const k1 = basicKind(arg1);
  if (k1 === "invalid") throw new GoError(errBadComparisonType);
  const arg2 = ii(a2);
  const k2 = basicKind(arg2);
  if (k2 === "invalid") throw new GoError(errBadComparisonType);
  if (k1 !== k2) {
    if (k1 === "int" && k2 === "uint") return intVal(arg1) < 0n || intVal(arg1) < intVal(arg2);
    if (k1 === "uint" && k2 === "int") return intVal(arg2) >= 0n && intVal(arg1) < intVal(arg2);
    throw new GoError(errBadComparison);
  }
  switch (k1) {
    case "bool":
    case "complex":
      throw new GoError(errBadComparisonType);
    case "string":
      return compareGoStrings(arg1 as string, arg2 as string) < 0;
    default:
      return numericValue(arg1) < numericValue(arg2);
  }
}

function le(a: GoValue, b: GoValue): boolean {
  return lt(a, b) || eq2(a, b);
}

function gt(a: GoValue, b: GoValue): boolean {
  return !le(a, b);
}

function ge(a: GoValue, b: GoValue): boolean {
  return !lt(a, b);
}

// ---------------------------------------------------------------------------

export const SLICE_FUNC = fn("slice", [RV], RV, "value,error", slice as (a: GoValue[]) => GoValue);

const unreachable = (): GoValue => {
  throw new Error("unreachable");
};

/** text/template's builtins() FuncMap. */
export const BUILTINS: ReadonlyMap<string, BuiltinFunc> = new Map<string, BuiltinFunc>([
  ["and", fn("and", [RV], RV, "value", unreachable)],
  ["call", fn("call", [RV], RV, "value,error", call)],
  ["html", fn("html", [], ANY, "value", (a) => htmlEscaper(a))],
  ["index", fn("index", [RV], RV, "value,error", index)],
  ["slice", SLICE_FUNC],
  ["js", fn("js", [], ANY, "value", (a) => jsEscaper(a))],
  ["len", fn("len", [RV], undefined, "value,error", (a) => length(a[0]))],
  ["not", fn("not", [RV], undefined, "value", (a) => !truth(a[0]))],
  ["or", fn("or", [RV], RV, "value", unreachable)],
  ["print", fn("print", [], ANY, "value", (a) => sprint(a))],
  ["printf", fn("printf", ["string"], ANY, "value", (a) => sprintf(a[0] as string, a.slice(1)))],
  ["println", fn("println", [], ANY, "value", (a) => sprintln(a))],
  ["urlquery", fn("urlquery", [], ANY, "value", (a) => urlQueryEscaper(a))],
  ["eq", fn("eq", [RV], RV, "value,error", eq)],
  ["ge", fn("ge", [RV, RV], undefined, "value,error", (a) => ge(a[0], a[1]))],
  ["gt", fn("gt", [RV, RV], undefined, "value,error", (a) => gt(a[0], a[1]))],
  ["le", fn("le", [RV, RV], undefined, "value,error", (a) => le(a[0], a[1]))],
  ["lt", fn("lt", [RV, RV], undefined, "value,error", (a) => lt(a[0], a[1]))],
  ["ne", fn("ne", [RV, RV], undefined, "value,error", (a) => !eq2(a[0], a[1]))],
]);
