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

  it.each([
    ["with", "{{with .}}x{{end}}"],
    ["a pipeline with |", '{{"a" | printf "%s"}}'],
    ["range with variables", '{{range $i, $v := gets "/app/*"}}{{$i}}{{end}}'],
    ["assignment", "{{$x := 1}}{{$x = 2}}"],
    ["template calls", '{{define "a"}}A{{end}}{{template "a"}}'],
    ["break", '{{range gets "/app/*"}}{{break}}{{end}}'],
    ["functions with side effects or outside state", "{{datetime}}"],
    ["variadic functions", '{{getv "/app/name" "default"}}'],
    ["printf verbs with flags or width", '{{printf "%5s" "a"}}'],
    ["fields other than Key and Value", "{{.a.b}}"],
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
