import { isUtf8 } from "node:buffer";
import { describe, expect, it } from "vitest";
import { canonical, goByteLength, goBytes, goString, goStringsEqual } from "../../src/go/gostring.js";

const hex = (h: string): Buffer => Buffer.from(h.replace(/ /g, ""), "hex");

describe("Go strings as JS strings (escaped bytes of invalid UTF-8)", () => {
  it("decodes valid UTF-8 as text and each invalid byte as U+DC80+(b-0x80)", () => {
    expect(goString(hex("61 e282ac 62"))).toBe("a€b");
    expect(goString(hex("ff"))).toBe("\udcff");
    // a truncated sequence: each byte on its own, as utf8.DecodeRune reads it
    expect(goString(hex("e2 82 41"))).toBe("\udce2\udc82A");
    // surrogate code points, overlong forms and values above U+10FFFF are invalid in Go
    expect(goString(hex("eda080"))).toBe("\udced\udca0\udc80");
    expect(goString(hex("c0af"))).toBe("\udcc0\udcaf");
    expect(goString(hex("e08080"))).toBe("\udce0\udc80\udc80");
    expect(goString(hex("f4908080"))).toBe("\udcf4\udc90\udc80\udc80");
    expect(goString(hex("f48fbfbf"))).toBe("\u{10FFFF}");
    expect(goString(hex("ef bb bf 41"))).toBe("\ufeffA");
  });

  it("round-trips any bytes, and is well-formed exactly for valid UTF-8", () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    // bytes biased towards UTF-8 lead and continuation bytes, so that valid and invalid sequences mix
    const pool = [
      0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
    ];
    for (let k = 0; k < 3000; k++) {
      const b = Buffer.from(
        Array.from({ length: rnd(9) }, () => (rnd(4) === 0 ? rnd(256) : pool[rnd(pool.length)]!)),
      );
      const s = goString(b);
      expect(goBytes(s).equals(b), b.toString("hex")).toBe(true);
      expect(s.isWellFormed(), b.toString("hex")).toBe(isUtf8(b));
      expect(goByteLength(s)).toBe(b.length);
      expect(canonical(s)).toBe(s);
    }
  });

  it("encodes a lone surrogate that is no escaped byte as U+FFFD", () => {
    expect(goBytes("a\ud800b\udc00").toString("hex")).toBe("61efbfbd62efbfbd");
  });

  it("reads escaped bytes that join into valid UTF-8 as that text", () => {
    const joined = "\udcc2" + "\udca9";
    expect(canonical(joined)).toBe("©");
    expect(goStringsEqual(joined, "©")).toBe(true);
    expect(goStringsEqual("\udcff", "\ufffd")).toBe(false);
    expect(goByteLength(joined)).toBe(2);
  });
});
