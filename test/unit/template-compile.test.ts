// The compiled fast path (src/template/compile.ts): what it compiles, that its
// output is the interpreter's, and that whenever it gives up the interpreter
// renders from scratch (Go's errors, no doubled output, no repeated side effects).
// test/diff/fastpath.test.ts compares it with the Go oracle on random templates.
import { describe, expect, it } from "vitest";
import { compileTree } from "../../src/template/compile.js";
import { confdFuncs, PURE_CONFD_FUNCS } from "../../src/confd/funcs.js";
import { MemKV } from "../../src/confd/memkv.js";
import { renderTemplate } from "../../src/confd/template-file.js";
import { Template, type FuncMap } from "../../src/template/template.js";
import type { GoValue } from "../../src/go/value.js";

function store(): MemKV {
  const kv = new MemKV();
  kv.set("/app/name", "demo");
  kv.set("/app/servers/web2", "10.0.0.2:8080");
  kv.set("/app/servers/web1", "10.0.0.1:80");
  kv.set("/app/upstream/api/host", "api.local:9000");
  kv.set("/app/upstream/api/json", '{"host":"api.local","port":9000}');
  return kv;
}

function parse(text: string, funcs: FuncMap = confdFuncs(store())): Template {
  return Template.parse("t", text, funcs);
}

/** The fast path alone: its output, null if it does not compile, undefined if it gave up. */
function fast(text: string, dot: GoValue = null): string | null | undefined {
  const t = parse(text);
  const f = compileTree(t.lookup("t")!.tree!, t, PURE_CONFD_FUNCS);
  return f === null ? null : f(dot);
}

/** The interpreter alone, or its error text. */
function interpreted(text: string, dot: GoValue = null): string {
  try {
    return parse(text).execute(dot);
  } catch (e) {
    return `ERR ${(e as Error).message}`;
  }
}

const HAPROXY =
  'backend app\n{{range gets "/app/servers/*"}}{{$p := split .Value ":"}}' +
  '{{printf "    server %s %s:%s check" (base .Key) (index $p 0) (index $p 1)}}\n{{end}}';

describe("compiled fast path", () => {
  it("renders the confd shape (range gets, split, index, base, printf) as the interpreter does", () => {
    const want = "backend app\n    server web1 10.0.0.1:80 check\n    server web2 10.0.0.2:8080 check\n";
    expect(interpreted(HAPROXY)).toBe(want);
    expect(fast(HAPROXY)).toBe(want);
  });

  it.each([
    [
      "if/else with eq and ne",
      '{{range gets "/app/*"}}{{if eq .Value "demo"}}D{{else}}{{.Key}}{{end}}{{if ne .Key "x"}}!{{end}}{{end}}',
    ],
    [
      "range else and nested ranges",
      '{{range gets "/none/*"}}x{{else}}empty{{end}}{{range lsdir "/app/upstream"}}{{.}}:{{range ls (printf "/app/upstream/%s" .)}}{{.}}{{end}}{{end}}',
    ],
    [
      "variables: $, shadowing, scope ends with the block",
      '{{$x := "a"}}{{range gets "/app/servers/*"}}{{$x := .Key}}{{$x}};{{end}}{{$x}}{{$.Nope}}',
    ],
    [
      "printf %v and %d of ints, literal text with quotes",
      '{{printf "%v \\"%d\\" %s" "s" (index (split "a:b" ":") 0) "z"}}',
    ],
    ["text JavaScript would treat specially", 'a`b${c}\\n \u2028 \u2029 \'" {{"\\u00e9"}}'],
  ])("%s: same result as the interpreter", (_, text) => {
    const f = fast(text);
    const i = interpreted(text);
    // Whichever way it goes (compiled, given up, not compiled), renderTemplate must agree with the interpreter.
    if (f !== null && f !== undefined) expect(f).toBe(i);
    let r: string;
    try {
      r = renderTemplate({ name: "t", text, store: store() });
    } catch (e) {
      r = `ERR ${(e as Error).message}`;
    }
    expect(r).toBe(i);
  });

  it("compiles the shapes above rather than falling back", () => {
    expect(fast('{{range gets "/app/*"}}{{if eq .Value "demo"}}D{{else}}{{.Key}}{{end}}{{end}}')).toBe("D");
    expect(fast("a`b${c}")).toBe("a`b${c}");
    expect(fast('{{$x := "a"}}{{range gets "/app/servers/*"}}{{$x := .Key}}{{$x}};{{end}}{{$x}}')).toBe(
      "/app/servers/web1;/app/servers/web2;a",
    );
  });

  // Each shape: the fast path renders it itself, and its output is the interpreter's.
  it.each([
    ["with and with-else", '{{with getv "/app/name"}}<{{.}}>{{end}}{{with .}}x{{else}}nil{{end}}'],
    ["with a declaration", '{{with $n := getv "/app/name"}}{{$n}}{{.}}{{end}}'],
    [
      "if / else if / else",
      '{{range gets "/app/servers/*"}}{{if eq .Value "10.0.0.1:80"}}a{{else if contains .Value "8080"}}b{{else}}c{{end}}{{end}}',
    ],
    ["a pipeline with |", '{{"a" | printf "%s!"}}{{getv "/app/name" | toUpper}}{{"x" | eq "x"}}'],
    [
      "range with one and two variables, over a slice and a map",
      '{{range $i, $v := gets "/app/*"}}{{$i}}={{$v.Key}};{{end}}{{range $s := getvs "/app/servers/*"}}{{$s}},{{end}}' +
        '{{range $k, $v := json "{\\"b\\":\\"2\\",\\"a\\":\\"1\\"}"}}{{$k}}{{$v}}{{end}}',
    ],
    ["assignment", '{{$x := "a"}}{{range gets "/app/servers/*"}}{{$x = .Key}}{{end}}{{$x}}'],
    [
      "break and continue",
      '{{range split "a,b,c,d" ","}}{{if eq . "b"}}{{continue}}{{end}}{{if eq . "d"}}{{break}}{{end}}{{.}}{{end}}',
    ],
    ["variadic getv with a default", '{{getv "/app/name" "default"}}{{getv "/nope" "fallback"}}'],
    [
      "printf with flags, width, precision and several verbs",
      '{{range gets "/app/servers/*"}}{{printf "%-12s|%5s|%x|%q|%.2f|%05d\\n" (base .Key) "ab" .Value .Value 1.5 42}}{{end}}',
    ],
    ["printf with - and width inline", '{{printf "[%-6s][%6v][%4d][%-4d]" "ab" "cd" 12 -3}}'],
    ["width counted in runes", '{{printf "[%5s][%-5s]" "é" "\\U0001F600"}}'],
    [
      "fields of json maps",
      '{{$d := json (getv "/app/upstream/api/json")}}{{$d.host}}:{{$d.port}} {{(json (getv "/app/upstream/api/json")).host}}',
    ],
    [
      "index of a map by key and a slice by int",
      '{{$d := json (getv "/app/upstream/api/json")}}{{index $d "host"}}{{index (split "a:b" ":") 1}}',
    ],
    [
      "len, and, or, not",
      '{{len "héllo"}} {{len (gets "/app/*")}} {{and "a" ""}}|{{or "" "b"}}|{{not (exists "/nope")}}|{{and 1 2 3}}',
    ],
    [
      "lt/le/gt/ge/ne of strings and ints",
      '{{lt "a" "b"}}{{le 2 2}}{{gt 3 2}}{{ge "a" "b"}}{{ne 1 2}}{{eq "a" "b" "a"}}',
    ],
    [
      "join, replace, trimSuffix, toLower, lsdir/ls",
      '{{join (split "a:b" ":") "-"}} {{replace "aaa" "a" "b" 2}} {{trimSuffix "x.conf" ".conf"}} {{toLower "ABC"}} {{range lsdir "/app"}}[{{.}}]{{end}}',
    ],
    [
      "int64 limits and float literals",
      "{{9223372036854775807}} {{-9223372036854775808}} {{1.0}} {{-0.0}} {{.5e1}} {{1e3}} {{12}}",
    ],
    ["map and index of its entries", '{{$m := map "a" 1 "b" "x"}}{{index $m "a"}}{{index $m "b"}}{{len $m}}'],
    [
      "print, println, arithmetic and seq",
      '{{print "a" 1 true}} {{println "x"}}{{add 1 2}} {{range seq 1 3}}{{.}}{{end}}',
    ],
  ])("compiles %s", (_, text) => {
    const f = fast(text);
    expect(f).toBeTypeOf("string");
    expect(f).toBe(interpreted(text));
  });

  it.each([
    ["template calls", '{{define "a"}}A{{end}}{{template "a"}}'],
    ["functions with side effects or outside state", "{{datetime}}"],
    ["DNS lookups", '{{lookupIP "localhost"}}'],
    ["functions that rearrange their argument", '{{reverse (split "a:b" ":")}}'],
    ["slice, html, js, urlquery, call", '{{slice "abc" 1}}{{html "<"}}'],
    ["hex, rune and complex literals", "{{print 0x10 'a' 1i}}"],
    ["nil", "{{print nil}}"],
    ["a break in a range's else list", '{{range split "a" ","}}{{range $.x}}{{else}}{{break}}{{end}}{{end}}'],
    ["argument counts Go rejects", '{{base "a" "b"}}'],
    ["ints that overflow int64", "{{9223372036854775808}}"],
  ])("does not compile %s", (_, text) => {
    expect(fast(text)).toBeNull();
  });

  it("gives up on values outside the subset; the interpreter reports Go's error", () => {
    const text = 'before {{range gets "/app/servers/*"}}{{index (split .Value ":") 2}}{{end}} after';
    expect(fast(text)).toBeUndefined();
    expect(() => renderTemplate({ name: "t", text, store: store() })).toThrow(
      'template: t:1:40: executing "t" at <index (split .Value ":") 2>: error calling index: reflect: slice index out of range',
    );
    // A field of a nil dot is "<no value>" to Go: the fast path leaves that to the interpreter.
    expect(fast("{{.Key}}")).toBeUndefined();
    expect(interpreted("{{.Key}}")).toBe("<no value>");
  });

  it("gives up before any output, so the interpreter's rendering is not doubled", () => {
    const text = 'head\n{{range gets "/app/servers/*"}}{{.Key}} {{printf "%d" .Value}}\n{{end}}';
    expect(fast(text)).toBeUndefined();
    const out = renderTemplate({ name: "t", text, store: store() });
    expect(out).toBe(
      "head\n/app/servers/web1 %!d(string=10.0.0.1:80)\n/app/servers/web2 %!d(string=10.0.0.2:8080)\n",
    );
  });

  it("never calls a function outside the pure set, so giving up cannot repeat its side effects", () => {
    let calls = 0;
    const funcs: FuncMap = {
      ...confdFuncs(store()),
      bump: { name: "bump", params: ["string"], results: "value", call: (s) => `${s}${++calls}` },
    };
    const t = Template.parse("t", '{{bump "n"}}{{index (split "a" ":") 3}}', funcs).withFastPath(
      PURE_CONFD_FUNCS,
    );
    expect(() => t.execute(null)).toThrow("index out of range: 3");
    expect(calls).toBe(1);
  });
});
