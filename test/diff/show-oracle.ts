// Dev tool: `GOTMPL_ORACLE=... npx tsx test/diff/show-oracle.ts [filter]` prints the
// oracle's result for each corpus case (to review what a case exercises).
import { rmSync } from "node:fs";
import { CORPUS } from "./corpus.js";
import { runOracle, writeCases } from "./oracle.js";

const filter = process.argv[2] ?? "";
const cases = CORPUS.filter((c) => c.name.includes(filter));
const dir = writeCases(cases);
const res = runOracle(dir, cases);
for (const c of cases) {
  const r = res.get(c.name)!;
  console.log(
    `${c.name} ${JSON.stringify(c.template)}\n   ${"err" in r ? "ERR " + r.err : "OUT " + JSON.stringify(r.out)}`,
  );
}
rmSync(dir, { recursive: true, force: true });
