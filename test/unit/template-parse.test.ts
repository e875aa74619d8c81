// API-level tests of the template parser: the tree map, errorContext (checked
// against the location/context Go prints in execution errors) and errors.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TemplateError } from "../../src/template/errors.js";
import type { Node, Tree } from "../../src/template/parse/node.js";
import { quote as goQuote } from "../../src/go/fmt-quote.js";
import { nodeString } from "../../src/template/parse/node-string.js";
import { errorContext, parse } from "../../src/template/parse/parse.js";

const FUNCS: ReadonlySet<string> = new Set(
  "and call html index slice js len not or print printf println urlquery eq ge gt le lt ne seq getv".split(
    " ",
  ),
);

function children(n: Node): Node[] {
  switch (n.type) {
    case "list":
      return n.nodes;
    case "action":
      return [n.pipe];
    case "pipe":
      return [...n.decl, ...n.cmds];
    case "command":
      return n.args;
    case "chain":
      return [n.node];
    case "if":
    case "range":
    case "with":
      return [n.pipe, n.list, ...(n.elseList ? [n.elseList] : [])];
    case "template":
      return n.pipe ? [n.pipe] : [];
    default:
      return [];
  }
}

function findCommand(n: Node, prefix: string): Node | undefined {
  if (n.type === "command" && nodeString(n).startsWith(prefix)) return n;
  for (const c of children(n)) {
    const f = findCommand(c, prefix);
    if (f) return f;
  }
  return undefined;
}

/** Templates whose execution fails at a command starting with "index": Go reports that command's location and String(). */
const EXEC_ERROR_CASES: ReadonlyArray<{ text: string; tree: string }> = [
  { text: '{{index "abc" 10}}', tree: "t.tmpl" },
  { text: 'héllo\n  é {{index "abcdefghijklmnopqrstuvwxyz" 100}}', tree: "t.tmpl" },
  { text: '{{/* c\n */}}😀 {{if true}}\n\t{{index (printf "%s" "ab") 5}}{{end}}', tree: "t.tmpl" },
  { text: '{{range $i, $v := seq 1 2}}{{index "x" $v 7}}{{end}}', tree: "t.tmpl" },
  {
    text: '{{`multi\nline`}}\n\n   {{- index "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"   50 -}}',
    tree: "t.tmpl",
  },
  { text: '{{define "d"}}\n  ü{{index "ab" 9 | printf "%v"}}{{end}}x{{template "d"}}', tree: "d" },
  { text: '{{with $x := "%d%%"}}{{index $x 9}}{{end}}', tree: "t.tmpl" },
];

let work = "";
let oracle = "";

beforeAll(() => {
  const bin = process.env.GOTMPL_ORACLE;
  if (!bin)
    throw new Error("GOTMPL_ORACLE is not set: run through vitest (its globalSetup builds the oracle)");
  oracle = bin;
  work = mkdtempSync(join(tmpdir(), "hecd-parse-api-"));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function oracleError(text: string): string {
  const f = join(work, "t.tmpl");
  writeFileSync(f, text);
  try {
    execFileSync(oracle, ["-template", f], { stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    return String((e as { stderr: Buffer }).stderr).replace(/\n$/, "");
  }
  throw new Error(`oracle rendered ${JSON.stringify(text)} without error`);
}

describe("errorContext", () => {
  it.each(EXEC_ERROR_CASES.map((c) => [JSON.stringify(c.text), c] as const))(
    "matches Go's execution error location and context: %s",
    (_, c) => {
      const trees = parse("t.tmpl", c.text, { funcs: FUNCS });
      const tree = trees.get(c.tree)!;
      const node = findCommand(tree.root, "index")!;
      expect(node).toBeDefined();
      const { location, context } = errorContext(tree, node);
      const want = oracleError(c.text);
      expect(want.startsWith(`template: ${location}: executing ${goQuote(c.tree)} at <${context}>: `)).toBe(
        true,
      );
    },
  );

  it("counts columns in UTF-8 bytes, 0-based on every line as Go does", () => {
    const tree = parse("n", "é😀{{.x}}\nab{{.y}}", { funcs: FUNCS }).get("n")!;
    const [, a, , b] = tree.root.nodes as [Node, Node, Node, Node];
    expect(errorContext(tree, a)).toEqual({ location: "n:1:8", context: "{{.x}}" });
    expect(errorContext(tree, b)).toEqual({ location: "n:2:4", context: "{{.y}}" });
  });
});

describe("parse", () => {
  it("returns every tree by name, sharing the source text and parse name", () => {
    const text = '{{define "a"}}A{{end}}top{{block "b" .}}B{{end}}';
    const trees = parse("main", text, { funcs: FUNCS });
    expect([...trees.keys()].sort()).toEqual(["a", "b", "main"]);
    for (const t of trees.values() as Iterable<Tree>) {
      expect(t.parseName).toBe("main");
      expect(t.text).toBe(text);
    }
    expect(trees.get("main")!.name).toBe("main");
    expect(nodeString(trees.get("main")!.root)).toBe('top{{template "b" .}}');
    expect(nodeString(trees.get("b")!.root)).toBe("B");
  });

  it("keeps a non-empty definition over an empty one and rejects two non-empty ones", () => {
    const kept = parse("m", '{{define "a"}}x{{end}}{{define "a"}}  {{end}}', { funcs: FUNCS });
    expect(nodeString(kept.get("a")!.root)).toBe("x");
    expect(() => parse("m", '{{define "a"}}x{{end}}\n{{define "a"}}y{{end}}', { funcs: FUNCS })).toThrow(
      new TemplateError('template: m:2: template: multiple definition of template "a"'),
    );
  });

  it("throws TemplateError with Go's message for unknown functions", () => {
    expect(() => parse("x.tmpl", "a\n{{getv 1}}{{nope}}", { funcs: FUNCS })).toThrow(
      new TemplateError('template: x.tmpl:2: function "nope" not defined'),
    );
    let err: unknown;
    try {
      parse("x.tmpl", "{{getv}}", { funcs: new Set() });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as Error).message).toBe('template: x.tmpl:1: function "getv" not defined');
  });

  it("uses custom delimiters and leaves the default ones as text", () => {
    const t = parse("d", "{{.x}} [[- .y -]] [[/* c */]]", {
      funcs: FUNCS,
      leftDelim: "[[",
      rightDelim: "]]",
    });
    expect(nodeString(t.get("d")!.root)).toBe("{{.x}}{{.y}}");
  });

  it("exposes number values in Go's int/uint/float views", () => {
    const root = parse("n", "{{printf \"%v\" 1_000 -2 0x1p-2 'a' 18446744073709551615 1e3}}", {
      funcs: FUNCS,
    }).get("n")!.root;
    const args = (findCommand(root, "printf") as { args: Node[] }).args.slice(2);
    const nums = args.map((a) => {
      if (a.type !== "number") throw new Error("expected a number");
      return [a.isInt, a.isUint, a.isFloat, a.int64, a.uint64, a.float64];
    });
    expect(nums).toEqual([
      [true, true, true, 1000n, 1000n, 1000],
      [true, false, true, -2n, 0n, -2],
      [false, false, true, 0n, 0n, 0.25],
      [true, true, true, 97n, 97n, 97],
      [false, true, true, 0n, 18446744073709551615n, 2 ** 64],
      [true, true, true, 1000n, 1000n, 1000],
    ]);
  });
});
