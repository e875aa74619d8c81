// confd's template function map (confd 0.16/0.17 with memkv v0.1.1), with
// the same Go signatures so text/template converts and checks arguments
// the same way, and Go's results and error texts.
import { statSync } from "node:fs";
import { lookupIPSync, lookupSRVSync, type SrvRecord } from "./dns-sync.js";
import { base as pathBase, dir as pathDir, BadPatternError } from "../go/path.js";
import { decodeJSONAs, GoJSONError } from "../go/json.js";
import { appendCap, capOf, GO_CAP } from "../template/convert.js";
import { goSortSlice } from "../go/sort.js";
import { goByteLength, goBytes, goString } from "../go/gostring.js";
import { lookupIfaceIPV4, lookupIfaceIPV6, type IfaceLookupOptions } from "./iface.js";
import * as b64 from "../go/base64.js";
import * as sc from "../go/strconv.js";
import * as gstrings from "../go/strings.js";
import { GoTime } from "../go/time.js";
import { KeyNotExistError, sortGoStrings, type MemKV } from "./memkv.js";
import { backingOf, ensureSpare, sliceView } from "../template/slice-view.js";
import {
  GO_TYPE,
  GoError,
  GoNumber,
  GoStruct,
  nilSlice,
  tagMap,
  tagSlice,
  type GoFunc,
  type GoSlice,
  type GoValue,
} from "../go/value.js";
import { KVPair } from "../template/kvpair.js";

export type ConfdFuncMap = Record<string, GoFunc>;

/**
 * The functions of the map without side effects or changing outside state (no
 * DNS, clock, files): calling one again gives the same result. getenv reads an
 * environment that nothing changes while a template renders.
 */
export const PURE_CONFD_FUNCS: ReadonlySet<string> = new Set([
  "add",
  "atoi",
  "base",
  "base64Decode",
  "base64Encode",
  "contains",
  "dir",
  "div",
  "exists",
  "get",
  "getenv",
  "gets",
  "getv",
  "getvs",
  "json",
  "jsonArray",
  "join",
  "ls",
  "lsdir",
  "map",
  "mod",
  "mul",
  "parseBool",
  "replace",
  "seq",
  "split",
  "sub",
  "toLower",
  "toUpper",
  "trimSuffix",
]);

export interface ConfdFuncOptions {
  /** Environment lookup for getenv (default: process.env). */
  getenv?: (name: string) => string | undefined;
  /** Interface table for lookupIfaceIPV4/IPV6 (default: os.networkInterfaces()). */
  iface?: IfaceLookupOptions;
}

/** net.SRV as lookupSRV returns it ([]*net.SRV). */
export class NetSRV extends GoStruct {
  readonly goType = "net.SRV";
  override readonly pointer = true;
  readonly fieldNames = ["Target", "Port", "Priority", "Weight"] as const;
  constructor(
    public Target: string,
    public Port: GoNumber,
    public Priority: GoNumber,
    public Weight: GoNumber,
  ) {
    super();
  }
}

type Results = GoFunc["results"];

function fn(
  name: string,
  params: readonly string[],
  results: Results,
  call: (...args: GoValue[]) => GoValue,
  variadic?: string,
): GoFunc {
  return variadic === undefined ? { name, params, results, call } : { name, params, variadic, results, call };
}

const wrapInt = (n: bigint): bigint => BigInt.asIntN(64, n);

const strings = (xs: string[]): GoSlice => tagSlice(xs, "[]string");

/** Runs f, turning the library's own error classes into Go's returned error. */
function goErr<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GoError) throw e;
    if (
      e instanceof KeyNotExistError ||
      e instanceof BadPatternError ||
      e instanceof GoJSONError ||
      e instanceof sc.NumError ||
      e instanceof b64.CorruptInputError
    ) {
      throw new GoError(e.message);
    }
    throw e;
  }
}

function fileExists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch (e) {
    // Go's os.IsNotExist is true for ENOENT only.
    return (e as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

function lookupIP(host: string): string[] {
  return sortGoStrings(lookupIPSync(host));
}

const STRING_SIZE = 16;
const KVPAIR_SIZE = 32;

/** Marks a slice built by appending one element at a time to an empty slice (Go's growth gives its cap). */
function appended(xs: GoValue[], elemSize: number): GoSlice {
  (xs as { [GO_CAP]?: number })[GO_CAP] = appendCap(xs.length, elemSize);
  return xs as GoSlice;
}

/** A []string result built by appending to a nil slice: nil when empty. */
function appendedStrings(xs: string[]): GoSlice {
  return xs.length === 0 ? nilSlice("[]string") : appended(strings(xs), STRING_SIZE);
}

function srvKey(r: NetSRV): string {
  return `${r.Target}${r.Port.value}${r.Priority.value}${r.Weight.value}`;
}

/** Resolver records as Go's []*net.SRV, in confd's order (Target+Port+Priority+Weight as a string). */
export function srvRecordsToGo(records: readonly SrvRecord[]): GoSlice {
  const recs = records.map(
    (r) =>
      new NetSRV(
        r.name.endsWith(".") ? r.name : r.name + ".",
        new GoNumber("uint16", BigInt(r.port)),
        new GoNumber("uint16", BigInt(r.priority)),
        new GoNumber("uint16", BigInt(r.weight)),
      ),
  );
  goSortSlice(recs, (a, b) => srvKey(a) < srvKey(b));
  return tagSlice(recs, "[]*net.SRV");
}

function lookupSRV(service: string, proto: string, name: string): GoSlice {
  return srvRecordsToGo(
    lookupSRVSync(service === "" && proto === "" ? name : `_${service}._${proto}.${name}`),
  );
}

function reverseInPlace(v: GoValue): GoValue {
  if (Array.isArray(v)) {
    const t = (v as GoSlice)[GO_TYPE];
    if (t === "[]string" || t === "[]memkv.KVPair") v.reverse();
  }
  return v;
}

const byteLength = goByteLength;

/** confd's whole function map, with the store functions bound to store. */
export function confdFuncs(store: MemKV, opts: ConfdFuncOptions = {}): ConfdFuncMap {
  const env = opts.getenv ?? ((name: string) => process.env[name]);
  const s = (v: GoValue): string => v as string;
  const i = (v: GoValue): bigint => v as bigint;
  const list: GoFunc[] = [
    fn("base", ["string"], "value", (p) => pathBase(s(p))),
    fn("dir", ["string"], "value", (p) => pathDir(s(p))),
    fn("split", ["string", "string"], "value", (a, b) => strings(gstrings.split(s(a), s(b)))),
    fn("join", ["[]string", "string"], "value", (a, sep) => (a as string[]).join(s(sep))),
    fn("json", ["string"], "value,error", (t) => goErr(() => decodeJSONAs(s(t), "obj"))),
    fn("jsonArray", ["string"], "value,error", (t) => goErr(() => decodeJSONAs(s(t), "arr"))),
    fn(
      "map",
      [],
      "value,error",
      (...items) => {
        if (items.length % 2 === 1) throw new GoError("invalid map call");
        const m = new Map<string, GoValue>();
        for (let k = 0; k + 1 < items.length; k += 2) {
          const key = items[k];
          if (typeof key !== "string") throw new GoError("map keys must be strings");
          m.set(key, items[k + 1]);
        }
        return tagMap(m, "map[string]interface {}");
      },
      "interface {}",
    ),
    fn(
      "getenv",
      ["string"],
      "value",
      (name, ...fallback) => {
        const v = env(s(name));
        if (v !== undefined && v !== "") return v;
        return fallback.length > 0 ? s(fallback[0]) : "";
      },
      "string",
    ),
    fn("datetime", [], "value", () => GoTime.now()),
    fn("toUpper", ["string"], "value", (x) => gstrings.toUpper(s(x))),
    fn("toLower", ["string"], "value", (x) => gstrings.toLower(s(x))),
    fn("contains", ["string", "string"], "value", (a, b) => gstrings.contains(s(a), s(b))),
    fn("replace", ["string", "string", "string", "int"], "value", (a, o, n, k) =>
      gstrings.replace(s(a), s(o), s(n), i(k)),
    ),
    fn("trimSuffix", ["string", "string"], "value", (a, suf) => gstrings.trimSuffix(s(a), s(suf))),
    // A failed lookup is nil, as are the filtered lists when nothing matches.
    fn("lookupIP", ["string"], "value", (h) => appendedStrings(lookupIP(s(h)))),
    fn("lookupIPV4", ["string"], "value", (h) =>
      appendedStrings(lookupIP(s(h)).filter((ip) => ip.includes("."))),
    ),
    fn("lookupIPV6", ["string"], "value", (h) =>
      appendedStrings(lookupIP(s(h)).filter((ip) => ip.includes(":"))),
    ),
    fn("lookupIfaceIPV4", ["string"], "value", (n) => lookupIfaceIPV4(s(n), opts.iface)),
    fn("lookupIfaceIPV6", ["string"], "value", (n) => lookupIfaceIPV6(s(n), opts.iface)),
    fn("lookupSRV", ["string", "string", "string"], "value", (a, b, c) => lookupSRV(s(a), s(b), s(c))),
    fn("fileExists", ["string"], "value", (p) => fileExists(s(p))),
    fn("base64Encode", ["string"], "value", (x) => goBytes(s(x)).toString("base64")),
    fn("base64Decode", ["string"], "value,error", (x) => goErr(() => goString(b64.base64Decode(s(x))))),
    fn("parseBool", ["string"], "value,error", (x) => goErr(() => sc.parseBool(s(x)))),
    fn("reverse", ["interface {}"], "value", (v) => reverseInPlace(v)),
    fn("sortByLength", ["[]string"], "value", (v) => {
      goSortSlice(v as string[], (a, b) => byteLength(a) < byteLength(b));
      return v;
    }),
    fn("sortKVByLength", ["[]memkv.KVPair"], "value", (v) => {
      const arr = v as GoSlice;
      goSortSlice(arr as KVPair[], (a, b) => byteLength(a.Key) < byteLength(b.Key));
      if (arr[GO_TYPE] === "[]memkv.KVPair") return arr;
      // memkv.KVPairs comes back as []memkv.KVPair over the same elements (reverse then applies to both).
      const { base, off } = backingOf(arr);
      if (base === arr) ensureSpare(arr, capOf(arr), new KVPair("", ""));
      return sliceView(base, off, arr.length, capOf(arr), "[]memkv.KVPair");
    }),
    fn("add", ["int", "int"], "value", (a, b) => wrapInt(i(a) + i(b))),
    fn("sub", ["int", "int"], "value", (a, b) => wrapInt(i(a) - i(b))),
    fn("mul", ["int", "int"], "value", (a, b) => wrapInt(i(a) * i(b))),
    fn("div", ["int", "int"], "value", (a, b) => {
      if (i(b) === 0n) throw new GoError("runtime error: integer divide by zero");
      return wrapInt(i(a) / i(b));
    }),
    fn("mod", ["int", "int"], "value", (a, b) => {
      if (i(b) === 0n) throw new GoError("runtime error: integer divide by zero");
      return wrapInt(i(a) % i(b));
    }),
    fn("seq", ["int", "int"], "value", (a, b) => {
      // confd appends to a nil []int, so an empty range stays nil.
      if (i(a) > i(b)) return nilSlice("[]int");
      const out: bigint[] = [];
      for (let n = i(a); n <= i(b); n++) out.push(n);
      return appended(tagSlice(out, "[]int"), 8);
    }),
    fn("atoi", ["string"], "value,error", (x) => goErr(() => sc.atoi(s(x)))),
    // Store functions (memkv).
    fn("exists", ["string"], "value", (k) => store.exists(s(k))),
    fn("ls", ["string"], "value", (d) => strings(store.ls(s(d)))),
    fn("lsdir", ["string"], "value", (d) => strings(store.lsdir(s(d)))),
    fn("get", ["string"], "value,error", (k) => goErr(() => store.get(s(k)))),
    // memkv builds gets/getvs by appending to an empty slice, so their cap is append's.
    fn("gets", ["string"], "value,error", (p) => goErr(() => appended(store.gets(s(p)), KVPAIR_SIZE))),
    fn(
      "getv",
      ["string"],
      "value,error",
      (k, ...fallback) => goErr(() => store.getv(s(k), fallback as string[])),
      "string",
    ),
    fn("getvs", ["string"], "value,error", (p) =>
      goErr(() => appended(strings(store.getvs(s(p))), STRING_SIZE)),
    ),
  ];
  const out: ConfdFuncMap = {};
  for (const f of list) out[f.name] = f;
  return out;
}
