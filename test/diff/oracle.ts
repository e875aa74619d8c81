// Runs differential cases through the Go oracle (one batch process) and
// through hecd's renderer, both from the same case directories on disk.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TemplateError } from "../../src/template/errors.js";
import { renderFile } from "../../src/confd/template-file.js";
import type { DiffCase, DiffResult } from "./case-types.js";

export function oraclePath(): string {
  const bin = process.env.GOTMPL_ORACLE;
  if (!bin)
    throw new Error(
      "GOTMPL_ORACLE is not set: run through vitest (test/harness/global-setup.ts builds the oracle)",
    );
  return bin;
}

/** Writes each case as DIR/<name>/{template.tmpl,kv.json,data.json,env.json}. */
export function writeCases(cases: readonly DiffCase[], prefix = "hecd-diff-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.name)) throw new Error(`duplicate case name ${c.name}`);
    seen.add(c.name);
    const d = join(dir, c.name);
    mkdirSync(d);
    writeFileSync(join(d, "template.tmpl"), c.template);
    if (c.kv !== undefined) writeFileSync(join(d, "kv.json"), JSON.stringify(c.kv));
    if (c.dataJSON !== undefined) writeFileSync(join(d, "data.json"), c.dataJSON);
    else if (c.data !== undefined) writeFileSync(join(d, "data.json"), JSON.stringify(c.data));
    if (c.env !== undefined) writeFileSync(join(d, "env.json"), JSON.stringify(c.env));
  }
  return dir;
}

/** Runs `gotmpl-oracle -batch DIR` once and reads back every case's result. */
export function runOracle(dir: string, cases: readonly DiffCase[]): Map<string, DiffResult> {
  const r = spawnSync(oraclePath(), ["-batch", dir], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: 300_000,
  });
  if (r.error) throw new Error(`oracle -batch ${dir}: ${r.error.message} (a case that never finishes?)`);
  if (r.status !== 0) throw new Error(`oracle -batch ${dir} failed (exit ${r.status}): ${r.stderr}`);
  const out = new Map<string, DiffResult>();
  for (const c of cases) {
    const errFile = join(dir, c.name, "expected.err");
    const outFile = join(dir, c.name, "expected.out");
    if (existsSync(errFile)) out.set(c.name, { err: readFileSync(errFile, "utf8").replace(/\n$/, "") });
    else if (existsSync(outFile)) out.set(c.name, { out: readFileSync(outFile, "utf8") });
    else throw new Error(`oracle wrote no result for case ${c.name} in ${dir}`);
  }
  return out;
}

/** Renders one case directory with hecd exactly as the oracle's batch mode does. */
export function renderOurs(dir: string, c: DiffCase): DiffResult {
  const d = join(dir, c.name);
  const opt = (f: string): string | undefined => (existsSync(join(d, f)) ? join(d, f) : undefined);
  try {
    return {
      out: renderFile(join(d, "template.tmpl"), {
        kvFile: opt("kv.json"),
        dataFile: opt("data.json"),
        envFile: opt("env.json"),
        name: "template.tmpl",
      }),
    };
  } catch (e) {
    if (e instanceof TemplateError) return { err: e.message };
    return { err: `HECD CRASH: ${(e as Error).stack ?? String(e)}` };
  }
}

/** A short, readable one-line description of a case for test titles. */
export function describeCase(c: DiffCase): string {
  const t = JSON.stringify(c.template);
  return `${c.name} ${t.length > 90 ? t.slice(0, 87) + '..."' : t}`;
}
