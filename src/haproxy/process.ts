import { masterSocketPath, runtimeSocketPath } from "./config.js";
import { MasterCli } from "./master.js";
import { RuntimeApi } from "./runtime.js";

/**
 * Arguments that start HAProxy the way hecd drives it: master-worker (-W) with a master
 * CLI socket (-S, owner-only) in the state directory.
 */
export function haproxyArgs(stateDir: string, configPath: string): string[] {
  return ["-W", "-S", `${masterSocketPath(stateDir)},mode,600`, "-f", configPath];
}

/** Clients for the HAProxy of a state directory (the sockets `hecd up` creates). */
export function haproxyClients(
  stateDir: string,
  timeoutMs?: number,
): { runtime: RuntimeApi; master: MasterCli } {
  return {
    runtime: new RuntimeApi(runtimeSocketPath(stateDir), { timeoutMs }),
    master: new MasterCli(masterSocketPath(stateDir), { timeoutMs }),
  };
}

/**
 * Resolves once both sockets answer and the master reports a worker; rejects with the
 * last error after `timeoutMs`, or as soon as `exited` rejects (the process died).
 */
export async function waitForHaproxy(
  runtime: RuntimeApi,
  master: MasterCli,
  timeoutMs: number,
  exited?: Promise<never>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  let dead: unknown;
  exited?.catch((e: unknown) => {
    dead = e;
  });
  while (Date.now() < deadline) {
    if (dead !== undefined) throw dead;
    try {
      await runtime.raw("show info");
      if ((await master.showProc()).workers.length > 0) return;
      lastErr = new Error("the master reports no worker yet");
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (dead !== undefined) throw dead;
  throw new Error(
    `HAProxy did not become ready within ${timeoutMs} ms: ${lastErr instanceof Error ? lastErr.message : String(lastErr)}`,
  );
}
