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
  /** The config file changed: written before a reload, otherwise queued (see flushed()). */
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
  /** Config file writes queued behind runtime applies; never rejects. */
  private writes: Promise<void> = Promise.resolve();
  /** The text the queued writes will leave on disk, until the last of them lands. */
  private pendingText: string | undefined;

  constructor(private readonly o: ControllerOptions) {
    this.config = o.config;
  }

  /** HAProxy server names whose drain is still running in the background. */
  draining(): ReadonlySet<string> {
    return this.drains.names();
  }

  /** Resolves when every background drain and config file write has finished (e.g. before shutting down). */
  async drained(): Promise<void> {
    await this.drains.idle();
    await this.writes;
  }

  /** Resolves when the config file holds the last synced set. */
  flushed(): Promise<void> {
    return this.writes;
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

  /**
   * Applies `desired`; resolves once HAProxy serves it. The config file is rewritten in
   * the background right after (see flushed()), so the caller's next change is not held
   * up by an fsync.
   */
  sync(desired: ReadonlyMap<string, string>): Promise<SyncReport> {
    return this.serialized(() => this.syncNow(desired, { queueFileWrite: true }));
  }

  /**
   * Runs `fn` after every earlier sync or exclusive call has finished, and before later
   * ones, with the config file on disk up to date.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.serialized(async () => {
      await this.writes;
      return fn();
    });
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private queueWrite(text: string): void {
    this.pendingText = text;
    const path = this.o.configPath;
    const w: Promise<void> = this.writes
      .then(() => writeConfigAtomic(path, text))
      .catch((e: unknown) =>
        this.o.log.error(
          { configPath: path },
          `writing the HAProxy config file failed: ${e instanceof Error ? e.message : String(e)}; the next drift check rewrites it`,
        ),
      )
      .finally(() => {
        if (this.writes === w) this.pendingText = undefined;
      });
    this.writes = w;
  }

  /**
   * The unserialized sync: call only from inside exclusive(). The config file is written
   * before it resolves unless `queueFileWrite`.
   */
  async syncNow(
    desired: ReadonlyMap<string, string>,
    opts: { queueFileWrite?: boolean } = {},
  ): Promise<SyncReport> {
    const { servers } = normalizeServers(desired, silentLogger);
    const text = renderConfig(this.config, servers);
    const old = this.pendingText ?? readConfigIfExists(this.o.configPath);
    const bin = this.o.haproxyBin ?? "haproxy";
    const drain: DrainOptions = { timeoutMs: this.o.drainTimeoutMs ?? 30_000, pollMs: 100, log: this.o.log };
    const apply = (): Promise<ApplyReport> =>
      applyBackends(this.o.runtime, this.config.backend, desired, {
        check: this.config.check,
        drain,
        drains: this.drains,
      });

    if (old === undefined || configSkeleton(old) !== configSkeleton(text)) {
      await this.writes;
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
    if (old !== text) {
      this.queueWrite(text);
      if (opts.queueFileWrite !== true) await this.writes;
    }
    return { configWritten: old !== text, apply: report };
  }
}
