import { checkConfig } from "./config-file.js";
import type { MasterCli, ReloadResult } from "./master.js";

/**
 * Reloads HAProxy without closing its listeners: validates the config file first (a
 * broken file never reaches the master), then asks the master CLI to reload; the new
 * worker receives the listening sockets from the old one.
 */
export async function seamlessReload(
  master: MasterCli,
  opts: { configPath: string; haproxyBin?: string; timeoutMs?: number },
): Promise<ReloadResult> {
  const check = await checkConfig(opts.configPath, opts.haproxyBin);
  if (!check.ok) {
    throw new Error(`not reloading HAProxy: ${opts.configPath} fails "haproxy -c":\n${check.output}`);
  }
  return master.reload(opts.timeoutMs);
}
