// Go slices share their backing array: `slice $a 1`, or sortKVByLength handing
// memkv.KVPairs back as []memkv.KVPair, are new slice headers over the same
// elements, so an in-place reverse/sort through one is visible through the
// other. A view is a Proxy that reads and writes the base array at an offset.

import { GO_CAP } from "./convert.js";
import { GO_TYPE, type GoSlice, type GoValue } from "../go/value.js";

/** Where a slice's elements live: the root array and this slice's offset in it. */
export const GO_BACKING: unique symbol = Symbol("goBacking");

export interface Backing {
  base: GoValue[];
  off: number;
}

/** Elements of a root array's backing store past its length (up to its cap), shared by its views. */
const GO_SPARE: unique symbol = Symbol("goSpare");

/** Gives a root array zero-valued storage between its length and cap, once. */
export function ensureSpare(base: GoValue[], cap: number, zero: GoValue): void {
  const b = base as { [GO_SPARE]?: GoValue[] };
  if (b[GO_SPARE] === undefined && cap > base.length) {
    b[GO_SPARE] = new Array<GoValue>(cap - base.length).fill(zero);
  }
}

/** Reads a slice's backing: a view's root array, or the array itself. */
export function backingOf(arr: GoValue[]): Backing {
  return (arr as { [GO_BACKING]?: Backing })[GO_BACKING] ?? { base: arr, off: 0 };
}

function indexOf(prop: string | symbol, len: number): number {
  if (typeof prop !== "string") return -1;
  const c = prop.charCodeAt(0);
  if (c < 48 || c > 57) return -1;
  const i = Number(prop);
  return Number.isInteger(i) && i >= 0 && i < len && String(i) === prop ? i : -1;
}

/**
 * A slice of type goType over base[off, off+len) with capacity cap; elements
 * past base's length live in its spare storage (see ensureSpare).
 */
export function sliceView(base: GoValue[], off: number, len: number, cap: number, goType: string): GoSlice {
  const spare = (base as { [GO_SPARE]?: GoValue[] })[GO_SPARE] ?? [];
  const n = base.length;
  const read = (j: number): GoValue => (j < n ? base[j] : spare[j - n]);
  const target: GoValue[] = [];
  target.length = len;
  const backing: Backing = { base, off };
  let type = goType;
  return new Proxy(target, {
    get(t, prop, receiver) {
      const i = indexOf(prop, len);
      if (i >= 0) return read(off + i);
      if (prop === "length") return len;
      if (prop === GO_TYPE) return type;
      if (prop === GO_CAP) return cap;
      if (prop === GO_BACKING) return backing;
      return Reflect.get(t, prop, receiver) as unknown;
    },
    set(t, prop, value, receiver) {
      const i = indexOf(prop, len);
      if (i >= 0) {
        if (off + i < n) base[off + i] = value as GoValue;
        else spare[off + i - n] = value as GoValue;
        return true;
      }
      if (prop === GO_TYPE) {
        type = value as string;
        return true;
      }
      // Slices never grow in templates; refuse anything that would change the header.
      if (prop === "length" || prop === GO_CAP || prop === GO_BACKING) return false;
      return Reflect.set(t, prop, value, receiver);
    },
    has(t, prop) {
      return indexOf(prop, len) >= 0 || Reflect.has(t, prop);
    },
    deleteProperty(_t, prop) {
      // Array.prototype.reverse deletes holes only; a view has none.
      return indexOf(prop, len) >= 0;
    },
    ownKeys(t) {
      const keys: (string | symbol)[] = [];
      for (let i = 0; i < len; i++) keys.push(String(i));
      for (const k of Reflect.ownKeys(t)) if (indexOf(k, len) < 0) keys.push(k);
      return keys;
    },
    getOwnPropertyDescriptor(t, prop) {
      const i = indexOf(prop, len);
      if (i >= 0) return { value: read(off + i), writable: true, enumerable: true, configurable: true };
      return Reflect.getOwnPropertyDescriptor(t, prop);
    },
  }) as GoSlice;
}
