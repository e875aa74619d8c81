// `npm run bench template-coverage`: (1) the share of the confd template corpus
// (test/diff/confd-templates/) that the compiled fast path renders itself, each
// output checked against the Go oracle; (2) the whole-process time of
// `hecd template` vs the Go oracle on a 10,000-server HAProxy template whose
// server lines use `printf "%-12s %5s"` (flags and width), side by side.
//   HECD_BENCH_SERVERS=<n>  number of servers (default 10000)
//   HECD_BENCH_PROCESS_RUNS=<n>  hyperfine runs per command (default 40)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadKVFile, renderTemplate } from "../src/confd/template-file.js";
import { CORPUS_DIR, CORPUS_KV_FILE, fastOnly, loadCorpus } from "../test/diff/confd-templates-corpus.js";
import { ALIGNED_TEMPLATE, buildOracle, hasTool, kvFixture, wholeProcessSideBySide } from "./template-lib.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SERVERS = Number(process.env.HECD_BENCH_SERVERS ?? 10_000);
const PROCESS_RUNS = Number(process.env.HECD_BENCH_PROCESS_RUNS ?? 40);

const load = (): string =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} on ${cpus().length} CPUs`;

console.log(`Machine at start: ${load()}\n`);
const oracle = buildOracle(root);
const work = mkdtempSync(join(tmpdir(), "hecd-bench-coverage-"));
try {
  // (1) Coverage of the corpus.
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
  console.log(`\nRendered by the interpreter: ${refused.join(", ") || "none"}\n`);

  // (2) Whole process on the printf "%-12s %5s" template.
  const tmplFile = join(work, "haproxy-aligned.cfg.tmpl");
  const kvFile = join(work, "kv.json");
  writeFileSync(tmplFile, ALIGNED_TEMPLATE);
  writeFileSync(kvFile, JSON.stringify(kvFixture(SERVERS)));
  const ours = renderTemplate({
    name: "haproxy-aligned.cfg.tmpl",
    text: ALIGNED_TEMPLATE,
    store: loadKVFile(kvFile),
  });
  const o = spawnSync(oracle, ["-template", tmplFile, "-kv", kvFile], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (o.status !== 0 || o.stdout !== ours)
    throw new Error(`hecd and the oracle render different output for the aligned template: ${o.stderr}`);
  console.log(`Aligned template: ${SERVERS} servers, output ${ours.length} bytes, equal to the oracle's.\n`);
  const cli = join(root, "bin/hecd");
  if (!existsSync(join(root, "dist/cli/hecd.cjs"))) {
    console.log(
      "Whole-process comparison skipped: dist/cli/hecd.cjs is missing (run `npm run build` first).",
    );
    process.exitCode = 1;
  } else if (!hasTool("hyperfine")) {
    console.log("Whole-process comparison skipped: hyperfine is not installed (apt-get install hyperfine).");
    process.exitCode = 1;
  } else {
    wholeProcessSideBySide(
      work,
      PROCESS_RUNS,
      `${cli} template ${tmplFile} --kv ${kvFile}`,
      `${oracle} -template ${tmplFile} -kv ${kvFile}`,
    );
  }
  console.log(`\nMachine at end: ${load()}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
