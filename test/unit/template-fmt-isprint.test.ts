// The IsPrint table in fmt-isprint.ts must be exactly Go's: regenerate it with the Go
// toolchain the oracle uses and compare.
import { describe, expect, it } from "vitest";
import { isPrint, PRINT_RANGES_ENCODED } from "../../src/go/fmt-isprint.js";
import { runGoProgram } from "../harness/go.js";

const GENERATOR = `package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

func main() {
	var parts []string
	prev := 0x7f
	in := false
	start := 0
	for r := 0x80; r <= unicode.MaxRune+1; r++ {
		p := r <= unicode.MaxRune && strconv.IsPrint(rune(r))
		if r <= unicode.MaxRune && p != unicode.IsPrint(rune(r)) {
			panic("strconv.IsPrint and unicode.IsPrint differ")
		}
		if p && !in {
			start = r
			in = true
		} else if !p && in {
			parts = append(parts, strconv.FormatInt(int64(start-prev), 36)+"."+strconv.FormatInt(int64(r-start), 36))
			prev = r - 1
			in = false
		}
	}
	fmt.Print(strings.Join(parts, ","))
}
`;

describe("isPrint", () => {
  it("matches Go's strconv.IsPrint table", () => {
    const out = runGoProgram(GENERATOR);
    expect(out).toBe(PRINT_RANGES_ENCODED);
  });
  it("classifies ASCII and a few known code points", () => {
    expect(isPrint(0x20)).toBe(true);
    expect(isPrint(0x7f)).toBe(false);
    expect(isPrint(0x1f)).toBe(false);
    expect(isPrint(0xe9)).toBe(true);
    expect(isPrint(0xad)).toBe(false);
    expect(isPrint(0x2028)).toBe(false);
    expect(isPrint(0x1f600)).toBe(true);
    expect(isPrint(0x10ffff)).toBe(false);
  });
});
