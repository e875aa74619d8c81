// `hecd template` alone: the entry bundled into dist/cli/template-bin.cjs (see
// scripts/bundle.mjs) that dist/cli/hecd.cjs runs for the template command.
import { registerTemplate } from "./commands/template.js";
import { buildProgram } from "./program.js";

const program = buildProgram();
registerTemplate(program);
program.parse(process.argv);
