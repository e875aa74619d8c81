// Slice views share their root array's elements, like Go slice headers over one backing array.
import { describe, expect, it } from "vitest";
import { GO_CAP } from "../../src/template/convert.js";
import { backingOf, ensureSpare, sliceView } from "../../src/template/slice-view.js";
import { GO_TYPE, goTypeName, type GoValue } from "../../src/go/value.js";

describe("sliceView", () => {
  it("reads and writes through to the root array at its offset", () => {
    const root: GoValue[] = ["a", "b", "c", "d"];
    const v = sliceView(root, 1, 2, 3, "[]string");
    expect(Array.isArray(v)).toBe(true);
    expect(v.length).toBe(2);
    expect([...v]).toEqual(["b", "c"]);
    expect(goTypeName(v)).toBe("[]string");
    expect((v as { [GO_CAP]?: number })[GO_CAP]).toBe(3);
    v.reverse();
    expect(root).toEqual(["a", "c", "b", "d"]);
    root[1] = "x";
    expect(v[0]).toBe("x");
    expect(v[2]).toBeUndefined();
    expect(backingOf(v)).toEqual({ base: root, off: 1 });
  });

  it("keeps its own type tag while sharing elements", () => {
    const root: GoValue[] = ["a"];
    const v = sliceView(root, 0, 1, 1, "memkv.KVPairs");
    v[GO_TYPE] = "[]memkv.KVPair";
    expect(goTypeName(v)).toBe("[]memkv.KVPair");
    expect(goTypeName(root)).toBe("[]interface {}");
  });

  it("stores elements between a root's length and cap in shared spare storage", () => {
    const root: GoValue[] = ["a", "b"];
    ensureSpare(root, 4, "");
    const wide = sliceView(root, 0, 4, 4, "[]string");
    const tail = sliceView(root, 2, 2, 2, "[]string");
    expect([...wide]).toEqual(["a", "b", "", ""]);
    tail[1] = "z";
    expect(wide[3]).toBe("z");
    expect([...root]).toEqual(["a", "b"]);
    wide.reverse();
    expect([...root]).toEqual(["z", ""]);
    expect([...tail]).toEqual(["b", "a"]);
  });

  it("refuses to change its length", () => {
    const v = sliceView(["a", "b"], 0, 2, 2, "[]string");
    expect(() => {
      "use strict";
      (v as GoValue[]).length = 5;
    }).toThrow(TypeError);
  });
});
