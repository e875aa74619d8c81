// `npm run bench template-coverage`: the share of the confd template corpus
// (test/diff/confd-templates/) that the compiled fast path renders itself, each
// output checked against the Go oracle. The whole-process time on the aligned
// `printf "%-12s %5s"` template is measured once, by `npm run bench template`.
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CORPUS_DIR, CORPUS_KV_FILE, fastOnly, loadCorpus } from "../test/diff/confd-templates-corpus.js";
import { buildOracle } from "./template-lib.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const load = (): string =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} on ${cpus().length} CPUs`;

console.log(`Machine at start: ${load()}\n`);
const oracle = buildOracle(root);
const cases = loadCorpus();
const fast: string[] = [];
const refused: string[] = [];
for (const c of cases) {
  const file = join(CORPUS_DIR, `${c.name}.tmpl`);
  const o = spawnSync(
    oracle,
    [
      "-template",
      file,
      "-kv",
      CORPUS_KV_FILE,
      "-env",
      join(CORPUS_DIR, "env.json"),
      "-name",
      "template.tmpl",
    ],
    { encoding: "utf8" },
  );
  if (o.status !== 0) throw new Error(`oracle failed on ${c.name}: ${o.stderr}`);
  const f = fastOnly(c);
  if (typeof f !== "string") {
    refused.push(`${c.name} (${f.refused})`);
    continue;
  }
  if (f !== o.stdout) throw new Error(`the fast path and the oracle differ on ${c.name}`);
  fast.push(c.name);
}
const share = (fast.length / cases.length) * 100;
console.log(`| corpus (test/diff/confd-templates) | templates | rendered by the fast path | coverage |`);
console.log("| --- | ---: | ---: | ---: |");
console.log(
  `| confd docs, seed, operator configs | ${cases.length} | ${fast.length} | ${share.toFixed(1)}% (goal >= 90%: ${share >= 90 ? "met" : "MISSED"}) |`,
);
console.log(`\nRendered by the interpreter: ${refused.join(", ") || "none"}`);
console.log(`\nMachine at end: ${load()}`);
