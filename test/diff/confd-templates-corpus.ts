// The confd template corpus (test/diff/confd-templates/): its templates, KV
// fixture and environment, and what the compiled fast path alone makes of each.
// Used by test/diff/confd-templates.test.ts and bench/template-coverage.bench.ts.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileTree } from "../../src/template/compile.js";
import { confdFuncs, PURE_CONFD_FUNCS } from "../../src/confd/funcs.js";
import { loadKVFile } from "../../src/confd/template-file.js";
import { Template } from "../../src/template/template.js";
import type { DiffCase } from "./case-types.js";

export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), "confd-templates");
export const CORPUS_KV_FILE = join(CORPUS_DIR, "kv.json");

const env = JSON.parse(readFileSync(join(CORPUS_DIR, "env.json"), "utf8")) as Record<string, string>;

/** Every corpus template as a differential case (name = file name without .tmpl). */
export function loadCorpus(): DiffCase[] {
  const kv = JSON.parse(readFileSync(CORPUS_KV_FILE, "utf8")) as Record<string, string>;
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith(".tmpl"))
    .sort()
    .map((f) => ({
      name: f.slice(0, -".tmpl".length),
      template: readFileSync(join(CORPUS_DIR, f), "utf8"),
      kv,
      env,
    }));
}

/** The template as renderTemplate sets it up: confd's functions over the fixture, getenv from env.json first. */
export function parseCase(c: DiffCase): Template {
  const funcs = confdFuncs(loadKVFile(CORPUS_KV_FILE), {
    getenv: (k) => (Object.hasOwn(env, k) ? env[k] : process.env[k]),
  });
  return Template.parse("template.tmpl", c.template, funcs);
}

/** The fast path alone: its output, or why the interpreter has to render. */
export function fastOnly(c: DiffCase): string | { refused: "not compiled" | "gave up" } {
  const t = parseCase(c);
  const f = compileTree(t.lookup("template.tmpl")!.tree!, t, PURE_CONFD_FUNCS);
  if (f === null) return { refused: "not compiled" };
  return f(null) ?? { refused: "gave up" };
}
