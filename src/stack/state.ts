// The state directory of a stack started by `hecd up` (default ./.hecd): where its
// processes keep their data, and stack.json, which lets `hecd ps/run/stop/scale`
// find the running stack with no other flags.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const DEFAULT_STATE_DIR = ".hecd";

export interface StackInfo {
  /** pid of the `hecd up` process that owns the stack. */
  pid: number;
  startedAt: string;
  etcdEndpoints: string[];
  /** Docker engines the stack's agent watches, with the address registered for their containers. */
  dockerHosts: { name: string; endpoint: string; address: string }[];
  prefix: string;
  haproxy: {
    runtimeSocket: string;
    masterSocket: string;
    configFile: string;
    backend: string;
    url: string;
    statsUrl: string;
  };
}

export interface StatePaths {
  dir: string;
  etcdData: string;
  stackFile: string;
  logDir: string;
}

export function statePaths(dir: string = DEFAULT_STATE_DIR): StatePaths {
  const abs = resolve(dir);
  return {
    dir: abs,
    etcdData: join(abs, "etcd"),
    stackFile: join(abs, "stack.json"),
    logDir: join(abs, "logs"),
  };
}

/** Creates the state directory, private to its owner (it holds a secret). */
export function ensureStateDir(paths: StatePaths): void {
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  chmodSync(paths.dir, 0o700);
  mkdirSync(paths.logDir, { recursive: true, mode: 0o700 });
}

export function writeStackInfo(paths: StatePaths, info: StackInfo): void {
  const tmp = `${paths.stackFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, paths.stackFile);
}

/** The running stack in `dir`, or undefined when none was started there (or it is gone). */
export function readStackInfo(dir: string = DEFAULT_STATE_DIR): StackInfo | undefined {
  const paths = statePaths(dir);
  if (!existsSync(paths.stackFile)) return undefined;
  let info: StackInfo;
  try {
    info = JSON.parse(readFileSync(paths.stackFile, "utf8")) as StackInfo;
  } catch (e) {
    throw new Error(
      `${paths.stackFile} is not valid JSON (${(e as Error).message}); remove it and run \`hecd up\` again`,
    );
  }
  return isAlive(info.pid) ? info : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
