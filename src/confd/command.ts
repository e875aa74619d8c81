// Runs check_cmd / reload_cmd through /bin/sh -c, as confd does, collecting combined output.
import { spawn } from "node:child_process";

export interface CommandResult {
  ok: boolean;
  /** Exit code, or the signal name, or "timeout". */
  status: string;
  output: string;
  ms: number;
}

export type CommandRunner = (cmd: string) => Promise<CommandResult>;

const MAX_OUTPUT = 64 * 1024;

export function shellRunner(timeoutMs = 120_000): CommandRunner {
  return (cmd) =>
    new Promise((resolve) => {
      const started = performance.now();
      let output = "";
      const child = spawn("/bin/sh", ["-c", cmd], { stdio: ["ignore", "pipe", "pipe"] });
      const add = (d: Buffer) => {
        if (output.length < MAX_OUTPUT) output += d.toString("utf8");
      };
      child.stdout.on("data", add);
      child.stderr.on("data", add);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, timeoutMs);
      child.on("error", (e) => {
        clearTimeout(timer);
        resolve({ ok: false, status: "spawn-error", output: e.message, ms: performance.now() - started });
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        const status = timedOut ? "timeout" : code !== null ? String(code) : String(signal);
        resolve({ ok: code === 0 && !timedOut, status, output, ms: performance.now() - started });
      });
    });
}
