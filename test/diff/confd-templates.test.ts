// A corpus of realistic confd templates (test/diff/confd-templates/*.tmpl: the
// examples of confd's docs, the seed's HAProxy template, and nginx, HAProxy,
// Redis, DNS, Prometheus ... configs as operators write them) over one KV
// fixture (kv.json) and environment (env.json). For every template the Go
// oracle, hecd as `hecd template` renders, the compiled fast path alone and the
// interpreter alone must give the same bytes, and the fast path must render a
// share of the corpus itself (its coverage; docs/benchmarks.md reports it).
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DiffCase, DiffResult } from "./case-types.js";
import { fastOnly, loadCorpus, parseCase } from "./confd-templates-corpus.js";
import { renderOurs, runOracle, writeCases } from "./oracle.js";

/** The coverage this corpus reached, minus a margin; a change that makes the fast path refuse more fails here. */
const COVERAGE_FLOOR = 0.85;

const cases = loadCorpus();

function interpreted(c: DiffCase): DiffResult {
  try {
    return { out: parseCase(c).execute(null) };
  } catch (e) {
    return { err: (e as Error).message };
  }
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
