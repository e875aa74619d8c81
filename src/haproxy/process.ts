import { spawn } from "node:child_process";
import { masterSocketPath, runtimeSocketPath } from "./config.js";
import { MasterCli } from "./master.js";
import { RuntimeApi } from "./runtime.js";

/**
 * Arguments that start HAProxy the way hecd drives it: master-worker (-W) with a master
 * CLI socket (-S, owner-only) in the state directory.
 */
export function haproxyArgs(stateDir: string, configPath: string): string[] {
  return ["-W", "-S", `${masterSocketPath(stateDir)},mode,600`, "-f", configPath];
}

/** Clients for the HAProxy of a state directory (the sockets `hecd up` creates). */
export function haproxyClients(
  stateDir: string,
  timeoutMs?: number,
): { runtime: RuntimeApi; master: MasterCli } {
  return {
    runtime: new RuntimeApi(runtimeSocketPath(stateDir), { timeoutMs }),
    master: new MasterCli(masterSocketPath(stateDir), { timeoutMs }),
  };
}

/**
 * Resolves once both sockets answer and the master reports a worker; rejects with the
 * last error after `timeoutMs`, or as soon as `exited` rejects (the process died).
 */
export async function waitForHaproxy(
  runtime: RuntimeApi,
  master: MasterCli,
  timeoutMs: number,
  exited?: Promise<never>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  let dead: unknown;
  exited?.catch((e: unknown) => {
    dead = e;
  });
  while (Date.now() < deadline) {
    if (dead !== undefined) throw dead;
    try {
      await runtime.raw("show info");
      if ((await master.showProc()).workers.length > 0) return;
      lastErr = new Error("the master reports no worker yet");
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (dead !== undefined) throw dead;
  throw new Error(
    `HAProxy did not become ready within ${timeoutMs} ms: ${lastErr instanceof Error ? lastErr.message : String(lastErr)}`,
  );
}

/**
 * HAProxy exited before it was ready. `code` is "EADDRINUSE" when it could not bind a listener
 * (the text is HAProxy's own, read here where its output is read), else "HAPROXY_EXITED".
 */
export class HaproxyStartError extends Error {
  override readonly name = "HaproxyStartError";
  readonly code: "EADDRINUSE" | "HAPROXY_EXITED";
  constructor(
    readonly how: number | string,
    readonly output: string,
  ) {
    super(`haproxy exited (${how}) before it was ready: ${output}`);
    this.code = output.includes("Address already in use") ? "EADDRINUSE" : "HAPROXY_EXITED";
  }
}

export interface HaproxyProcess {
  /** Master pid. */
  pid: number;
  runtime: RuntimeApi;
  master: MasterCli;
  /** HAProxy's stdout and stderr so far (the last 64 KiB). */
  output(): string;
  /** Resolves with the exit code (or signal name) when the master exits. */
  exited: Promise<number | string>;
  /**
   * Stops HAProxy. Graceful (default): SIGUSR1, workers finish their connections; after
   * `timeoutMs` SIGTERM, then SIGKILL.
   */
  stop(opts?: { graceful?: boolean; timeoutMs?: number }): Promise<void>;
}

export interface StartHaproxyProcessOptions {
  stateDir: string;
  configPath: string;
  haproxyBin?: string;
  readyTimeoutMs?: number;
  /** Called with each chunk HAProxy writes (its log goes to stderr). */
  onOutput?: (chunk: string) => void;
}

/**
 * Starts `haproxy -W -S <state>/haproxy-master.sock -f <config>` as a child process and
 * resolves once both sockets answer; rejects with HAProxy's output if it exits first.
 */
export async function startHaproxyProcess(o: StartHaproxyProcessOptions): Promise<HaproxyProcess> {
  const bin = o.haproxyBin ?? "haproxy";
  let output = "";
  const proc = spawn(bin, haproxyArgs(o.stateDir, o.configPath), { stdio: ["ignore", "pipe", "pipe"] });
  const onData = (d: Buffer): void => {
    const chunk = d.toString("utf8");
    output = (output + chunk).slice(-65_536);
    o.onOutput?.(chunk);
  };
  proc.stdout.on("data", onData);
  proc.stderr.on("data", onData);
  const exited = new Promise<number | string>((resolve) => {
    proc.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
    proc.once("error", (e: NodeJS.ErrnoException) => {
      output += `\n${e.code === "ENOENT" ? `${bin} not found: install it with "apt-get install -y haproxy"` : e.message}`;
      resolve(e.code ?? "error");
    });
  });
  const died = exited.then((how): never => {
    throw new HaproxyStartError(how, output.slice(-3000));
  });
  const { runtime, master } = haproxyClients(o.stateDir);
  const stop = async (s: { graceful?: boolean; timeoutMs?: number } = {}): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const timeoutMs = s.timeoutMs ?? 10_000;
    proc.kill(s.graceful === false ? "SIGTERM" : "SIGUSR1");
    const term = setTimeout(() => proc.kill("SIGTERM"), timeoutMs);
    const kill = setTimeout(() => proc.kill("SIGKILL"), timeoutMs + 5000);
    await exited;
    clearTimeout(term);
    clearTimeout(kill);
  };
  try {
    await waitForHaproxy(runtime, master, o.readyTimeoutMs ?? 20_000, died);
  } catch (e) {
    await stop({ graceful: false, timeoutMs: 2000 });
    throw e;
  }
  return { pid: proc.pid!, runtime, master, output: () => output, exited, stop };
}
