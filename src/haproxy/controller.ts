import { applyBackends, DrainTracker, type ApplyReport, type DrainOptions } from "./apply.js";
import { configSkeleton, renderConfig, type HaproxyConfigOptions } from "./config.js";
import { readConfigIfExists, writeConfigAtomic } from "./config-file.js";
import type { MasterCli, ReloadResult } from "./master.js";
import { seamlessReload } from "./reload.js";
import type { RuntimeApi } from "./runtime.js";
import { CHECK_CONFIGURED, CHECK_ENABLED, type ServerState } from "./parse.js";
import type { Logger, ServerEntry } from "./servers.js";
import { SerialQueue } from "../util/serial.js";

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
 * Keeps one HAProxy in line with a desired server set (validated entries): rewrites the config file (so a
 * reload or restart reproduces the live state) and applies the set through the runtime
 * API; when something outside the server lines changed, falls back to a seamless reload.
 * Calls are serialized, so a drift check never races a watcher-driven update.
 */
export class HaproxyController {
  private readonly queue = new SerialQueue();
  private config: HaproxyConfigOptions;
  private readonly drains = new DrainTracker();
  /** Config file writes queued behind runtime applies; never rejects. */
  private writes: Promise<void> = Promise.resolve();
  /** The text the queued writes will leave on disk, until the last of them lands. */
  private pendingText: string | undefined;
  /**
   * The servers live in HAProxy (ready, checks on) after the last apply that had no failure;
   * lets a watcher-driven sync skip `show servers state`. Drift repair and reloads always
   * read the real view.
   */
  private known: readonly ServerEntry[] | undefined;

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
  configFileDiffers(servers: readonly ServerEntry[]): boolean {
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
  sync(servers: readonly ServerEntry[]): Promise<SyncReport> {
    return this.queue.run(() => this.syncNow(servers, { queueFileWrite: true, trustKnown: true }));
  }

  /**
   * Runs `fn` after every earlier sync or exclusive call has finished, and before later
   * ones, with the config file on disk up to date.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      await this.writes;
      return fn();
    });
  }

  /** `known` as `show servers state` would list it, minus servers whose drain still runs. */
  private liveView(known: readonly ServerEntry[]): ServerState[] {
    const draining = this.drains.names();
    return known
      .filter((e) => !draining.has(e.name))
      .map((e, i) => ({
        backend: this.config.backend,
        backendId: 0,
        name: e.name,
        id: i + 1,
        addr: e.address.ip,
        port: e.address.port,
        opState: 2,
        adminState: 0,
        checkState: CHECK_CONFIGURED | CHECK_ENABLED,
      }));
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
    servers: readonly ServerEntry[],
    opts: { queueFileWrite?: boolean; trustKnown?: boolean } = {},
  ): Promise<SyncReport> {
    const known = opts.trustKnown === true ? this.known : undefined;
    this.known = undefined;
    const text = renderConfig(this.config, servers);
    const old = this.pendingText ?? readConfigIfExists(this.o.configPath);
    const bin = this.o.haproxyBin ?? "haproxy";
    const drain: DrainOptions = { timeoutMs: this.o.drainTimeoutMs ?? 30_000, pollMs: 100, log: this.o.log };
    const apply = async (live?: readonly ServerState[]): Promise<ApplyReport> => {
      const report = await applyBackends(this.o.runtime, this.config.backend, servers, {
        check: this.config.check,
        drain,
        drains: this.drains,
        live,
      });
      if (report.failed.length === 0) this.known = servers;
      return report;
    };

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
    const report = await apply(known && this.liveView(known));
    if (old !== text) {
      this.queueWrite(text);
      if (opts.queueFileWrite !== true) await this.writes;
    }
    return { configWritten: old !== text, apply: report };
  }
}
