// A corpus of realistic confd templates (test/diff/confd-templates/*.tmpl: the
// examples of confd's docs, the seed's HAProxy template, and nginx, HAProxy,
// Redis, DNS, Prometheus ... configs as operators write them) over one KV
// fixture (kv.json) and environment (env.json). For every template the Go
// oracle, hecd as `hecd template` renders, the compiled fast path alone and the
// interpreter alone must give the same bytes, and the fast path must render a
// share of the corpus itself (its coverage; docs/benchmarks.md reports it).
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileTree } from "../../src/template/compile.js";
import { confdFuncs, PURE_CONFD_FUNCS } from "../../src/template/confd-funcs.js";
import { loadKVFile } from "../../src/template/render.js";
import { Template } from "../../src/template/template.js";
import type { DiffCase, DiffResult } from "./case-types.js";
import { renderOurs, runOracle, writeCases } from "./oracle.js";

const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), "confd-templates");
/** The coverage this corpus reached, minus a margin; a change that makes the fast path refuse more fails here. */
const COVERAGE_FLOOR = 0.85;

const names = readdirSync(CORPUS_DIR)
  .filter((f) => f.endsWith(".tmpl"))
  .sort();
const kv = JSON.parse(readFileSync(join(CORPUS_DIR, "kv.json"), "utf8")) as Record<string, string>;
const env = JSON.parse(readFileSync(join(CORPUS_DIR, "env.json"), "utf8")) as Record<string, string>;
const cases: DiffCase[] = names.map((f) => ({
  name: f.slice(0, -".tmpl".length),
  template: readFileSync(join(CORPUS_DIR, f), "utf8"),
  kv,
  env,
}));

/** The template as renderTemplate sets it up: confd's functions over the fixture, getenv from env.json first. */
function parse(c: DiffCase): Template {
  const store = loadKVFile(join(CORPUS_DIR, "kv.json"));
  const funcs = confdFuncs(store, {
    getenv: (k) => (Object.hasOwn(env, k) ? env[k] : process.env[k]),
  });
  return Template.parse("template.tmpl", c.template, funcs);
}

function interpreted(c: DiffCase): DiffResult {
  try {
    return { out: parse(c).execute(null) };
  } catch (e) {
    return { err: (e as Error).message };
  }
}

/** The fast path alone: its output, "not compiled", or "gave up". */
function fastOnly(c: DiffCase): string | { refused: "not compiled" | "gave up" } {
  const t = parse(c);
  const f = compileTree(t.lookup("template.tmpl")!.tree!, t, PURE_CONFD_FUNCS);
  if (f === null) return { refused: "not compiled" };
  return f(null) ?? { refused: "gave up" };
}

let dir = "";
let expected = new Map<string, DiffResult>();
const byFastPath: string[] = [];
const refused: string[] = [];

beforeAll(() => {
  dir = writeCases(cases, "hecd-confd-templates-");
  expected = runOracle(dir, cases);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("confd template corpus: Go oracle, hecd, fast path and interpreter agree", () => {
  it("has at least 30 templates", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const c of cases) {
    it(c.name, () => {
      const want = expected.get(c.name)!;
      // Realistic templates render: a corpus template Go rejects on the fixture is a broken fixture.
      expect(want, "Go oracle").toHaveProperty("out");
      expect(renderOurs(dir, c), "hecd (renderTemplate)").toEqual(want);
      expect(interpreted(c), "interpreter alone").toEqual(want);
      const fast = fastOnly(c);
      if (typeof fast === "string") {
        byFastPath.push(c.name);
        expect(fast, "fast path alone").toBe((want as { out: string }).out);
      } else {
        refused.push(`${c.name} (${fast.refused})`);
      }
    });
  }

  it(`the fast path renders at least ${COVERAGE_FLOOR * 100}% of the corpus itself`, () => {
    const share = byFastPath.length / cases.length;
    console.log(
      `fast-path coverage: ${byFastPath.length}/${cases.length} = ${(share * 100).toFixed(1)}%\n` +
        `  rendered by the fast path: ${byFastPath.join(", ")}\n` +
        `  rendered by the interpreter: ${refused.join(", ") || "none"}`,
    );
    expect(byFastPath.length + refused.length, "every template was checked").toBe(cases.length);
    expect(share).toBeGreaterThanOrEqual(COVERAGE_FLOOR);
  });
});
