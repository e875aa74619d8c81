import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** A random stats password: 24 URL-safe base64 characters (144 bits), safe on a config line. */
export function generateStatsPassword(): string {
  return randomBytes(18).toString("base64url");
}

export function statsPasswordPath(stateDir: string): string {
  return join(stateDir, "stats-password");
}

/** Writes a secret readable by its owner only (0600), atomically. */
export function writeSecretFile(path: string, value: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${value}\n`, { mode: 0o600, flag: "w" });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Reads a secret file, refusing one that others can read. */
export function readSecretFile(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`${path} is readable by others (mode ${mode.toString(8)}): run "chmod 600 ${path}"`);
  }
  const value = readFileSync(path, "utf8").trim();
  if (!/^[A-Za-z0-9_-]{8,}$/.test(value)) {
    throw new Error(`${path} does not hold a valid stats password: delete it to have a new one generated`);
  }
  return value;
}

/**
 * The stats password of a state directory: read if present, else generated and stored
 * 0600. `created` tells the caller to print it (once).
 */
export function loadOrCreateStatsPassword(stateDir: string): {
  password: string;
  created: boolean;
  path: string;
} {
  const path = statsPasswordPath(stateDir);
  try {
    return { password: readSecretFile(path), created: false, path };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const password = generateStatsPassword();
  writeSecretFile(path, password);
  return { password, created: true, path };
}
