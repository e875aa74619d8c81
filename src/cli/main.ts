#!/usr/bin/env node
import { Command } from "commander";
import type { Command as CommandType } from "commander";
import { VERSION } from "../version.js";

export function buildProgram(): Command {
  const program = new Command("hecd")
    .description(
      "Docker services that register themselves in etcd and stay available behind HAProxy. " +
        "Start everything on one machine with `hecd up --demo 3`; see `hecd <command> --help`.",
    )
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  hecd up --demo 3                  # etcd, HAProxy, agent and 3 demo web servers, on :8080\n" +
        "  hecd ps                           # from another shell in the same directory\n" +
        "  hecd scale web 6\n" +
        "  hecd confd -onetime -backend etcdv3 -node http://127.0.0.1:2379 -confdir /etc/confd",
    )
    .version(VERSION, "-V, --version")
    // The error line stays on screen; the full help is one flag away.
    .showHelpAfterError("(add --help for usage and examples)")
    .enablePositionalOptions();
  return program;
}

type Register = (program: CommandType) => void;

// Each command's module is loaded only when that command runs (or for the overall help):
// the etcd, Docker and HAProxy clients cost more start-up time than `hecd template` needs.
const COMMANDS: [names: string[], load: () => Promise<Register>][] = [
  [["up"], async () => (await import("./commands/up.js")).registerUp],
  [["template"], async () => (await import("./commands/template.js")).registerTemplate],
  [["confd"], async () => (await import("./commands/confd.js")).registerConfd],
  [["agent"], async () => (await import("./commands/agent.js")).registerAgent],
  [["run", "stop", "scale", "ps"], async () => (await import("./commands/deploy.js")).registerDeploy],
];

/** The program with the commands `argv` can reach registered (all of them unless argv names one). */
export async function loadProgram(argv: readonly string[]): Promise<Command> {
  const program = buildProgram();
  const wanted = argv[2];
  const one = COMMANDS.find(([names]) => wanted !== undefined && names.includes(wanted));
  for (const [, load] of one ? [one] : COMMANDS) (await load())(program);
  return program;
}

await (await loadProgram(process.argv)).parseAsync(process.argv);
