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
export function haproxyClients(stateDir: string, timeoutMs?: number): { runtime: RuntimeApi; master: MasterCli } {
  return {
    runtime: new RuntimeApi(runtimeSocketPath(stateDir), { timeoutMs }),
    master: new MasterCli(masterSocketPath(stateDir), { timeoutMs }),
  };
}
