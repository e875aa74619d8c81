// Random templates + data + kv for the differential generator test. Templates
// come from a grammar of Go text/template constructs with confd's functions;
// a share of them are mutated into (probably) invalid ones, so that error
// messages and positions are compared too.
import fc from "fast-check";
import { join as pathJoin } from "../../src/go/path.js";
import type { DiffCase } from "./case-types.js";

const FIELDS = [
  ".",
  "$",
  ".a",
  ".b",
  ".c",
  ".m",
  ".m.x",
  ".m.y",
  ".n",
  ".nope",
  ".s",
  ".fl",
  ".t",
  ".f",
  ".list",
  ".e",
  ".em",
  "$.a",
  ".zero",
  ".str0",
  ".neg",
  ".a.b",
  ".m.x.y",
  ".m.nope",
  ".x",
];
const VARS = ["$x", "$i", "$v", "$y"];
const LITERALS = [
  "0",
  "1",
  "2",
  "3",
  "-1",
  "7",
  "42",
  "0x1F",
  "0b11",
  "0o7",
  "017",
  "1_000",
  "1.5",
  "0.1",
  "1e3",
  "-2.5",
  "1e21",
  "2.0",
  "0.000001",
  '"a"',
  '"hello world"',
  '""',
  '"/app/servers/*"',
  '"/app/*"',
  '"/*"',
  '"/app"',
  '"/app/x"',
  '"/app/"',
  '"["',
  '":"',
  '","',
  '"a,b,c"',
  '"ccc,a,bb,dd"',
  '"true"',
  '"42"',
  '"x"',
  '"é✓"',
  '"a\\tb"',
  "`raw`",
  "'a'",
  "true",
  "false",
  "nil",
  '"{\\"a\\":1}"',
  '"[1,2]"',
  '"aGk="',
];
const FORMATS = [
  '"%v"',
  '"%d"',
  '"%s"',
  '"%q"',
  '"%x"',
  '"%5.2f"',
  '"%-4v|"',
  '"%+v"',
  '"%#v"',
  '"%T"',
  '"%v %v"',
  '"%[2]v %[1]v"',
  '"%e"',
  '"%g"',
  '"%t"',
  '"%c"',
  '"%08.3f"',
  '"%%"',
  '"%!"',
  '"%*d"',
  '"%U"',
  '"%o"',
  '"%b"',
  '"% x"',
  '"%.1s"',
];
const FUNCS: [string, number][] = [
  ["and", 2],
  ["or", 2],
  ["not", 1],
  ["len", 1],
  ["index", 2],
  ["slice", 2],
  ["print", 2],
  ["println", 1],
  ["html", 1],
  ["js", 1],
  ["urlquery", 1],
  ["eq", 2],
  ["ne", 2],
  ["lt", 2],
  ["le", 2],
  ["gt", 2],
  ["ge", 2],
  ["get", 1],
  ["gets", 1],
  ["getv", 1],
  ["getv", 2],
  ["getvs", 1],
  ["ls", 1],
  ["lsdir", 1],
  ["exists", 1],
  ["base", 1],
  ["dir", 1],
  ["split", 2],
  ["join", 2],
  ["json", 1],
  ["jsonArray", 1],
  ["map", 2],
  ["toUpper", 1],
  ["toLower", 1],
  ["contains", 2],
  ["replace", 4],
  ["trimSuffix", 2],
  ["base64Encode", 1],
  ["base64Decode", 1],
  ["parseBool", 1],
  ["reverse", 1],
  ["sortByLength", 1],
  ["sortKVByLength", 1],
  ["add", 2],
  ["sub", 2],
  ["div", 2],
  ["mod", 2],
  ["mul", 2],
  ["atoi", 1],
  ["getenv", 1],
];

const INT64_LITERAL = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);

// Go accepts JavaScript's shortest float spelling (1.5, 1e+21, 5e-324) as a literal.
const FLOAT_LITERAL = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => {
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
});

// JSON string syntax is a subset of Go's interpreted string literals (for valid UTF-16).
const STRING_LITERAL = fc.string({ maxLength: 8, unit: "grapheme" }).map((x) => JSON.stringify(x));

const RANDOM_FORMAT = fc
  .tuple(
    fc.constantFrom("", "x", "a b "),
    fc.subarray(["-", "+", "#", " ", "0"]),
    fc.option(fc.integer({ min: 0, max: 12 })),
    fc.option(fc.integer({ min: 0, max: 8 })),
    // No %p: it prints addresses.
    fc.constantFrom(..."vdsqxXobeEfFgGtcUT%z"),
    fc.constantFrom("", "|", " %v"),
  )
  .map(
    ([pre, flags, w, p, verb, post]) =>
      `"${pre}%${flags.join("")}${w ?? ""}${p === null ? "" : "." + p}${verb}${post}"`,
  );

interface Pieces {
  operand: string;
  command: string;
  pipeline: string;
  body: string;
}

const arbs = fc.letrec<Pieces>((looseTie) => {
  const tie = (k: keyof Pieces): fc.Arbitrary<string> => looseTie(k) as fc.Arbitrary<string>;
  return {
    operand: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...FIELDS) },
      { weight: 1, arbitrary: fc.constantFrom(...VARS) },
      { weight: 5, arbitrary: fc.constantFrom(...LITERALS) },
      { weight: 1, arbitrary: fc.integer({ min: -20, max: 40 }).map(String) },
      { weight: 1, arbitrary: INT64_LITERAL },
      { weight: 1, arbitrary: FLOAT_LITERAL },
      { weight: 1, arbitrary: STRING_LITERAL },
      { weight: 2, arbitrary: tie("pipeline").map((p) => `(${p})`) },
      { weight: 1, arbitrary: tie("pipeline").map((p) => `(${p}).Key`) },
    ),
    command: fc.oneof(
      { weight: 3, arbitrary: tie("operand") },
      {
        weight: 4,
        arbitrary: fc
          .tuple(
            fc.constantFrom(...FUNCS),
            fc.oneof(
              { weight: 8, arbitrary: fc.constant(0) },
              { weight: 1, arbitrary: fc.constantFrom(-1, 1) },
            ),
            fc.array(tie("operand"), { minLength: 4, maxLength: 4 }),
          )
          .map(([[name, arity], delta, args]) =>
            [name, ...args.slice(0, Math.max(0, arity + (delta === 1 ? 1 : 0)))].join(" "),
          ),
      },
      {
        // seq's arguments stay small (mod 60): Go would build a slice as long as the range.
        weight: 1,
        arbitrary: fc
          .tuple(tie("operand"), tie("operand"))
          .map(([a, b]) => `seq (mod ${a} 60) (mod ${b} 60)`),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            fc.oneof(fc.constantFrom(...FORMATS), RANDOM_FORMAT),
            fc.array(tie("operand"), { maxLength: 3 }),
          )
          .map(([f, args]) => ["printf", f, ...args].join(" ")),
      },
    ),
    pipeline: fc
      .tuple(
        tie("command"),
        fc.array(
          fc.oneof(
            {
              weight: 1,
              arbitrary: fc
                .tuple(fc.constantFrom(...FUNCS), fc.array(tie("operand"), { minLength: 3, maxLength: 3 }))
                .map(([[name, arity], args]) => [name, ...args.slice(0, Math.max(0, arity - 1))].join(" ")),
            },
            {
              weight: 3,
              arbitrary: fc.constantFrom(
                "len",
                "print",
                'printf "%v"',
                "html",
                "not",
                "base",
                "toUpper",
                'split ","',
                "index .c",
                'printf "%d"',
                'eq "x"',
              ),
            },
          ),
          { maxLength: 2 },
        ),
      )
      .map(([first, rest]) => [first, ...rest].join(" | ")),
    body: fc
      .array(
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom("a", " ", "\n", "x y", "}}", "-", "é", "\t") },
          {
            weight: 6,
            arbitrary: fc
              .tuple(
                fc.boolean(),
                fc.constantFrom("", "", "", "", "$x := ", "$x = ", "$v := "),
                tie("pipeline"),
                fc.boolean(),
              )
              .map(([l, decl, p, r]) => `{{${l ? "- " : ""}${decl}${p}${r ? " -" : ""}}}`),
          },
          { weight: 1, arbitrary: fc.constant("{{/* c */}}") },
          {
            weight: 2,
            arbitrary: fc
              .tuple(tie("pipeline"), tie("body"), fc.option(tie("pipeline")), fc.option(tie("body")))
              .map(
                ([p, b, elifP, elseB]) =>
                  `{{if ${p}}}${b}${elifP !== null ? `{{else if ${elifP}}}${b}` : ""}${elseB !== null ? `{{else}}${elseB}` : ""}{{end}}`,
              ),
          },
          {
            weight: 2,
            arbitrary: fc
              .tuple(
                fc.constantFrom("", "$v := ", "$i, $v := "),
                tie("pipeline"),
                tie("body"),
                fc.constantFrom("", "", "{{break}}", "{{continue}}", "{{if $i}}{{break}}{{end}}"),
                fc.option(tie("body")),
              )
              .map(
                ([decl, p, b, ctl, elseB]) =>
                  `{{range ${decl}${p}}}${b}${ctl}${elseB !== null ? `{{else}}${elseB}` : ""}{{end}}`,
              ),
          },
          {
            weight: 1,
            arbitrary: fc
              .tuple(tie("pipeline"), tie("body"), fc.option(tie("body")))
              .map(([p, b, e]) => `{{with ${p}}}${b}${e !== null ? `{{else}}${e}` : ""}{{end}}`),
          },
        ),
        { maxLength: 4 },
      )
      .map((xs) => xs.join("")),
  };
});

const PRELUDE = '{{$x := .a}}{{$v := "v"}}{{$i := 0}}{{$y := .c}}';

const TEMPLATE_CORE = fc.oneof(
  { weight: 8, arbitrary: arbs.body },
  {
    weight: 1,
    arbitrary: fc
      .tuple(arbs.body, arbs.body, arbs.pipeline)
      .map(([def, main, arg]) => `{{define "T"}}${PRELUDE}${def}{{end}}${main}{{template "T" ${arg}}}`),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(arbs.pipeline, arbs.body).map(([p, b]) => `{{block "B" ${p}}}${PRELUDE}${b}{{end}}`),
  },
);

const TEMPLATE = fc.tuple(fc.boolean(), TEMPLATE_CORE).map(([prelude, t]) => (prelude ? PRELUDE + t : t));

const MUTATIONS = ["{{", "}}", "{{end}}", ")", "(", "|", "$", '"', "{{else}}", " := ", "{{range .c}}", "."];

const MUTATED = fc
  .tuple(TEMPLATE, fc.nat(), fc.constantFrom(...MUTATIONS), fc.boolean())
  .map(([t, pos, ins, del]) => {
    const i = t.length === 0 ? 0 : pos % (t.length + 1);
    return del ? t.slice(0, i) + t.slice(i + 1) : t.slice(0, i) + ins + t.slice(i);
  });

const SCALAR = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom("", "x", "two", "a,b", "<&>", "é", "10.0.0.1:80", "/app/servers/a"),
  fc.boolean(),
  fc.constant(null),
);

const VALUE: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    SCALAR,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom("a", "b", "x", "y", "Key", "name"), tie("v"), { maxKeys: 4 }),
  ),
})).v;

export const FIXED_DATA = {
  a: 1,
  b: "two",
  c: [1, 2, 3],
  m: { x: 1, y: "z" },
  t: true,
  f: false,
  n: null,
  s: ["b", "a", "c"],
  e: [],
  em: {},
  fl: 1.5,
  zero: 0,
  str0: "",
  neg: -3,
  list: [
    { Key: "k1", name: "x" },
    { Key: "k2", name: "y" },
  ],
};

const DATA = fc.oneof(
  { weight: 3, arbitrary: fc.constant(FIXED_DATA as unknown) },
  {
    weight: 2,
    arbitrary: fc.dictionary(fc.constantFrom("a", "b", "c", "m", "n", "s", "x", "t", "list"), VALUE, {
      maxKeys: 6,
    }),
  },
  { weight: 1, arbitrary: VALUE },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const KV = fc.option(
  fc.dictionary(
    fc.constantFrom(
      "/app/servers/a",
      "/app/servers/b",
      "/app/servers/cc",
      "/app/x",
      "/app",
      "/top",
      "/a/b/c",
      "/names/x",
    ),
    fc.constantFrom("10.0.0.1:80", "v", "", "1", "a:b:c", "42", '{"a":1}', "[1,2]", "true"),
    { maxKeys: 6 },
  ),
  { nil: undefined },
);

// Store-focused cases: random key trees and random patterns/dirs through every
// store function, so memkv's corners and path.Match are fuzzed against Go.
const SEGMENT = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("a", "b", "ab", "app", "srv", "x1", "é", "😀", "a.b") },
  { weight: 1, arbitrary: fc.constantFrom("", ".", "..", "*", "?", "[x]", "a b") },
);
const KEY = fc.array(SEGMENT, { minLength: 1, maxLength: 4 }).map((xs) => "/" + xs.join("/"));
const STORE_KV = fc.dictionary(KEY, fc.constantFrom("1", "22", "333", "v", "", "a:b", "é"), { maxKeys: 10 });
const PATTERN_PART = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      "a",
      "b",
      "app",
      "*",
      "?",
      "[ab]",
      "[^a]",
      "[a-z]*",
      "\\*",
      "é",
      "😀",
      "x1",
      "",
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom("[", "\\", "[]", "[a-]") },
);
const PATTERN = fc
  .array(PATTERN_PART, { minLength: 1, maxLength: 4 })
  .map((xs) => JSON.stringify("/" + xs.join("/")));
const DIR = fc
  .oneof(KEY, fc.constantFrom("/", "", "/a/", "a", "/app//", "/a/..", "//"))
  .map((d) => JSON.stringify(d));

function storeActions(keys: string[]): fc.Arbitrary<string> {
  // Keys that exist (so get succeeds and the rest of the template runs) or parts of them.
  // Keys as the store holds them (rooted and cleaned, like confd's loader).
  const cleaned = keys.map((k) => pathJoin("/", k.replace(/^\//, "")));
  const known = cleaned.length > 0 ? fc.constantFrom(...cleaned) : KEY;
  // Patterns that match some keys: known keys with segments turned into wildcards.
  const derived = fc
    .tuple(
      known,
      fc.array(fc.constantFrom("keep", "keep", "*", "?*", "[a-z]*", "*[!]"), { minLength: 5, maxLength: 5 }),
    )
    .map(([k, how]) =>
      JSON.stringify(
        k
          .split("/")
          .map((seg, i) => (i === 0 || how[i] === "keep" ? seg : how[i] === "*[!]" ? "*" : how[i]))
          .join("/"),
      ),
    );
  const pattern = fc.oneof(PATTERN, derived, derived);
  const knownDir = known.map((k) => k.slice(0, Math.max(1, k.lastIndexOf("/"))));
  const q = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => a.map((x) => JSON.stringify(x));
  // In-place reverse/sort through slices that share a backing array (Go slice headers).
  const source = fc.oneof(
    pattern.map((p) => `gets ${p}`),
    pattern.map((p) => `getvs ${p}`),
    q(knownDir).map((d) => `ls ${d}`),
    fc.constantFrom('split "ccc,a,bb,dddd" ","', "seq 1 3"),
  );
  const op = fc.tuple(
    fc.constantFrom("reverse", "sortByLength", "sortKVByLength", "slice", "slice", "slice"),
    fc.nat(9),
    fc.array(fc.nat(6), { minLength: 1, maxLength: 3 }),
  );
  const aliasing = fc.tuple(source, fc.array(op, { minLength: 1, maxLength: 5 })).map(([src, ops]) => {
    const vars = ["$a"];
    let t = `{{$a := ${src}}}`;
    ops.forEach(([name, pick, idx], i) => {
      const v = vars[pick % vars.length]!;
      const args = name === "slice" ? [...idx].sort((x, y) => x - y).join(" ") : "";
      t += `{{$v${i} := ${name} ${v}${args ? " " + args : ""}}}`;
      vars.push(`$v${i}`);
    });
    return t + `{{printf "${vars.map(() => "%v").join("|")}" ${vars.join(" ")}}}`;
  });
  return fc.oneof(
    aliasing,
    pattern.map((p) => `{{range gets ${p}}}{{.Key}}={{.Value}};{{end}}`),
    pattern.map((p) => `{{getvs ${p}}}`),
    pattern.map((p) => `{{range sortKVByLength (gets ${p})}}{{.Key}} {{end}}`),
    pattern.map((p) => `{{reverse (sortByLength (getvs ${p}))}}`),
    fc.oneof(DIR, q(knownDir)).map((d) => `{{ls ${d}}} {{lsdir ${d}}}`),
    q(knownDir).map((d) => `{{range lsdir ${d}}}{{.}}:{{ls (printf "%s/%s" ${d} .)}} {{end}}`),
    fc.oneof(DIR, q(known)).map((d) => `{{exists ${d}}} {{getv ${d} "dflt"}}`),
    q(known).map((k) => `{{with get ${k}}}{{.Key}} {{base .Key}} {{dir .Key}} {{.Value}}{{end}}`),
    q(knownDir).map(
      (d) =>
        `{{range $i, $n := ls ${d}}}{{$i}}{{$n}}{{range gets (printf "%s/%s/*" ${d} $n)}}{{.Value}}{{end}},{{end}}`,
    ),
    q(known).map((k) => `{{$p := get ${k}}}{{printf "%v %+v %#v %T" $p $p $p $p}}`),
  );
}

const STORE_CASE: fc.Arbitrary<Omit<DiffCase, "name">> = STORE_KV.chain((kv) =>
  fc
    .array(storeActions(Object.keys(kv)), { minLength: 1, maxLength: 4 })
    .map((actions) => ({ template: actions.join("\n"), kv })),
);

/** One random case: a template (valid or mutated), the dot, and a KV store. */
export const CASE: fc.Arbitrary<Omit<DiffCase, "name">> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.oneof({ weight: 4, arbitrary: TEMPLATE }, { weight: 1, arbitrary: MUTATED }), DATA, KV)
      .map(([template, data, kv]) => ({ template, data, kv })),
  },
  { weight: 1, arbitrary: STORE_CASE },
);

/** N cases from a fixed seed (same seed, same cases). */
export function generateCases(seed: number, count: number): DiffCase[] {
  return fc
    .sample(CASE, { seed, numRuns: count })
    .map((c, i) => ({ ...c, name: `gen-${String(i).padStart(5, "0")}` }));
}
