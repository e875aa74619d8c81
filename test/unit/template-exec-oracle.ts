// Differential testing against the Go oracle: write one case directory per
// case, render them all with `gotmpl-oracle -batch`, and compare with hecd's
// engine byte for byte (output, or the error message).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { confdFuncs } from "../../src/confd/funcs.js";
import { MemKV } from "../../src/confd/memkv.js";
import { Template } from "../../src/template/template.js";
import { jsonToGo, parseJSON } from "../../src/go/json.js";
import type { GoValue } from "../../src/go/value.js";

export interface ExecCase {
  /** Template text (named template.tmpl, as the oracle's batch mode names it). */
  t: string;
  /** JSON data for the dot (omitted: nil dot). */
  data?: unknown;
  /** The data file's exact text, for inputs JSON.stringify cannot write (-0, huge numbers). */
  dataText?: string;
  /** Flat key -> value store. */
  kv?: Record<string, string>;
}

/** A dot with one value of each JSON kind (nested maps, null, empty list and map) for exec cases. */
export const nested = {
  a: { b: { c: "deep" } },
  s: "str",
  n: 3,
  f: 1.5,
  z: 0,
  t: true,
  nl: null,
  l: [1, "two", null, true],
  m: { x: 1, y: "why" },
  e: [],
  em: {},
};

export interface Outcome {
  out?: string;
  err?: string;
}

export function oraclePath(): string {
  const bin = process.env.GOTMPL_ORACLE;
  if (bin === undefined || bin === "")
    throw new Error(
      "GOTMPL_ORACLE is not set: run the tests through vitest (its globalSetup builds the oracle)",
    );
  return bin;
}

/** Renders every case with the Go oracle in one batch run. */
export function oracleBatch(cases: readonly ExecCase[]): Outcome[] {
  const dir = mkdtempSync(join(tmpdir(), "hecd-exec-diff-"));
  try {
    cases.forEach((c, i) => {
      const d = join(dir, `c${String(i).padStart(4, "0")}`);
      mkdirSync(d);
      writeFileSync(join(d, "template.tmpl"), c.t);
      const text = dataText(c);
      if (text !== undefined) writeFileSync(join(d, "data.json"), text);
      if (c.kv !== undefined) writeFileSync(join(d, "kv.json"), JSON.stringify(c.kv));
    });
    execFileSync(oraclePath(), ["-batch", dir], { stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 28 });
    return cases.map((_, i) => {
      const d = join(dir, `c${String(i).padStart(4, "0")}`);
      if (existsSync(join(d, "expected.err"))) return { err: readFileSync(join(d, "expected.err"), "utf8") };
      return { out: readFileSync(join(d, "expected.out"), "utf8") };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function dataText(c: ExecCase): string | undefined {
  return c.dataText ?? (c.data === undefined ? undefined : JSON.stringify(c.data));
}

function dataValue(c: ExecCase): GoValue {
  const text = dataText(c);
  if (text === undefined) return null;
  const errs: string[] = [];
  const v = jsonToGo(parseJSON(text), errs);
  if (errs.length > 0) throw new Error(`case data: ${errs[0]}`);
  return v;
}

/** Renders one case with hecd's engine, in the oracle's shape (error text plus "\n"). */
export function hecdRender(c: ExecCase): Outcome {
  const store = new MemKV();
  for (const [k, v] of Object.entries(c.kv ?? {})) store.set(k, v);
  try {
    const tmpl = Template.parse("template.tmpl", c.t, confdFuncs(store));
    return { out: tmpl.execute(dataValue(c)) };
  } catch (e) {
    if (e instanceof Error && e.name === "TemplateError") return { err: e.message + "\n" };
    throw e;
  }
}
