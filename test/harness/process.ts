import type { ChildProcess } from "node:child_process";

/** Whether a process with this pid exists (signal 0 probes without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal`, then SIGKILL after `killAfterMs`; resolves once the process has exited. */
export async function stopChild(
  p: ChildProcess | undefined,
  signal: NodeJS.Signals,
  killAfterMs: number,
): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once("exit", () => r()));
  p.kill(signal);
  const t = setTimeout(() => p.kill("SIGKILL"), killAfterMs);
  await gone;
  clearTimeout(t);
}
