// Go slices share their backing array: `slice $a 1`, or sortKVByLength handing
// memkv.KVPairs back as []memkv.KVPair, are new slice headers over the same
// elements, so an in-place reverse/sort through one is visible through the
// other. A view is a Proxy that reads and writes the base array at an offset.

import { GO_CAP } from "./convert.js";
import { GO_TYPE, type GoSlice, type GoValue } from "./value.js";

/** Where a slice's elements live: the root array and this slice's offset in it. */
export const GO_BACKING: unique symbol = Symbol("goBacking");

export interface Backing {
  base: GoValue[];
  off: number;
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
 * A slice of type goType over base[off, off+len) with capacity cap; base must
 * hold every element up to off+cap (views never invent zero values).
 */
export function sliceView(base: GoValue[], off: number, len: number, cap: number, goType: string): GoSlice {
  const target: GoValue[] = [];
  target.length = len;
  const backing: Backing = { base, off };
  let type = goType;
  return new Proxy(target, {
    get(t, prop, receiver) {
      const i = indexOf(prop, len);
      if (i >= 0) return base[off + i];
      if (prop === "length") return len;
      if (prop === GO_TYPE) return type;
      if (prop === GO_CAP) return cap;
      if (prop === GO_BACKING) return backing;
      return Reflect.get(t, prop, receiver) as unknown;
    },
    set(t, prop, value, receiver) {
      const i = indexOf(prop, len);
      if (i >= 0) {
        base[off + i] = value as GoValue;
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
      if (i >= 0) return { value: base[off + i], writable: true, enumerable: true, configurable: true };
      return Reflect.getOwnPropertyDescriptor(t, prop);
    },
  }) as GoSlice;
}
