// hecd's model of Go values, shared by exec, fmt and the function maps.
//
//   Go int            -> bigint            (so ints and float64 never mix up)
//   Go float64        -> number
//   Go string         -> string
//   Go bool           -> boolean
//   nil (interface)   -> null
//   []T               -> JS array; T is named by the GO_TYPE tag, default []interface {}
//   map[string]T      -> JS Map;   type named by the GO_TYPE tag, default map[string]interface {}
//   struct / *struct  -> a GoStruct subclass (KVPair, ...)
//   other sized ints  -> GoNumber (uint16, int64, ...), rare
//   functions         -> GoFunc (see funcs in exec)
//
// "No value" (Go's invalid reflect.Value, printed "<no value>") is `undefined`;
// it only lives inside exec and is never handed to fmt.

export const GO_TYPE: unique symbol = Symbol("goType");

/** Set to true on a slice or map that is Go's nil (`[]`/`map[]` with %v, `[]int(nil)` with %#v). */
export const GO_NIL: unique symbol = Symbol("goNil");

export type GoSlice = GoValue[] & { [GO_TYPE]?: string; [GO_NIL]?: boolean };
export type GoMap = Map<string, GoValue> & { [GO_TYPE]?: string; [GO_NIL]?: boolean };

export type GoValue =
  null | boolean | bigint | number | string | GoSlice | GoMap | GoStruct | GoNumber | GoFuncValue | undefined;

/** A struct value. Subclasses list their exported fields in Go declaration order. */
export abstract class GoStruct {
  abstract readonly goType: string;
  abstract readonly fieldNames: readonly string[];
  /** True for a pointer to the struct (`&{...}` in %v); false unless a subclass says so. */
  declare readonly pointer: boolean;
  field(name: string): GoValue {
    return (this as unknown as Record<string, GoValue>)[name];
  }
  hasField(name: string): boolean {
    return this.fieldNames.includes(name);
  }
  /** Methods callable from templates (`.Method args`), by Go name. */
  method(_name: string): GoFuncValue | undefined {
    return undefined;
  }
}

Object.defineProperty(GoStruct.prototype, "pointer", { value: false });

/** memkv.KVPair, what confd's get/gets return. */
export class KVPair extends GoStruct {
  // On the prototype: a store holds thousands of pairs, each only its two fields.
  declare readonly goType: string;
  declare readonly fieldNames: readonly string[];
  constructor(
    public Key: string,
    public Value: string,
  ) {
    super();
  }
}
Object.defineProperties(KVPair.prototype, {
  goType: { value: "memkv.KVPair" },
  fieldNames: { value: Object.freeze(["Key", "Value"]) },
});

/** A Go number of a type other than int/float64 (uint16, int64, uint8, float32 ...). */
export class GoNumber {
  constructor(
    readonly goType: string,
    readonly value: bigint | number,
  ) {}
}

/** A function value (from a map entry, a field, or `call`). */
export interface GoFuncValue {
  readonly kind: "func";
  readonly goType: string;
  readonly fn: GoFunc;
}

/**
 * A Go function as text/template sees it: parameter types drive argument
 * conversion and its error messages; it returns one value, or a value and an error.
 */
export interface GoFunc {
  name: string;
  /** Go type names of the fixed parameters, e.g. ["string", "int"]; "interface {}" accepts anything. */
  params: readonly string[];
  /** Element type of a trailing variadic parameter (`...string`), if any. */
  variadic?: string;
  /** "value" (one result) or "value,error" (second result is an error). */
  results: "value" | "value,error";
  /** The implementation; throws GoError for a returned error. */
  call: (...args: GoValue[]) => GoValue;
}

/** An error returned by a Go function (the `error` result). */
export class GoError extends Error {}

export function tagSlice<T extends GoValue[]>(arr: T, goType: string): T & { [GO_TYPE]: string } {
  (arr as GoSlice)[GO_TYPE] = goType;
  return arr as T & { [GO_TYPE]: string };
}

export function tagMap(m: Map<string, GoValue>, goType: string): GoMap {
  (m as GoMap)[GO_TYPE] = goType;
  return m as GoMap;
}

/** A nil slice of the given type (what Go functions like `seq 3 1` return). */
export function nilSlice(goType: string): GoSlice {
  const s: GoSlice = [];
  s[GO_TYPE] = goType;
  s[GO_NIL] = true;
  return s;
}

/** A nil map of the given type (the zero value of a map type). */
export function nilMap(typ: string): GoMap {
  const m = tagMap(new Map(), typ);
  m[GO_NIL] = true;
  return m;
}

/** The Go type name, as %T prints it. */
export function goTypeName(v: GoValue): string {
  if (v === null || v === undefined) return "<nil>";
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float64";
    case "string":
      return "string";
  }
  if (Array.isArray(v)) return (v as GoSlice)[GO_TYPE] ?? "[]interface {}";
  if (v instanceof Map) return (v as GoMap)[GO_TYPE] ?? "map[string]interface {}";
  if (v instanceof GoStruct) return (v.pointer ? "*" : "") + v.goType;
  if (v instanceof GoNumber) return v.goType;
  return (v as GoFuncValue).goType;
}

/** Element type of a slice type name: "[]string" -> "string". */
export function elemType(sliceType: string): string {
  return sliceType.startsWith("[]") ? sliceType.slice(2) : "interface {}";
}

/** Converts decoded JSON (JSON.parse output) into Go values as encoding/json does for interface{}. */
export function fromJSON(x: unknown): GoValue {
  if (x === null) return null;
  if (Array.isArray(x)) return x.map(fromJSON);
  if (typeof x === "object") {
    const m: GoMap = new Map();
    for (const [k, val] of Object.entries(x as Record<string, unknown>)) m.set(k, fromJSON(val));
    return m;
  }
  return x as number | string | boolean;
}
