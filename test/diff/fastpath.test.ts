// The compiled fast path (src/template/compile.ts) against the Go oracle: random
// confd-style templates in and around the subset it compiles, rendered by Go and
// by hecd (fast path first, the interpreter when it gives up), byte for byte; and
// proof that the fast path itself rendered a good share of them.
//   HECD_GEN_SEED=<n>  replay a run (the seed is printed)
//   HECD_FAST_COUNT=<n> number of cases (default 1500)
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { compileTree } from "../../src/template/compile.js";
import { confdFuncs, PURE_CONFD_FUNCS } from "../../src/confd/funcs.js";
import { storeFromJSON } from "../../src/confd/template-file.js";
import { parseJSON } from "../../src/go/json.js";
import { Template } from "../../src/template/template.js";
import type { DiffCase } from "./case-types.js";
import { generateFastPathCases } from "./fastpath-generator.js";
import { renderOurs, runOracle, writeCases } from "./oracle.js";

const seed = process.env.HECD_GEN_SEED ? Number(process.env.HECD_GEN_SEED) : Date.now() % 2 ** 31;
const count = process.env.HECD_FAST_COUNT ? Number(process.env.HECD_FAST_COUNT) : 1500;
let dir = "";

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What the fast path alone makes of a case: its output, or null when it did not compile or gave up. */
function fastOnly(c: DiffCase): string | null {
  let t: Template;
  try {
    const store = storeFromJSON(parseJSON(JSON.stringify(c.kv ?? {})));
    t = Template.parse("template.tmpl", c.template, confdFuncs(store));
  } catch {
    return null;
  }
  const tree = t.lookup("template.tmpl")?.tree;
  const f = tree ? compileTree(tree, t, PURE_CONFD_FUNCS) : null;
  return f?.(null) ?? null;
}

describe("compiled fast path vs the Go oracle", () => {
  it(
    `${count} generated confd-style cases match byte for byte (HECD_GEN_SEED=${seed})`,
    { timeout: 600_000 },
    () => {
      console.log(`fast path: HECD_GEN_SEED=${seed} HECD_FAST_COUNT=${count}`);
      const cases = generateFastPathCases(seed, count);
      dir = writeCases(cases, "hecd-fast-");
      const want = runOracle(dir, cases);
      const mismatches: string[] = [];
      let byFastPath = 0;
      let goErrors = 0;
      for (const c of cases) {
        const w = want.get(c.name)!;
        if ("err" in w) goErrors++;
        const got = renderOurs(dir, c);
        const fast = fastOnly(c);
        if (fast !== null) {
          byFastPath++;
          if (!("out" in w) || fast !== w.out)
            mismatches.push(`${c.name} fast path ${JSON.stringify(fast)} vs go ${JSON.stringify(w)}`);
        }
        if (JSON.stringify(got) !== JSON.stringify(w))
          mismatches.push(
            `${c.name} ${JSON.stringify(c)}\n   go:   ${JSON.stringify(w)}\n   hecd: ${JSON.stringify(got)}`,
          );
      }
      console.log(
        `fast path: ${cases.length} cases, ${byFastPath} rendered by the fast path, ${goErrors} Go errors, ${mismatches.length} mismatches`,
      );
      expect(
        mismatches.length,
        `mismatches (HECD_GEN_SEED=${seed}):\n${mismatches.slice(0, 10).join("\n")}`,
      ).toBe(0);
      // The generator aims mostly inside the subset: if the fast path stopped being used, this catches it.
      expect(byFastPath).toBeGreaterThan(count * 0.25);
      expect(goErrors).toBeGreaterThan(0);
    },
  );
});
