#!/usr/bin/env node
// The ES module entry: loads the command that argv names (all of them for the overall help).
import type { Command } from "commander";
import { buildProgram } from "./program.js";

type Register = (program: Command) => void;

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
