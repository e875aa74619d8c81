import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname, basename, join } from "node:path";

export interface ConfigCheck {
  ok: boolean;
  output: string;
}

/** Runs `haproxy -c -f <path>`. */
export function checkConfig(path: string, haproxyBin = "haproxy"): Promise<ConfigCheck> {
  return new Promise((resolve) => {
    execFile(haproxyBin, ["-c", "-f", path], { timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ ok: err === null, output: `${stdout}${stderr}`.trim() });
    });
  });
}

let tmpSeq = 0;

/**
 * Writes the config atomically (temp file in the same directory, fsync, rename), mode 0600
 * because it holds the stats password. When `haproxyBin` is given the temp file must pass
 * `haproxy -c` first; the old file stays in place otherwise. Asynchronous throughout, so
 * the fsync never blocks the event loop.
 */
export async function writeConfigAtomic(path: string, text: string, haproxyBin?: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}-${tmpSeq++}`);
  try {
    const fh = await open(tmp, "w", 0o600);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (haproxyBin !== undefined) {
      const check = await checkConfig(tmp, haproxyBin);
      if (!check.ok) {
        throw new Error(
          `refusing to write ${path}: haproxy -c rejects the new configuration:\n${check.output}`,
        );
      }
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export function readConfigIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}
