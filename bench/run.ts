// `npm run bench [name...]`: runs bench/<name>.bench.ts files one after another
// (all of them without arguments). Each prints its own results as Markdown.
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .sort();
const names = wanted.length > 0 ? wanted : all;
let failed = 0;
for (const name of names) {
  if (!all.includes(name)) {
    console.error(`no benchmark named ${name}; have: ${all.join(", ")}`);
    process.exit(2);
  }
  console.log(`\n## ${name}\n`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, `${name}.bench.ts`)], {
    stdio: "inherit",
  });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
