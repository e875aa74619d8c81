import { checkConfig } from "./config-file.js";
import type { MasterCli, ReloadResult } from "./master.js";
import type { RuntimeApi } from "./runtime.js";

export interface SeamlessReloadOptions {
  configPath: string;
  haproxyBin?: string;
  timeoutMs?: number;
  /**
   * When given, the reload also waits until this runtime socket is answered by the new
   * worker, so that commands sent next never reach the old one.
   */
  runtime?: RuntimeApi;
}

/**
 * Reloads HAProxy without closing its listeners: validates the config file first (a
 * broken file never reaches the master), then asks the master CLI to reload; the new
 * worker receives the listening sockets from the old one.
 */
export async function seamlessReload(master: MasterCli, opts: SeamlessReloadOptions): Promise<ReloadResult> {
  const check = await checkConfig(opts.configPath, opts.haproxyBin);
  if (!check.ok) {
    throw new Error(`not reloading HAProxy: ${opts.configPath} fails "haproxy -c":\n${check.output}`);
  }
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const started = Date.now();
  const result = await master.reload(timeoutMs);
  if (opts.runtime) await waitForWorker(opts.runtime, result.newWorkers, started + timeoutMs);
  return result;
}

async function waitForWorker(runtime: RuntimeApi, pids: readonly number[], deadline: number): Promise<void> {
  let last = "";
  while (Date.now() < deadline) {
    try {
      const pid = Number(/^Pid: (\d+)$/m.exec(await runtime.raw("show info"))?.[1]);
      if (pids.includes(pid)) return;
      last = `answered by pid ${pid}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(
    `after the reload, the runtime socket ${runtime.socketPath} was not answered by the new worker (${pids.join(", ")}): ${last}`,
  );
}
