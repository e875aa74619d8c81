// The installed `hecd` executable, bundled into one CommonJS file (dist/cli/hecd.cjs)
// so that `hecd template`, a short-lived process, starts without resolving and
// compiling a module graph. Every other command goes through the ES module entry.
import { registerTemplate } from "./commands/template.js";
import { buildProgram } from "./program.js";

if (process.argv[2] === "template") {
  const program = buildProgram();
  registerTemplate(program);
  program.parse(process.argv);
} else {
  // Kept as a runtime import (not bundled): see scripts/bundle.mjs.
  import("./main.js").catch((e: unknown) => {
    process.stderr.write(`hecd: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
