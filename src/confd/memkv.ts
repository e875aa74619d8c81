// confd's in-memory key/value store (kelseyhightower/memkv v0.1.1 semantics),
// the data behind get/gets/getv/getvs/ls/lsdir/exists.
import { clean, dir as pathDir, base as pathBase, match } from "../go/path.js";
import { compareGoStrings } from "../go/sort.js";
import { KVPair, tagSlice, type GoSlice } from "../go/value.js";

const SURROGATE = /[\ud800-\udfff]/;

export function sortGoStrings(xs: string[]): string[] {
  // Without surrogates, UTF-16 code unit order (the native sort) is UTF-8 byte order.
  if (!xs.some((x) => SURROGATE.test(x))) return xs.sort();
  return xs.sort(compareGoStrings);
}

/** memkv's missing-key error: "key does not exist: KEY". */
export class KeyNotExistError extends Error {
  constructor(readonly key: string) {
    super(`key does not exist: ${key}`);
  }
}

function terms(p: string): string[] {
  return clean(p).split("/");
}

function hasTermPrefix(t: readonly string[], prefix: readonly string[]): boolean {
  if (t.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (t[i] !== prefix[i]) return false;
  return true;
}

export class MemKV {
  private readonly pairs = new Map<string, KVPair>();
  private sorted: string[] | null = null;

  /** A store of distinct keys (callers clean them first) with their values. */
  static fromArrays(keys: readonly string[], values: readonly string[]): MemKV {
    const kv = new MemKV();
    const pairs = kv.pairs;
    for (let i = 0; i < keys.length; i++) pairs.set(keys[i]!, new KVPair(keys[i]!, values[i]!));
    return kv;
  }

  /** Stores value under key exactly as given (callers clean keys first, as confd does). */
  set(key: string, value: string): void {
    if (!this.pairs.has(key)) this.sorted = null;
    this.pairs.set(key, new KVPair(key, value));
  }

  del(key: string): void {
    if (this.pairs.delete(key)) this.sorted = null;
  }

  purge(): void {
    this.pairs.clear();
    this.sorted = null;
  }

  get size(): number {
    return this.pairs.size;
  }

  /** Keys in Go string order. */
  keys(): readonly string[] {
    if (this.sorted === null) this.sorted = sortGoStrings([...this.pairs.keys()]);
    return this.sorted;
  }

  /** Exact lookup; throws KeyNotExistError. */
  get(key: string): KVPair {
    const p = this.pairs.get(key);
    if (p === undefined) throw new KeyNotExistError(key);
    // Go returns a copy; sharing is safe because templates cannot assign to fields.
    return p;
  }

  exists(key: string): boolean {
    return this.pairs.has(key);
  }

  /** getv: the value, or the first fallback (even "") when missing; throws KeyNotExistError otherwise. */
  getv(key: string, fallback: readonly string[] = []): string {
    const p = this.pairs.get(key);
    if (p !== undefined) return p.Value;
    if (fallback.length > 0) return fallback[0]!;
    throw new KeyNotExistError(key);
  }

  /**
   * gets: pairs whose whole key matches the path.Match pattern, sorted by key,
   * as the named type memkv.KVPairs. A malformed pattern throws
   * BadPatternError only while matching, so never on an empty store.
   */
  gets(pattern: string): GoSlice {
    const found: KVPair[] = [];
    for (const k of this.keys()) {
      if (match(pattern, k)) found.push(this.pairs.get(k)!);
    }
    return tagSlice(found, "memkv.KVPairs");
  }

  /** getvs: values of gets, sorted by value. */
  getvs(pattern: string): string[] {
    const found: string[] = [];
    for (const k of this.keys()) if (match(pattern, k)) found.push(this.pairs.get(k)!.Value);
    return sortGoStrings(found);
  }

  /** ls: names one level below dir (see the oracle README for the corner cases). */
  ls(dir: string): string[] {
    const names = new Set<string>();
    const want = terms(dir);
    for (const k of this.keys()) {
      if (k === dir) {
        names.add(pathBase(k));
        continue;
      }
      if (hasTermPrefix(terms(pathDir(k)), want)) {
        let rest = k.startsWith(dir) ? k.slice(dir.length) : k;
        if (rest.startsWith("/")) rest = rest.slice(1);
        names.add(rest.split("/")[0]!);
      }
    }
    return sortGoStrings([...names]);
  }

  /** lsdir: names one level below dir that have keys under them. */
  lsdir(dir: string): string[] {
    const names = new Set<string>();
    const want = terms(dir);
    for (const k of this.keys()) {
      if (!k.startsWith(dir)) continue;
      const parent = terms(pathDir(k));
      if (hasTermPrefix(parent, want) && parent.length > want.length) names.add(parent[want.length]!);
    }
    return sortGoStrings([...names]);
  }
}
