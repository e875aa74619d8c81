import { applyBackends, DrainTracker, type ApplyReport, type DrainOptions } from "./apply.js";
import { configSkeleton, renderConfig, type HaproxyConfigOptions } from "./config.js";
import { readConfigIfExists, writeConfigAtomic } from "./config-file.js";
import type { MasterCli, ReloadResult } from "./master.js";
import { seamlessReload } from "./reload.js";
import type { RuntimeApi } from "./runtime.js";
import { normalizeServers, silentLogger, type Logger } from "./servers.js";

export interface ControllerOptions {
  runtime: RuntimeApi;
  master: MasterCli;
  configPath: string;
  config: HaproxyConfigOptions;
  log: Logger;
  drainTimeoutMs?: number;
  haproxyBin?: string;
}

export interface SyncReport {
  /** Set when the change needed a seamless reload (anything besides the server set). */
  reload?: ReloadResult;
  configWritten: boolean;
  apply: ApplyReport;
}

/**
 * Keeps one HAProxy in line with a desired server set: rewrites the config file (so a
 * reload or restart reproduces the live state) and applies the set through the runtime
 * API; when something outside the server lines changed, falls back to a seamless reload.
 * Calls are serialized, so a drift check never races a watcher-driven update.
 */
export class HaproxyController {
  private chain: Promise<unknown> = Promise.resolve();
  private config: HaproxyConfigOptions;
  private readonly drains = new DrainTracker();

  constructor(private readonly o: ControllerOptions) {
    this.config = o.config;
  }

  /** HAProxy server names whose drain is still running in the background. */
  draining(): ReadonlySet<string> {
    return this.drains.names();
  }

  /** Resolves when every background drain has finished (e.g. before shutting down). */
  drained(): Promise<void> {
    return this.drains.idle();
  }

  /** True when the config file on disk is not what this desired set renders to. */
  configFileDiffers(desired: ReadonlyMap<string, string>): boolean {
    const { servers } = normalizeServers(desired, silentLogger);
    return readConfigIfExists(this.o.configPath) !== renderConfig(this.config, servers);
  }

  /** Changes global/frontend/backend options; the next sync reloads if the config changes. */
  setConfigOptions(config: HaproxyConfigOptions): void {
    this.config = config;
  }

  sync(desired: ReadonlyMap<string, string>): Promise<SyncReport> {
    return this.exclusive(() => this.syncNow(desired));
  }

  /** Runs `fn` after every earlier sync or exclusive call has finished, and before later ones. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The unserialized sync: call only from inside exclusive(). */
  async syncNow(desired: ReadonlyMap<string, string>): Promise<SyncReport> {
    const { servers } = normalizeServers(desired, silentLogger);
    const text = renderConfig(this.config, servers);
    const old = readConfigIfExists(this.o.configPath);
    const bin = this.o.haproxyBin ?? "haproxy";
    const drain: DrainOptions = { timeoutMs: this.o.drainTimeoutMs ?? 30_000, pollMs: 100, log: this.o.log };
    const apply = (): Promise<ApplyReport> =>
      applyBackends(this.o.runtime, this.config.backend, desired, {
        check: this.config.check,
        drain,
        drains: this.drains,
      });

    if (old === undefined || configSkeleton(old) !== configSkeleton(text)) {
      await writeConfigAtomic(this.o.configPath, text, bin);
      if (old === undefined) return { configWritten: true, apply: await apply() };
      this.o.log.info(
        { configPath: this.o.configPath },
        "configuration changed outside the server list: seamless reload",
      );
      const reload = await seamlessReload(this.o.master, {
        configPath: this.o.configPath,
        haproxyBin: bin,
        runtime: this.o.runtime,
      });
      return { reload, configWritten: true, apply: await apply() };
    }
    // Only server lines differ: the runtime API first (the fast path), then the file. The
    // skeleton already passed haproxy -c and server lines come from validated entries.
    const report = await apply();
    if (old !== text) await writeConfigAtomic(this.o.configPath, text);
    return { configWritten: old !== text, apply: report };
  }
}
