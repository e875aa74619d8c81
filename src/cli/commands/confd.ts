import type { Command } from "commander";
import { createBackend, type Backend, type BackendConfig } from "../../backends/index.js";
import { makeLogger, runConfd } from "../../confd/main.js";
import { runLifecycle } from "../../stack/lifecycle.js";
import { confdEtcdHint } from "../etcd-hints.js";

/** Bound on a graceful stop: the cycle under way (and its reload_cmd) may finish. */
const STOP_TIMEOUT_MS = 10_000;

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
      process.exitCode = await runLifecycle({
        what: "confd",
        stopTimeoutMs: STOP_TIMEOUT_MS,
        // confd logs at its own -log-level; here only a forced or overrunning stop is worth a line.
        log: makeLogger("warn"),
        start: async (stopping) => {
          const ended = runConfd(args, {
            env: process.env,
            stdout: (t) => process.stdout.write(t),
            stderr: (t) => process.stderr.write(t),
            signal: stopping,
            createBackend: createConfdBackend,
          });
          // The signal that aborts `stopping` stops the loop; stopping is waiting for it.
          return { stop: () => ended.then(() => undefined), ended };
        },
      });
    });
}
