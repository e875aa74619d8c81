import type { Command } from "commander";
import { createBackend, type Backend, type BackendConfig } from "../../backends/index.js";
import { runConfd } from "../../confd/main.js";
import { confdEtcdHint } from "../etcd-hints.js";

/** A backend whose etcd errors name confd's flags (-node, -username, -client-ca-keys). */
export function createConfdBackend(config: BackendConfig): Promise<Backend> {
  return createBackend({ ...config, etcdHint: confdEtcdHint });
}

/** `hecd confd ...`: confd's Go-style flags are parsed by hand, so commander passes them through. */
export function registerConfd(program: Command): void {
  program
    .command("confd")
    .description(
      "drop-in confd: render templates from etcd, check, swap atomically, reload (hecd confd -help)",
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument("[flags...]")
    .action(async (args: string[]) => {
      const ac = new AbortController();
      const stop = () => ac.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const code = await runConfd(args, {
        env: process.env,
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
        signal: ac.signal,
        createBackend: createConfdBackend,
      });
      process.exitCode = code;
      process.removeListener("SIGINT", stop);
      process.removeListener("SIGTERM", stop);
    });
}
