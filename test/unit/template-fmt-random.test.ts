// Randomised differential test: fast-check generates format strings and operands, Go's
// text/template (the oracle) renders them in one batch, and every output must match ours.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GoComplex } from "../../src/template/convert.js";
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

const SEED = Number(process.env.FMT_SEED ?? 20191);
const RUNS = Number(process.env.FMT_RUNS ?? 4000);
const TIMEOUT = 120_000 + RUNS * 40;

const CHARS = [
  "a",
  "Z",
  "0",
  " ",
  '"',
  "\\",
  "`",
  "'",
  "<",
  ">",
  "&",
  "=",
  "%",
  "+",
  "/",
  "?",
  "#",
  "\n",
  "\t",
  "\u0000",
  "\u0007",
  "\u001f",
  "\u007f",
  "\u0085",
  "é",
  "☺",
  "😀",
  "\u00ad",
  "\u2028",
  "\ufeff",
  "\u0300",
  "\u{10ffff}",
  "\ufffd",
  "\u{e0001}",
  "ÿ",
];
const goString = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 8 });
const kvWord = fc.string({ unit: fc.constantFrom("a", "b", "x", "1", "-", "é"), minLength: 1, maxLength: 3 });

const INTERESTING_FLOATS = [
  0, -0, 0.5, 1.5, 2.5, -2.5, 0.125, 1e21, 1e20, 1e-7, 123456.789, 1e6, 999999.5, 5e-324,
  1.7976931348623157e308,
];
const floatValue = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(...INTERESTING_FLOATS),
  fc.integer({ min: -4000, max: 4000 }).map((n) => n / 8),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 1000),
  fc
    .tuple(fc.integer({ min: 1, max: 99999 }), fc.integer({ min: -30, max: 30 }))
    .map(([m, e]) => Number(`${m}e${e}`)),
);
const intValue = fc.oneof(
  fc.integer({ min: -300, max: 300 }).map(BigInt),
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  fc.constantFrom(65n, 9786n, 0x1f600n, 0x10ffffn, 0x110000n, 0xd800n, 0x7fn, 0xadn),
);
const jsonLeaf = fc.oneof(goString, floatValue, fc.boolean(), fc.constant(null));
const jsonValue = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    jsonLeaf,
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(goString, tie("v"), { maxKeys: 3 }),
  ),
})).v;

/** Operands are built from their position so `gets` prefixes never collide within a case. */
const argMaker: fc.Arbitrary<(i: number) => Arg> = fc.oneof(
  intValue.map((n) => () => int(n)),
  floatValue.map((x) => () => float(x)),
  goString.map((s) => () => str(s)),
  fc.boolean().map((b) => () => bool(b)),
  jsonValue.map((j) => () => data(j)),
  fc.tuple(kvWord, goString).map(
    ([k, v]) =>
      (i: number) =>
        kvPair(`/k${i}/${k}`, v),
  ),
  fc.array(fc.tuple(kvWord, goString), { maxLength: 3 }).map((pairs) => (i: number) => {
    const unique = [...new Map(pairs).entries()];
    return kvPairs(`p${i}`, unique);
  }),
  fc
    .array(fc.string({ unit: fc.constantFrom("a", "b", " ", "é", "<"), maxLength: 3 }), {
      minLength: 1,
      maxLength: 3,
    })
    .map((parts) => () => strings(parts)),
);
const eighths = fc.integer({ min: -400, max: 400 }).map((n) => n / 8);
const complexMaker: fc.Arbitrary<(i: number) => Arg> = fc.tuple(eighths, eighths).map(([re, im]) => () => ({
  lit: `${re}${im < 0 ? "-" : "+"}${Math.abs(im)}i`,
  value: new GoComplex("complex128", re, im),
}));
const argsArb = fc
  .array(fc.oneof({ weight: 8, arbitrary: argMaker }, { weight: 1, arbitrary: complexMaker }), {
    maxLength: 5,
  })
  .map((makers) => makers.map((m, i) => m(i)));

const flags = fc.array(fc.constantFrom("-", "+", "#", "0", " "), { maxLength: 4 }).map((f) => f.join(""));
const index = fc.constantFrom("", "", "", "", "[1]", "[2]", "[3]", "[0]", "[9]", "[x]", "[", "[]");
const width = fc.oneof(
  fc.constant(""),
  fc.constant(""),
  fc.integer({ min: 0, max: 30 }).map(String),
  fc.constantFrom("*", "[1]*", "[2]*"),
);
const precision = fc.oneof(
  fc.constant(""),
  fc.constant(""),
  fc.integer({ min: 0, max: 30 }).map((n) => `.${n}`),
  fc.constantFrom(".", ".*", ".[1]*", ".[2]*"),
);
const verb = fc.constantFrom(..."vvvvdddssqxXobOeEfFgGtcUT%z!w".split(""), "é", "");
const directive = fc.tuple(flags, index, width, precision, index, verb).map((parts) => "%" + parts.join(""));
const literal = fc.constantFrom("", "x", " ", "|", "é", "😀", "%%", "]");
const formatArb = fc
  .array(fc.oneof(directive, directive, literal), { minLength: 1, maxLength: 4 })
  .map((p) => p.join(""));

const printfCase: fc.Arbitrary<Case> = fc
  .tuple(formatArb, argsArb)
  .map(([format, args]) => ({ func: "printf", format, args }));
const otherCase: fc.Arbitrary<Case> = fc
  .tuple(fc.constantFrom("print", "println", "html", "js", "urlquery") as fc.Arbitrary<Case["func"]>, argsArb)
  .map(([func, args]) => ({ func, args }));

/** Floats whose exact decimal expansion is short, so rounding often hits an exact tie. */
const tieFloat = fc.oneof(
  fc
    .tuple(fc.integer({ min: -100000, max: 100000 }), fc.integer({ min: 0, max: 14 }))
    .map(([m, k]) => m / 2 ** k),
  fc
    .tuple(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 0, max: 25 }))
    .map(([m, e]) => m * 10 ** e + 5 * 10 ** Math.max(e - 1, 0)),
  floatValue,
);
const floatDirective = fc
  .tuple(
    fc.constantFrom("", "+", " ", "#", "0", "-", "#0"),
    fc.constantFrom("", "8", "12"),
    fc.integer({ min: 0, max: 20 }),
    fc.constantFrom(..."eEfFgGv"),
  )
  .map(([f, w, prec, v]) => `%${f}${w}.${prec}${v}|`);
const floatCase: fc.Arbitrary<Case> = fc
  .tuple(fc.array(floatDirective, { minLength: 1, maxLength: 4 }), tieFloat)
  .map(([dirs, x]) => ({ func: "printf", format: dirs.join(""), args: dirs.map(() => float(x)) }));

describe(`fmt fuzzing against the Go oracle (seed ${SEED})`, () => {
  it(
    `agrees on ${RUNS} random printf calls`,
    () => {
      const cases = fc.sample(printfCase, { seed: SEED, numRuns: RUNS });
      expect(differences(cases).slice(0, 10)).toEqual([]);
    },
    TIMEOUT,
  );
  it(
    `agrees on ${Math.floor(RUNS / 4)} random print/println/html/js/urlquery calls`,
    () => {
      const cases = fc.sample(otherCase, { seed: SEED + 1, numRuns: Math.floor(RUNS / 4) });
      expect(differences(cases).slice(0, 10)).toEqual([]);
    },
    TIMEOUT,
  );
  it(
    `agrees on ${Math.floor(RUNS / 2)} random float precision/rounding calls`,
    () => {
      const cases = fc.sample(floatCase, { seed: SEED + 2, numRuns: Math.floor(RUNS / 2) });
      expect(differences(cases).slice(0, 10)).toEqual([]);
    },
    TIMEOUT,
  );
});
