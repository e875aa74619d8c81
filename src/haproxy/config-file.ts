import { execFile } from "node:child_process";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
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

/**
 * Writes the config atomically (temp file in the same directory, fsync, rename), mode 0600
 * because it holds the stats password. When `haproxyBin` is given the temp file must pass
 * `haproxy -c` first; the old file stays in place otherwise.
 */
export async function writeConfigAtomic(path: string, text: string, haproxyBin?: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (haproxyBin !== undefined) {
    const check = await checkConfig(tmp, haproxyBin);
    if (!check.ok) {
      rmSync(tmp, { force: true });
      throw new Error(
        `refusing to write ${path}: haproxy -c rejects the new configuration:\n${check.output}`,
      );
    }
  }
  renameSync(tmp, path);
}

export function readConfigIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}
