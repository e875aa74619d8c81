import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { defaultConfigOptions, renderConfig, type HaproxyConfigOptions } from "./config.js";
import { writeConfigAtomic } from "./config-file.js";
import { HaproxyController, type SyncReport } from "./controller.js";
import { startDriftRepair, type DriftRepairer } from "./drift.js";
import { startHaproxyProcess, type HaproxyProcess } from "./process.js";
import { loadOrCreateStatsPassword } from "./secrets.js";
import type { Logger, ServerEntry } from "./servers.js";

export interface ManagedHaproxyOptions {
  stateDir: string;
  /** Frontend port (hecd up's --port). */
  port: number;
  /** The desired set now (validated entries), for the first config. */
  initial: readonly ServerEntry[];
  /** Reads the desired set from its source (etcd); drift repair calls it every `driftIntervalMs`. */
  desired: () => Promise<readonly ServerEntry[]>;
  driftIntervalMs?: number;
  drainTimeoutMs?: number;
  log: Logger;
  haproxyBin?: string;
  /** Overrides of the built-in template's options. */
  config?: Partial<Omit<HaproxyConfigOptions, "stateDir" | "port" | "stats">>;
  statsUser?: string;
}

export interface ManagedHaproxy {
  process: HaproxyProcess;
  controller: HaproxyController;
  drift: DriftRepairer;
  configPath: string;
  options: HaproxyConfigOptions;
  /** Stats page credentials; `passwordCreated` tells the caller to print it (once). */
  stats: { user: string; password: string; passwordCreated: boolean; passwordPath: string; uri: string };
  /** Applies a new desired set (call on every etcd change). */
  sync(servers: readonly ServerEntry[]): Promise<SyncReport>;
  /**
   * Stops drift repair, lets running drains end, then stops HAProxy gracefully: in-flight
   * requests finish; after `graceMs` (default 5000) whatever is left, such as idle
   * keep-alive client connections, is closed.
   */
  stop(opts?: { graceMs?: number }): Promise<void>;
}

/**
 * HAProxy as `hecd up` runs it: stats password (generated once, 0600), the built-in
 * config with the current servers, the master-worker process, a controller for changes
 * and a drift repairer. Everything lives under `stateDir`.
 */
export async function startManagedHaproxy(opts: ManagedHaproxyOptions): Promise<ManagedHaproxy> {
  // HAProxy resolves socket paths against its own working directory: make them absolute.
  const o = { ...opts, stateDir: resolve(opts.stateDir) };
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  const secret = loadOrCreateStatsPassword(o.stateDir);
  const statsUser = o.statsUser ?? "admin";
  const options: HaproxyConfigOptions = {
    ...defaultConfigOptions(o.stateDir, { user: statsUser, password: secret.password, uri: "/admin-status" }),
    ...o.config,
    stateDir: o.stateDir,
    port: o.port,
  };
  const configPath = join(o.stateDir, "haproxy.cfg");
  const bin = o.haproxyBin ?? "haproxy";
  await writeConfigAtomic(configPath, renderConfig(options, o.initial), bin);
  const hp = await startHaproxyProcess({
    stateDir: o.stateDir,
    configPath,
    haproxyBin: bin,
    onOutput: (chunk) => {
      for (const line of chunk.split("\n"))
        if (line.trim() !== "") o.log.info({ haproxy: true }, line.trim());
    },
  });
  const controller = new HaproxyController({
    runtime: hp.runtime,
    master: hp.master,
    configPath,
    config: options,
    log: o.log,
    drainTimeoutMs: o.drainTimeoutMs,
    haproxyBin: bin,
  });
  const drift = startDriftRepair({
    controller,
    runtime: hp.runtime,
    backend: options.backend,
    desired: o.desired,
    intervalMs: o.driftIntervalMs ?? 5000,
    log: o.log,
  });
  return {
    process: hp,
    controller,
    drift,
    configPath,
    options,
    stats: {
      user: statsUser,
      password: secret.password,
      passwordCreated: secret.created,
      passwordPath: secret.path,
      uri: "/admin-status",
    },
    sync: (servers) => controller.sync(servers),
    stop: async (s = {}) => {
      await drift.stop();
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((r) => {
        timer = setTimeout(r, o.drainTimeoutMs ?? 30_000);
      });
      await Promise.race([controller.drained(), bound]);
      clearTimeout(timer);
      await hp.stop({ timeoutMs: s.graceMs ?? 5000 });
    },
  };
}
