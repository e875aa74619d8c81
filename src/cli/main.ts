#!/usr/bin/env node
import { Command } from "commander";
import { registerTemplate } from "./commands/template.js";
import { registerConfd } from "./commands/confd.js";
import { registerAgent } from "./commands/agent.js";
import { registerDeploy } from "./commands/deploy.js";
import { registerUp } from "./commands/up.js";
import { VERSION } from "../version.js";

export function buildProgram(): Command {
  const program = new Command("hecd")
    .description(
      "Docker services that register themselves in etcd and stay available behind HAProxy.\n" +
        "Start everything on one machine with `hecd up --demo 3`; see `hecd <command> --help`.",
    )
    .version(VERSION, "-V, --version")
    // The error line stays on screen; the full help is one flag away.
    .showHelpAfterError("(add --help for usage and examples)")
    .enablePositionalOptions();
  registerUp(program);
  registerTemplate(program);
  registerConfd(program);
  registerAgent(program);
  registerDeploy(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
