// The hand-written differential corpus: every case rendered by the Go oracle
// (one batch run) and by hecd must give the same bytes or the same error.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DiffResult } from "./case-types.js";
import { CORPUS } from "./corpus.js";
import { describeCase, renderOurs, runOracle, writeCases } from "./oracle.js";

let dir = "";
let expected = new Map<string, DiffResult>();

beforeAll(() => {
  dir = writeCases(CORPUS, "hecd-corpus-");
  expected = runOracle(dir, CORPUS);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("differential corpus vs Go text/template + confd funcs", () => {
  it("has at least 400 cases with unique names", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(400);
    expect(new Set(CORPUS.map((c) => c.name)).size).toBe(CORPUS.length);
  });

  for (const c of CORPUS) {
    it(describeCase(c), () => {
      const want = expected.get(c.name);
      expect(want, "oracle result").toBeDefined();
      expect(renderOurs(dir, c)).toEqual(want);
    });
  }
});
