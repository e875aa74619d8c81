// One supervised child process of `hecd up`: started, probed until ready, restarted
// with backoff when it dies on its own, stopped with SIGTERM then SIGKILL.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import type { Logger } from "pino";

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** File that receives the child's stdout and stderr. */
  logFile: string;
  /** Resolves true once the child serves; polled until readyTimeoutMs. */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL. */
  stopTimeoutMs?: number;
}

export class SupervisedChild {
  private proc: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private stopping = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly spec: ChildSpec,
    private readonly logger: Logger,
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(): Promise<void> {
    this.stopping = false;
    await this.launch();
  }

  private async launch(): Promise<void> {
    const { spec } = this;
    this.log ??= createWriteStream(spec.logFile, { flags: "a", mode: 0o600 });
    const proc = spawn(spec.command, spec.args, {
      env: spec.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = proc;
    proc.stdout?.pipe(this.log, { end: false });
    proc.stderr?.pipe(this.log, { end: false });
    let exitInfo: string | undefined;
    const exited = new Promise<void>((resolve) =>
      proc.once("exit", (code, signal) => {
        exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
        resolve();
      }),
    );
    proc.once("error", (err) => this.logger.error({ child: spec.name, err: err.message }, "could not start"));
    void exited.then(() => this.onExit(proc, exitInfo ?? "exit"));

    const deadline = Date.now() + (spec.readyTimeoutMs ?? 20_000);
    while (Date.now() < deadline) {
      if (exitInfo !== undefined) {
        throw new Error(`${spec.name} exited during start-up (${exitInfo}); see ${spec.logFile}`);
      }
      if (await spec.ready().catch(() => false)) {
        this.logger.info({ child: spec.name, pid: proc.pid }, "ready");
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `${spec.name} did not become ready within ${spec.readyTimeoutMs ?? 20_000} ms; see ${spec.logFile}`,
    );
  }

  private onExit(proc: ChildProcess, how: string): void {
    if (this.proc !== proc || this.stopping) return;
    this.restarts++;
    const delay = Math.min(30_000, 250 * 2 ** Math.min(this.restarts, 7));
    this.logger.error({ child: this.spec.name, how, restartInMs: delay }, "child exited; restarting");
    this.restartTimer = setTimeout(() => {
      this.launch().catch((e) =>
        this.logger.error({ child: this.spec.name, err: (e as Error).message }, "restart failed"),
      );
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise<void>((r) => proc.once("exit", () => r()));
      proc.kill("SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), this.spec.stopTimeoutMs ?? 5_000);
      await gone;
      clearTimeout(killer);
    }
    this.log?.end();
    this.log = undefined;
  }
}
