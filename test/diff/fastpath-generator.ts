// Random templates in (and just outside) the subset that src/template/compile.ts
// compiles: confd-style ranges over the KV store, .Key/.Value, variables, split,
// index, base/dir/toUpper, printf with flags and width, if/else-if/with, comparisons,
// and/or/not, len, pipes, break/continue, json maps, plus
// values and arguments that make the fast path give up (out-of-range index,
// wrong printf operand, fields of nil, functions it does not compile).
import fc from "fast-check";
import type { DiffCase } from "./case-types.js";

const PATTERNS = ['"/app/servers/*"', '"/app/upstream/*/host"', '"/app/*"', '"/nope/*"', '"/*/*"'];
const DIRS = ['"/app/upstream"', '"/app"', '"/nope"', '"/"'];
const LITS = ['"x"', '""', '"10.0.0.1:80"', '":"', '"/app/name"', '"web-1"', '"é"'];

const text = fc.constantFrom("", " ", "\n", "server ", ":", " check\n", "{ }", "%s", "é\t", "<no value>");

/** An operand that is a string inside a range over KV pairs (`.` is a memkv.KVPair). */
function pairString(vars: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(".Key", ".Value", "(base .Key)", "(dir .Key)", "(toUpper .Value)", ...LITS),
    ...(vars.length > 0
      ? [fc.constantFrom(...vars.map((v) => `(index ${v} 0)`), ...vars.map((v) => `(index ${v} 1)`))]
      : []),
  );
}

function printf(vars: readonly string[]): fc.Arbitrary<string> {
  const operand = fc.oneof(
    { weight: 6, arbitrary: pairString(vars) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "1",
        "-2",
        "1.5",
        ".",
        "$",
        "(len .Key)",
        "1.5",
        "true",
        "(atoi (base .Key))",
        ".Nope",
        '(index (split .Value ":") 2)',
      ),
    },
  );
  return fc
    .array(
      fc.tuple(
        fc.constantFrom(
          "%s",
          "%v",
          "%d",
          "%q",
          "%5s",
          "%%",
          "%-12s",
          "%5d",
          "%-3v",
          "%.2f",
          "%x",
          "%05d",
          "%-",
        ),
        operand,
        text,
      ),
      {
        minLength: 0,
        maxLength: 3,
      },
    )
    .chain((parts) =>
      fc.constantFrom(0, 0, 0, 1, -1).map((extra) => {
        const verbs = parts.map(([v, , t]) => v + t.replace(/[%"\\\n\t]/g, "_")).join("");
        const n = Math.max(0, parts.filter(([v]) => v !== "%%").length + extra);
        const ops = parts.map(([, o]) => o);
        while (ops.length < n) ops.push('"extra"');
        return `{{printf "${verbs}"${ops
          .slice(0, n)
          .map((o) => " " + o)
          .join("")}}}`;
      }),
    );
}

/** The body of a range over KV pairs; `depth` limits nesting. */
function pairBody(depth: number, vars: readonly string[]): fc.Arbitrary<string> {
  const v = `$p${depth}`;
  const item: fc.Arbitrary<string>[] = [
    text,
    pairString(vars).map((s) => `{{${s}}}`),
    printf(vars),
    fc.constantFrom(`{{${v} := split .Value ":"}}`),
    fc
      .tuple(pairString(vars), fc.constantFrom(...LITS), fc.constantFrom("eq", "ne"))
      .map(([a, b, op]) => `{{if ${op} ${a} ${b}}}T{{else}}F{{end}}`),
    fc.constantFrom(
      "{{if .Value}}v{{end}}",
      "{{if exists .Key}}e{{end}}",
      "{{get .Key}}",
      "{{getv .Key}}",
      "{{.}}",
    ),
    fc.constantFrom('{{range split .Value ":"}}[{{.}}]{{end}}', "{{$k := .Key}}{{$k}}", "{{$.Key}}"),
    fc
      .tuple(pairString(vars), pairString(vars), fc.constantFrom("lt", "le", "gt", "ge", "and", "or"))
      .map(([a, b, op]) => `{{if ${op} ${a} ${b}}}T{{else if not ${a}}}N{{else}}F{{end}}`),
    fc.constantFrom(
      "{{len .Value}}",
      "{{with .Value}}<{{.}}>{{else}}empty{{end}}",
      "{{with $w := .Key}}{{$w}}{{end}}",
      "{{.Value | toUpper}}",
      '{{.Key | printf "%s=%v" .Value}}',
      '{{getv .Key "dflt"}}{{getv "/nope" "dflt"}}',
      '{{join (split .Value ":") "+"}}',
      '{{replace .Value ":" "-" 1}}',
      '{{if contains .Value ":"}}port{{end}}',
      '{{range $i, $x := split .Value ":"}}{{$i}}={{$x}};{{end}}',
      '{{range $x := split .Value ":"}}{{if eq $x ""}}{{continue}}{{end}}{{$x}}{{break}}{{end}}',
      "{{$n := 0}}{{$n = len .Key}}{{$n}}",
      '{{if and (exists .Key) (ne .Value "")}}ok{{end}}',
      '{{if or (eq .Value "") (lt (len .Value) 5)}}short{{end}}',
      '{{index (split .Value ":") 1 | printf "%5s"}}',
      "{{lt .Value 5}}",
      "{{printf}}",
    ),
  ];
  if (depth < 2)
    item.push(
      fc
        .tuple(fc.constantFrom(...PATTERNS), fc.constantFrom("", "{{else}}none"))
        .chain(([p, e]) =>
          pairBody(depth + 1, [...vars, v]).map((b) => `{{range gets ${p}}}${b}${e}{{end}}`),
        ),
    );
  return fc.array(fc.oneof(...item), { minLength: 1, maxLength: 5 }).map((xs) => xs.join(""));
}

const topItem: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: text },
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.constantFrom(...PATTERNS), fc.constantFrom("", "", "{{else}}empty"))
      .chain(([p, e]) => pairBody(1, []).map((b) => `{{range gets ${p}}}${b}${e}{{end}}`)),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...DIRS)
      .map(
        (d) => `{{range lsdir ${d}}}{{.}}:{{range ls (printf "/app/upstream/%s" .)}}{{.}},{{end}};{{end}}`,
      ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{{base "/a/b"}}',
      '{{toLower "ABC"}}',
      '{{printf "%s=%d" "n" 3}}',
      '{{$x := split "a:b:c" ":"}}{{index $x 2}}{{index $x 3}}',
      "{{.Key}}",
      "{{$}}",
      '{{if eq "a" "a"}}yes{{end}}',
      '{{if ls "/app"}}some{{else}}none{{end}}',
      '{{range $k, $v := json "{\\"b\\":1,\\"a\\":[1,2]}"}}{{$k}}={{$v}};{{end}}',
      '{{$d := json (getv "/app/name" "{}")}}{{$d.x}}',
      '{{range getvs "/app/servers/*"}}{{.}}|{{end}}',
      '{{range $i, $e := gets "/app/servers/*"}}{{if gt $i 1}}{{break}}{{end}}{{$e.Key}}{{end}}',
      '{{range split "a,b" ","}}{{.}}{{else}}-{{end}}',
    ),
  },
);

const KEYS = ["web-1", "web-2", "web-10", "api", "db_1", "é"];
const VALUES = ["10.0.0.1:8080", "10.0.0.2:80", "host", "a:b:c", "", ":", "[::1]:443", "é:1"];

const kvArb: fc.Arbitrary<Record<string, string>> = fc
  .tuple(
    fc.subarray(KEYS, { minLength: 0 }),
    fc.subarray(KEYS, { minLength: 0, maxLength: 3 }),
    fc.array(fc.constantFrom(...VALUES), { minLength: 12, maxLength: 12 }),
  )
  .map(([servers, upstreams, vals]) => {
    const kv: Record<string, string> = { "/app/name": "demo" };
    servers.forEach((s, i) => (kv[`/app/servers/${s}`] = vals[i]!));
    upstreams.forEach((u, i) => (kv[`/app/upstream/${u}/host`] = vals[6 + i]!));
    return kv;
  });

const CASE = fc.tuple(fc.array(topItem, { minLength: 1, maxLength: 4 }), kvArb).map(([items, kv]) => ({
  template: items.join(""),
  kv,
}));

export function generateFastPathCases(seed: number, count: number): DiffCase[] {
  return fc
    .sample(CASE, { seed, numRuns: count })
    .map((c, i) => ({ ...c, name: `fast-${String(i).padStart(5, "0")}` }));
}
