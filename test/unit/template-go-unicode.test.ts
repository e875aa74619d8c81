// The letter/digit tables in src/go/unicode.ts must be exactly Go 1.19's: regenerate them with the
// Go toolchain the oracle uses and compare.
import { describe, expect, it } from "vitest";
import { runGoProgram } from "../harness/go.js";
import {
  DIGIT_RANGES_ENCODED,
  isGoDigit,
  isGoLetter,
  isGoodFuncName,
  LETTER_RANGES_ENCODED,
} from "../../src/go/unicode.js";

const GENERATOR = `package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

func enc(pred func(rune) bool) string {
	var parts []string
	prev := 0x7f
	in := false
	start := 0
	for r := 0x80; r <= unicode.MaxRune+1; r++ {
		p := r <= unicode.MaxRune && pred(rune(r))
		if p && !in {
			start = r
			in = true
		} else if !p && in {
			parts = append(parts, strconv.FormatInt(int64(start-prev), 36)+"."+strconv.FormatInt(int64(r-start), 36))
			prev = r - 1
			in = false
		}
	}
	return strings.Join(parts, ",")
}

func main() {
	fmt.Println(unicode.Version)
	fmt.Println(enc(unicode.IsLetter))
	fmt.Println(enc(unicode.IsDigit))
}
`;

describe("Go 1.19 unicode tables", () => {
  it("match unicode.IsLetter / unicode.IsDigit of the Go toolchain", () => {
    const out = runGoProgram(GENERATOR);
    const [version, letters, digits] = out.split("\n");
    expect(version).toBe("13.0.0");
    expect(letters).toBe(LETTER_RANGES_ENCODED);
    expect(digits).toBe(DIGIT_RANGES_ENCODED);
  });
  it("classifies code points Unicode 14/15 added as non-letters", () => {
    expect(isGoLetter(0x41)).toBe(true);
    expect(isGoLetter(0xe9)).toBe(true);
    expect(isGoLetter(0x4e2d)).toBe(true);
    expect(isGoLetter(0x10782)).toBe(false);
    expect(isGoLetter(0xa7d3)).toBe(false);
    expect(isGoLetter(0x1cf56)).toBe(false);
    expect(isGoDigit(0x39)).toBe(true);
    expect(isGoDigit(0x661)).toBe(true);
    expect(isGoDigit(0x41)).toBe(false);
  });
  it("validates function names like text/template's goodName", () => {
    expect(isGoodFuncName("getv")).toBe(true);
    expect(isGoodFuncName("_x1")).toBe(true);
    expect(isGoodFuncName("été")).toBe(true);
    expect(isGoodFuncName("")).toBe(false);
    expect(isGoodFuncName("1x")).toBe(false);
    expect(isGoodFuncName("a-b")).toBe(false);
    expect(isGoodFuncName("x\u{10782}")).toBe(false);
  });
});
