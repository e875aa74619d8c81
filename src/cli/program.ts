// The `hecd` program: its overall help and the table of commands.
import { Command } from "commander";
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
