// Randomised differential test: thousands of generated templates (valid and
// mutated) with random data and KV stores, rendered by the Go oracle in one
// batch and by hecd; output and error/no-error must match byte for byte.
//   HECD_GEN_SEED=<n>   replay a run (the seed is printed on every run)
//   HECD_GEN_COUNT=<n>  number of cases (default 3000)
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { DiffCase } from "./case-types.js";
import { generateCases } from "./generator.js";
import { renderOurs, runOracle, writeCases } from "./oracle.js";

const seed = process.env.HECD_GEN_SEED ? Number(process.env.HECD_GEN_SEED) : Date.now() % 2 ** 31;
const count = process.env.HECD_GEN_COUNT ? Number(process.env.HECD_GEN_COUNT) : 3000;
let dir = "";

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function show(c: DiffCase): string {
  return JSON.stringify({ template: c.template, data: c.data, kv: c.kv });
}

describe("randomised differential test vs the Go oracle", () => {
  it(`${count} generated cases match byte for byte (HECD_GEN_SEED=${seed})`, { timeout: 600_000 }, () => {
    console.log(`generator: HECD_GEN_SEED=${seed} HECD_GEN_COUNT=${count}`);
    expect(
      Number.isInteger(seed) && Number.isInteger(count) && count > 0,
      "HECD_GEN_SEED/HECD_GEN_COUNT must be integers",
    ).toBe(true);
    const cases = generateCases(seed, count);
    dir = writeCases(cases, "hecd-gen-");
    const want = runOracle(dir, cases);
    const mismatches: string[] = [];
    let rendered = 0;
    for (const c of cases) {
      const w = want.get(c.name)!;
      if ("out" in w) rendered++;
      const got = renderOurs(dir, c);
      if (JSON.stringify(got) !== JSON.stringify(w)) {
        mismatches.push(
          `${c.name} ${show(c)}\n   go:   ${JSON.stringify(w)}\n   hecd: ${JSON.stringify(got)}`,
        );
      }
    }
    console.log(
      `generator: ${cases.length} cases, ${rendered} rendered by Go, ${cases.length - rendered} Go errors, ${mismatches.length} mismatches`,
    );
    expect(
      mismatches.length,
      `mismatches (HECD_GEN_SEED=${seed}):\n${mismatches.slice(0, 15).join("\n")}`,
    ).toBe(0);
  });
});
