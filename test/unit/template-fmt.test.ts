import { describe, expect, it } from "vitest";
import { sprint, sprintf } from "../../src/go/fmt.js";
import { htmlEscaper } from "../../src/template/escape.js";
import { GoComplex } from "../../src/template/convert.js";
import {
  GoNumber,
  GoStruct,
  KVPair,
  type GoFuncValue,
  nilSlice,
  tagMap,
  tagSlice,
  type GoValue,
} from "../../src/go/value.js";
import {
  bool,
  data,
  differences,
  float,
  int,
  kvPair,
  kvPairs,
  str,
  strings,
  type Arg,
  type Case,
} from "./template-fmt-harness.js";

const p = (format: string, ...args: Arg[]): Case => ({ func: "printf", format, args });

const INTS = [0, 1, -1, 7, 42, -42, 255, 1000, -65536, 9786, 0x1f600, 2147483647, -2147483648];
const BIG_INTS = [9223372036854775807n, -9223372036854775808n, 1n << 40n];
const INT_FORMATS = [
  "%d",
  "%5d",
  "%-5d|",
  "%05d",
  "%+d",
  "% d",
  "%+05d",
  "% 05d",
  "%.3d",
  "%8.3d",
  "%-8.3d|",
  "%08.3d",
  "%.0d",
  "%5.0d",
  "%x",
  "%X",
  "%#x",
  "%#X",
  "%08x",
  "%#08x",
  "%#-8x|",
  "%o",
  "%#o",
  "%O",
  "%#O",
  "%b",
  "%#b",
  "%010b",
  "%c",
  "%5c",
  "%-3c|",
  "%q",
  "%+q",
  "%#q",
  "%U",
  "%#U",
  "%.6U",
  "%10U",
  "%-10U|",
  "%010U",
  "%v",
  "%+v",
  "%#v",
  "%T",
  "%s",
  "%t",
  "%e",
  "%f",
  "%g",
  "%p",
  "%z",
  "%☠",
];
const FLOATS = [
  0,
  -0,
  1,
  -1,
  0.5,
  1.5,
  2.5,
  -2.5,
  0.125,
  0.1,
  0.2,
  0.3,
  1 / 3,
  2 / 3,
  3.14159,
  1e6,
  999999,
  1e21,
  1e20,
  1e-7,
  1e-5,
  1e-4,
  123456.789,
  12345678901,
  1.2345678901e10,
  1e100,
  1e-100,
  5e-324,
  1.7976931348623157e308,
  2.2250738585072014e-308,
  100,
  1000,
  0.000123,
  1.005,
  2.675,
  1.45,
  0.045,
  1234.5678,
  9.995,
  99.5,
  0.95,
  1e23,
  8.41e21,
  4.35,
  0.001,
];
const FLOAT_FORMATS = [
  "%v",
  "%+v",
  "%#v",
  "%T",
  "%e",
  "%E",
  "%f",
  "%F",
  "%g",
  "%G",
  "%.0f",
  "%.1f",
  "%.2f",
  "%.3f",
  "%.10f",
  "%.0e",
  "%.1e",
  "%.3e",
  "%.20e",
  "%.0g",
  "%.1g",
  "%.2g",
  "%.3g",
  "%.10g",
  "%.17g",
  "%.25g",
  "%8.2f",
  "%-8.2f|",
  "%08.2f",
  "%+08.2f",
  "% 08.2f",
  "%+.3e",
  "% g",
  "%+g",
  "%#g",
  "%#.3g",
  "%#e",
  "%#.0f",
  "%#.0e",
  "%#v",
  "%b",
  "%x",
  "%X",
  "%.3x",
  "%#x",
  "%10.4g",
  "%-12e|",
  "%012.3e",
  "%d",
  "%s",
  "%q",
  "%c",
  "%.60f",
  "%.100e",
  "%.30g",
];
const STRINGS = [
  "",
  "a",
  "héllo",
  'a"b\\c',
  "tab\there\n",
  "☺☻",
  "😀 x",
  "back`q",
  "\u0007\u007f",
  "\u00ad\u2028",
  "\ufeff",
  "<&>'\"=",
];
const STRING_FORMATS = [
  "%s",
  "%v",
  "%+v",
  "%#v",
  "%q",
  "%+q",
  "%#q",
  "%#+q",
  "%x",
  "%X",
  "% x",
  "%# x",
  "%#x",
  "% X",
  "%.2x",
  "%10x",
  "%-10x|",
  "%010x",
  "%5s",
  "%-5s|",
  "%05s",
  "%.2s",
  "%8.3s",
  "%.0s",
  "%10q",
  "%-10q|",
  "%.3q",
  "%T",
  "%d",
  "%t",
  "%c",
  "%U",
  "%e",
  "%p",
];

const tableCases: Case[] = [];
for (const f of INT_FORMATS) for (const n of INTS) tableCases.push(p(f, int(n)));
for (const f of ["%d", "%x", "%#o", "%b", "%v", "%020d", "%+.25d", "%c", "%q", "%U"])
  for (const n of BIG_INTS) tableCases.push(p(f, int(n)));
for (const f of FLOAT_FORMATS) for (const x of FLOATS) tableCases.push(p(f, float(x)));
for (const f of STRING_FORMATS) for (const s of STRINGS) tableCases.push(p(f, str(s)));
for (const f of ["%t", "%v", "%5t", "%-6t|", "%d", "%s", "%q", "%#v", "%T"])
  for (const b of [true, false]) tableCases.push(p(f, bool(b)));

const compositeCases: Case[] = [
  p("%v|%+v|%#v|%T|%s|%d|%q|%x", ...Array.from({ length: 8 }, () => kvPair("/app/k", "v 1"))),
  p(
    "%v|%#v|%T|%d|%s|%q|%x",
    ...Array.from({ length: 7 }, (_, i) =>
      kvPairs(`p${i}`, [
        ["b", "2"],
        ["a", "1"],
      ]),
    ),
  ),
  p("%v|%#v|%T|%+v", kvPairs("e", []), kvPairs("f", []), kvPairs("g", []), kvPairs("h", [["x", "y"]])),
  p("%v|%#v|%T|%q|%x|%X|%d|%s|%5s|%-4v|", ...Array.from({ length: 10 }, () => strings(["a", "b c", "é"]))),
  ...["%v", "%+v", "%#v", "%T", "%d", "%s", "%q", "%x", "%5v", "%.1f", "%t", "%e"].map((f) =>
    p(f, data({ b: 1, a: [1, "x", null, true, { z: 2.5 }], c: { z: 1.5, y: [] }, n: null, s: "str" })),
  ),
  ...["%v", "%#v", "%T", "%d", "%s", "%x", "%q", "%06.2f", "%g"].map((f) =>
    p(f, data([1, 2.5, -3, "a", null, [], {}, [1e21]])),
  ),
  ...["%v", "%#v", "%T", "%d", "%s", "%p"].map((f) => p(f, data(null))),
  p("%v %v", data({}), data([])),
  p("%v", data({ b: 1, a: 2, B: 3, é: 4, z: 5, "10": 6, "9": 7, "": 8 })),
  // argument handling
  p("%[2]d %[1]d", int(1), int(2)),
  p("%[2]d %d", int(1), int(2), int(3)),
  p("%[3]d", int(1), int(2)),
  p("%[0]d", int(1)),
  p("%[x]d", int(1)),
  p("%[1", int(1)),
  p("%[]d", int(1)),
  p("%[1]*d", int(5), int(1)),
  p("%[2]*[1]d", int(12), int(5)),
  p("%[1]2d", int(1)),
  p("%[1].2d", int(1)),
  p("%.[2]d", int(1), int(2)),
  p("%.[2]*d", int(1), int(3), int(4)),
  p("%*d", int(5), int(1)),
  p("%-*d|", int(5), int(1)),
  p("%*d", int(-5), int(1)),
  p("%*d", str("x"), int(1)),
  p("%*d", float(5), int(1)),
  p("%*d", int(10000000), int(1)),
  p("%.*f", int(2), float(3.14159)),
  p("%.*f", int(-2), float(3.14159)),
  p("%.*f", str("x"), float(3.14159)),
  p("%*.*f|", int(10), int(3), float(3.14159)),
  p("%*", int(1)),
  p("%d %d", int(1)),
  p("%d", int(1), int(2), str("x"), float(1.5), bool(true), data(null), data([1]), kvPair("/k", "v")),
  p("%d %s", int(1)),
  p("%", int(1)),
  p("abc%"),
  p("%!"),
  p("%%%d%%", int(3)),
  p("%5%|%-5%|%05%"),
  p("%.d", int(0)),
  p("%.", float(1)),
  p("%5.d|", int(0)),
  p("%1000001d", int(1)),
  p("%.1000001d", int(1)),
  p("no verbs", int(1)),
  p("%v %v", int(1)),
  p("%é %😀", int(1), int(2)),
  p("%!d(string=x)", str("y")),
  p("%s %s %s", str("a"), str("b"), str("c")),
  p("%-+# 0d|%0-5d|%-05d|", int(3), int(4), int(5)),
  p("%#v %#v %#v", int(1), str("a\nb"), bool(true)),
  p("%v%v%v", data("a"), int(1), float(2)),
];

/** Operands produced by confd functions inside the template. */
const seq123: Arg = { lit: "(seq 1 3)", value: tagSlice([1n, 2n, 3n], "[]int") };
const seqNil: Arg = { lit: "(seq 3 1)", value: nilSlice("[]int") };
const confdMap: Arg = {
  lit: '(map "b" 1 "a" "x" "c" (seq 1 2))',
  value: new Map<string, GoValue>([
    ["b", 1n],
    ["a", "x"],
    ["c", tagSlice([1n, 2n], "[]int")],
  ]),
};
const jsonObj: Arg = {
  lit: '(json "{\\"a\\":1,\\"b\\":[true,null]}")',
  value: data({ a: 1, b: [true, null] }).value,
};
const jsonArr: Arg = { lit: '(jsonArray "[1.5,\\"x\\",{}]")', value: data([1.5, "x", {}]).value };
for (const f of ["%v", "%+v", "%#v", "%T", "%d", "%s", "%x", "%q", "%5v", "%p" /* only nil */]) {
  if (f !== "%p") compositeCases.push(p(f, seq123), p(f, confdMap), p(f, jsonObj), p(f, jsonArr));
  compositeCases.push(p(f, seqNil));
}
compositeCases.push(
  p(
    "%v %v %T",
    { lit: '(atoi "42")', value: 42n },
    { lit: '(parseBool "true")', value: true },
    { lit: "(add 1 2)", value: 3n },
  ),
);

/** Complex constants (complex128 in Go), as the executor models them. */
const complexArg = (lit: string, re: number, im: number): Arg => ({
  lit,
  value: new GoComplex("complex128", re, im),
});
const COMPLEX = [
  complexArg("1i", 0, 1),
  complexArg("1.5+2i", 1.5, 2),
  complexArg("-1-0.25i", -1, -0.25),
  complexArg("3+0i", 3, 0),
  complexArg("1e21-1e-7i", 1e21, -1e-7),
];
for (const f of [
  "%v",
  "%+v",
  "%#v",
  "%T",
  "%g",
  "%.2f",
  "%8.3e",
  "%+.1f",
  "% g",
  "%x",
  "%b",
  "%d",
  "%s",
  "%010.2f",
  "%-12g|",
]) {
  for (const c of COMPLEX) compositeCases.push(p(f, c));
}
compositeCases.push(
  { func: "print", args: [COMPLEX[1]!, COMPLEX[2]!] },
  { func: "println", args: [COMPLEX[0]!, str("x")] },
);

const printCases: Case[] = [
  { func: "print", args: [] },
  { func: "print", args: [str("a"), str("b")] },
  { func: "print", args: [int(1), int(2)] },
  { func: "print", args: [str("a"), int(1), int(2), str("b"), float(1.5), bool(true), str("c")] },
  { func: "print", args: [data(null), data(null), int(1)] },
  { func: "print", args: [data([1, "a"]), data({ a: 1 }), kvPair("/k", "v"), strings(["x", "y"])] },
  { func: "print", args: [float(1e21), float(0.1), float(-0)] },
  { func: "println", args: [] },
  { func: "println", args: [str("a"), str("b"), int(1), data(null), float(2.5)] },
  { func: "println", args: [kvPairs("q", [["a", "1"]]), data({ x: [1, 2] })] },
];

const escapeCases: Case[] = [];
for (const func of ["html", "js", "urlquery"] as const) {
  for (const s of [
    "plain",
    "<a href=\"x\">'&'</a>",
    "nul\u0000byte",
    "a b+c/d?e=f&g#h%i~j_k.l-m",
    "é☺😀\u00ad\u2028\u0085\ufeff",
    "\t\n\r\u0001\u001f\u007f\\",
    "",
  ]) {
    escapeCases.push({ func, args: [str(s)] });
  }
  escapeCases.push({ func, args: [int(1), int(2)] });
  escapeCases.push({ func, args: [str("<"), int(1), str(">")] });
  escapeCases.push({ func, args: [data(null)] });
  escapeCases.push({ func, args: [int(1), data(null)] });
  escapeCases.push({ func, args: [kvPair("/k", "<v>")] });
  escapeCases.push({ func, args: [data({ a: "<b>" })] });
  escapeCases.push({ func, args: [float(1.5)] });
  escapeCases.push({ func, args: [strings(["a&b", "c"])] });
  escapeCases.push({ func, args: [] });
}

// One oracle batch per test; generous because the whole suite may share a busy machine.
const ORACLE_TIMEOUT = 240_000;

describe("fmt against the Go oracle", () => {
  it(
    `agrees on ${tableCases.length} scalar verb/flag cases`,
    () => {
      expect(differences(tableCases)).toEqual([]);
    },
    ORACLE_TIMEOUT,
  );
  it(
    `agrees on ${compositeCases.length} composite, argument-index and error cases`,
    () => {
      expect(differences(compositeCases)).toEqual([]);
    },
    ORACLE_TIMEOUT,
  );
  it(
    "agrees on print and println",
    () => {
      expect(differences(printCases)).toEqual([]);
    },
    ORACLE_TIMEOUT,
  );
  it(
    "agrees on html, js and urlquery",
    () => {
      expect(differences(escapeCases)).toEqual([]);
    },
    ORACLE_TIMEOUT,
  );
});

describe("fmt values the oracle cannot produce from a template", () => {
  // Expected values are Go 1.19's own (fmt/fmt_test.go and strconv), checked by hand.
  it("prints infinities and NaN", () => {
    const table: [string, number, string][] = [
      ["%f", Infinity, "+Inf"],
      ["%.1f", -Infinity, "-Inf"],
      ["% f", NaN, " NaN"],
      ["%20f", Infinity, "                +Inf"],
      ["% 20F", Infinity, "                 Inf"],
      ["% 20e", -Infinity, "                -Inf"],
      ["% 20x", -Infinity, "                -Inf"],
      ["% +20g", -Infinity, "                -Inf"],
      ["%+-20G", Infinity, "+Inf                "],
      ["%20e", NaN, "                 NaN"],
      ["% +20E", NaN, "                +NaN"],
      ["% -20g", NaN, " NaN                "],
      ["%+020e", Infinity, "                +Inf"],
      ["%-020f", -Infinity, "-Inf                "],
      ["%-020E", NaN, "NaN                 "],
      ["%v", NaN, "NaN"],
      ["%v", -Infinity, "-Inf"],
    ];
    for (const [f, x, want] of table) expect(sprintf(f, [x]), f).toBe(want);
  });
  it("prints float32 with its own shortest form", () => {
    const f32 = (x: number): GoNumber => new GoNumber("float32", Math.fround(x));
    expect(sprintf("%+.3F", [f32(-1)])).toBe("-1.000");
    expect(sprintf("%b", [f32(1)])).toBe("8388608p-23");
    expect(sprintf("%g", [f32(1234.5678e3)])).toBe("1.2345678e+06");
    expect(sprintf("%g", [f32(-1e-9)])).toBe("-1e-09");
    expect(sprintf("%v", [f32(1.2345678)])).toBe("1.2345678");
    expect(sprintf("%v", [f32(1 / 3)])).toBe("0.33333334");
    expect(sprintf("%#v", [f32(1000000)])).toBe("1e+06");
    expect(sprintf("%☠", [f32(1.2345678)])).toBe("%!☠(float32=1.2345678)");
    expect(sprintf("%T", [f32(1)])).toBe("float32");
  });
  it("prints sized and unsigned integers", () => {
    expect(
      sprintf("%v %#v %d %x", [
        new GoNumber("uint8", 10n),
        new GoNumber("uint8", 10n),
        new GoNumber("int64", -5n),
        new GoNumber("uint16", 65535n),
      ]),
    ).toBe("10 0xa -5 ffff");
    expect(sprintf("%T %T", [new GoNumber("uint8", 1n), new GoNumber("int64", 1n)])).toBe("uint8 int64");
    expect(
      sprintf("%v %x %#v %c", [
        new GoNumber("int64", 5),
        new GoNumber("int32", 255),
        new GoNumber("uint", 16),
        new GoNumber("rune", 65n),
      ]),
    ).toBe("5 ff 0x10 A");
    expect(sprintf("%*d|", [new GoNumber("uint8", 4n), 1n])).toBe("   1|");
  });
  it("prints nil slices and maps, typed maps and byte slices", () => {
    expect(sprintf("%v %#v %T", [nilSlice("[]int"), nilSlice("[]int"), nilSlice("[]int")])).toBe(
      "[] []int(nil) []int",
    );
    expect(sprintf("%v|%#v", [tagSlice([1n, 2n], "[]int"), tagSlice([1n, 2n], "[]int")])).toBe(
      "[1 2]|[]int{1, 2}",
    );
    const m = tagMap(
      new Map<string, GoValue>([
        ["b", "2"],
        ["a", "1"],
      ]),
      "map[string]string",
    );
    expect(sprintf("%v|%#v|%T", [m, m, m])).toBe(
      'map[a:1 b:2]|map[string]string{"a":"1", "b":"2"}|map[string]string',
    );
    const bytes = tagSlice([new GoNumber("uint8", 104n), new GoNumber("uint8", 105n)], "[]uint8");
    expect(sprintf("%s|%x|% X|%q|%v|%#v|%d", [bytes, bytes, bytes, bytes, bytes, bytes, bytes])).toBe(
      'hi|6869|68 69|"hi"|[104 105]|[]byte{0x68, 0x69}|[104 105]',
    );
  });
  it("uses a struct's String method for string verbs, as handleMethods does", () => {
    class Named extends GoStruct {
      readonly goType = "main.T";
      readonly fieldNames = ["N"] as const;
      N = 5n;
      override method(name: string): GoFuncValue | undefined {
        if (name !== "String") return undefined;
        return {
          kind: "func",
          goType: "func() string",
          fn: { name, params: [], results: "value", call: () => "five" },
        };
      }
    }
    const t = new Named();
    expect(sprintf("%v|%s|%q|%x|%+v|%#v|%d|%5s|", [t, t, t, t, t, t, t, t])).toBe(
      'five|five|"five"|66697665|five|main.T{N:5}|{5}| five|',
    );
    expect(sprint([tagSlice([t, t], "[]main.T")])).toBe("[five five]");
  });
  it("prints pointers to structs with & at the top level only", () => {
    class PtrKV extends KVPair {
      override readonly pointer = true;
    }
    const v = new PtrKV("/k", "v");
    expect(sprintf("%v|%+v|%#v|%T", [v, v, v, v])).toBe(
      '&{/k v}|&{Key:/k Value:v}|&memkv.KVPair{Key:"/k", Value:"v"}|*memkv.KVPair',
    );
    expect(sprintf("%v", [[v]])).toMatch(/^\[0xc[0-9a-f]+\]$/);
    expect(htmlEscaper([v, 1n])).toBe("{/k v} 1");
  });
});
