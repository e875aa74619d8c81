// Go type names as text/template's argument conversion sees them: kinds,
// assignability, zero values and nil-ability, over hecd's value model.

import { GoNumber, GoStruct, GO_NIL, GO_TYPE, KVPair, nilMap, nilSlice, type GoValue } from "../go/value.js";

export type Kind =
  | "bool"
  | "int"
  | "uint"
  | "float"
  | "complex"
  | "string"
  | "interface"
  | "reflect"
  | "slice"
  | "map"
  | "pointer"
  | "func"
  | "chan"
  | "struct";

/** Named types whose underlying type is not a struct (Go's `type KVPairs []KVPair`). */
const NAMED_UNDERLYING = new Map<string, string>([["memkv.KVPairs", "[]memkv.KVPair"]]);

/** Declares a named type and its underlying type, for assignability checks. */
export function registerNamedType(name: string, underlying: string): void {
  NAMED_UNDERLYING.set(name, underlying);
}

export function underlying(typ: string): string {
  return NAMED_UNDERLYING.get(typ) ?? typ;
}

const KIND_CACHE = new Map<string, Kind>();

export function kindOf(typ: string): Kind {
  let k = KIND_CACHE.get(typ);
  if (k === undefined) {
    k = computeKind(underlying(typ));
    KIND_CACHE.set(typ, k);
  }
  return k;
}

function computeKind(t: string): Kind {
  switch (t) {
    case "bool":
      return "bool";
    case "int":
    case "int8":
    case "int16":
    case "int32":
    case "int64":
    case "rune":
      return "int";
    case "uint":
    case "uint8":
    case "uint16":
    case "uint32":
    case "uint64":
    case "uintptr":
    case "byte":
      return "uint";
    case "float32":
    case "float64":
      return "float";
    case "complex64":
    case "complex128":
      return "complex";
    case "string":
      return "string";
    case "reflect.Value":
      return "reflect";
    case "error":
    case "fmt.Stringer":
      return "interface";
  }
  if (t.startsWith("interface")) return "interface";
  if (t.startsWith("[]") || /^\[\d+\]/.test(t)) return "slice";
  if (t.startsWith("map[")) return "map";
  if (t.startsWith("*")) return "pointer";
  if (t.startsWith("func")) return "func";
  if (t.startsWith("chan") || t.startsWith("<-chan")) return "chan";
  return "struct";
}

export function isEmptyInterface(typ: string): boolean {
  return typ === "interface {}" || typ === "any";
}

/** reflect's canBeNil: whether an untyped nil can be assigned to typ. */
export function canBeNil(typ: string): boolean {
  switch (kindOf(typ)) {
    case "chan":
    case "func":
    case "interface":
    case "map":
    case "pointer":
    case "slice":
    case "reflect":
      return true;
  }
  return false;
}

export { GO_NIL, nilMap, nilSlice };

/** Whether a value is Go's nil: no value, a nil interface, or a slice/map marked GO_NIL. */
export function isNilValue(v: GoValue): boolean {
  if (v === undefined || v === null) return true;
  return typeof v === "object" && (v as { [GO_NIL]?: true })[GO_NIL] === true;
}

/** reflect.Zero(typ) in hecd's value model. */
export function zeroValue(typ: string): GoValue {
  switch (kindOf(typ)) {
    case "bool":
      return false;
    case "int":
      return typ === "int" ? 0n : new GoNumber(typ, 0n);
    case "uint":
      return new GoNumber(typ, 0n);
    case "float":
      return typ === "float64" ? 0 : new GoNumber(typ, 0);
    case "complex":
      return new GoNumber(typ, 0);
    case "string":
      return "";
    case "slice":
      return nilSlice(typ);
    case "map":
      return nilMap(typ);
    case "reflect":
      return undefined;
    case "struct":
      if (typ === "memkv.KVPair") return new KVPair("", "");
      break;
  }
  return null;
}

/** Go's AssignableTo for a value of dynamic type `from` and a parameter type `to`. */
export function assignable(from: string, to: string): boolean {
  if (from === to || isEmptyInterface(to)) return true;
  const fu = NAMED_UNDERLYING.get(from);
  const tu = NAMED_UNDERLYING.get(to);
  // Identical underlying types, at least one of them unnamed.
  if (fu !== undefined && tu === undefined) return fu === to;
  if (tu !== undefined && fu === undefined) return tu === from;
  if (to === "error") return from === "*errors.errorString";
  return false;
}

export function intLike(typ: string): boolean {
  const k = kindOf(typ);
  return k === "int" || k === "uint";
}

/** Converts an integer value to another integer type (reflect.Value.Convert). */
export function convertInt(v: GoValue, typ: string): GoValue {
  const n = typeof v === "bigint" ? v : BigInt((v as GoNumber).value);
  if (typ === "int") return BigInt.asIntN(64, n);
  const bits = intBits(typ);
  const k = kindOf(typ);
  return new GoNumber(typ, k === "uint" ? BigInt.asUintN(bits, n) : BigInt.asIntN(bits, n));
}

export function intBits(typ: string): number {
  const m = /(\d+)$/.exec(typ);
  if (m !== null) return Number(m[1]);
  if (typ === "byte") return 8;
  if (typ === "rune") return 32;
  return 64;
}

/** The element type of a slice or map type name ("interface {}" when unknown). */
export function elemTypeOf(container: GoValue): string {
  const t = (container as { [GO_TYPE]?: string })[GO_TYPE];
  if (t === undefined) return "interface {}";
  const u = underlying(t);
  if (u.startsWith("[]")) return u.slice(2);
  if (u.startsWith("map[")) {
    let depth = 0;
    for (let i = 3; i < u.length; i++) {
      const c = u[i];
      if (c === "[") depth++;
      else if (c === "]") {
        depth--;
        if (depth === 0) return u.slice(i + 1);
      }
    }
  }
  const arr = /^\[\d+\](.*)$/.exec(u);
  if (arr !== null) return arr[1]!;
  return "interface {}";
}

/** Whether values read out of this container sit in an interface{} slot. */
export function elemIsInterface(container: GoValue): boolean {
  const t = (container as { [GO_TYPE]?: string })[GO_TYPE];
  if (t === undefined) return true;
  return kindOf(elemTypeOf(container)) === "interface";
}

/** basicKind from funcs.go, for comparisons. */
export type BasicKind = "invalid" | "bool" | "complex" | "int" | "float" | "string" | "uint";

export function basicKind(v: GoValue): BasicKind {
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float";
    case "string":
      return "string";
  }
  if (v instanceof GoNumber) {
    const k = kindOf(v.goType);
    if (k === "int" || k === "uint" || k === "float" || k === "complex") return k;
  }
  return "invalid";
}

/** The numeric value of an int/uint/float value as bigint (ints) or number (floats). */
export function numericValue(v: GoValue): bigint | number {
  if (typeof v === "bigint" || typeof v === "number") return v;
  return (v as GoNumber).value;
}

export function isStruct(v: GoValue): v is GoStruct {
  return v instanceof GoStruct;
}

/**
 * A slice's capacity, when it differs from its length. Go's `slice` builtin
 * bounds its indexes by cap, so `slice x 0 4` on a 3-element slice decoded
 * from JSON succeeds (cap 4) and shows a zero element.
 */
export const GO_CAP: unique symbol = Symbol("goCap");

// Go 1.19 runtime size classes (bytes), for append's capacity rounding.
const SIZE_CLASSES = [
  8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416,
  448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200,
  3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384,
  18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768,
];

function roundUpSize(size: number): number {
  if (size <= 32768) {
    for (const c of SIZE_CLASSES) if (c >= size) return c;
  }
  return Math.ceil(size / 8192) * 8192;
}

const appendCapCache = new Map<number, number[]>();

/** cap() of a slice built by appending n elements of elemSize bytes one at a time to an empty slice (Go 1.19 growslice). */
export function appendCap(n: number, elemSize: number): number {
  if (n === 0) return 0;
  let caps = appendCapCache.get(elemSize);
  if (caps === undefined) {
    caps = [];
    appendCapCache.set(elemSize, caps);
  }
  let cap = caps.length > 0 ? caps[caps.length - 1]! : 0;
  while (cap < n) {
    const need = cap + 1;
    let newcap = cap;
    const doublecap = cap + cap;
    if (need > doublecap) newcap = need;
    else if (cap < 256) newcap = doublecap;
    else while (newcap < need) newcap += Math.floor((newcap + 768) / 4);
    cap = Math.floor(roundUpSize(newcap * elemSize) / elemSize);
    caps.push(cap);
  }
  for (const c of caps) if (c >= n) return c;
  return cap;
}

/** cap() of a slice value: an explicit GO_CAP, else JSON-decoded []interface{} grows by append, else len. */
export function capOf(arr: GoValue[]): number {
  const c = (arr as { [GO_CAP]?: number })[GO_CAP];
  if (c !== undefined) return c;
  if ((arr as { [GO_TYPE]?: string })[GO_TYPE] === undefined) return appendCap(arr.length, 16);
  return arr.length;
}

/** A complex128 (or complex64) value: GoNumber's value holds the real part. */
export class GoComplex extends GoNumber {
  constructor(
    goType: string,
    real: number,
    readonly imag: number,
  ) {
    super(goType, real);
  }
  get real(): number {
    return this.value as number;
  }
}
