// HAProxy kept running: a master that exits on its own is started again, and the workers
// a killed master leaves behind are stopped.
import { readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import type { ManagedHaproxy } from "../haproxy/managed.js";
import type { ServerEntry, Logger } from "../haproxy/servers.js";

export interface SupervisorOptions {
  /** Starts HAProxy serving `initial` (startManagedHaproxy with the stack's options). */
  start: (initial: readonly ServerEntry[]) => Promise<ManagedHaproxy>;
  initial: readonly ServerEntry[];
  /** The desired set to restart with. */
  desired: () => Promise<readonly ServerEntry[]>;
  log: Logger;
  /** Signals the HAProxy processes left running with a config file; returns how many. */
  signalStrays?: (configPath: string, signal: NodeJS.Signals) => number;
  /** Waits before a restart (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
}

export interface SupervisedHaproxy {
  current(): ManagedHaproxy;
  /** Times HAProxy was started again after exiting on its own. */
  restarts(): number;
  stop(): Promise<void>;
}

/** Backoff before the n-th restart attempt in a row: 500 ms doubling up to 30 s. */
export function restartDelayMs(attempt: number): number {
  return Math.min(30_000, 250 * 2 ** Math.min(attempt, 7));
}

/** HAProxy under supervision: if the master dies on its own it is started again from the desired set. */
export async function superviseHaproxy(o: SupervisorOptions): Promise<SupervisedHaproxy> {
  const strays = o.signalStrays ?? signalStrays;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let managed = await o.start(o.initial);
  let stopping = false;
  let attempts = 0;
  let restarted = 0;
  const watch = (m: ManagedHaproxy): void => {
    void m.process.exited.then(async (how) => {
      if (stopping || m !== managed) return;
      await m.drift.stop();
      // A master killed outright can leave its worker behind; let it finish its requests.
      strays(m.configPath, "SIGUSR1");
      while (!stopping) {
        const delay = restartDelayMs(++attempts);
        o.log.error({ how, restartInMs: delay }, "HAProxy exited; restarting it");
        await sleep(delay);
        if (stopping) return;
        try {
          managed = await o.start(await o.desired());
          restarted++;
          watch(managed);
          return;
        } catch (e) {
          o.log.error({ err: (e as Error).message }, "HAProxy restart failed");
        }
      }
    });
  };
  watch(managed);
  return {
    current: () => managed,
    restarts: () => restarted,
    stop: async () => {
      stopping = true;
      await managed.stop();
      if (strays(managed.configPath, "SIGTERM") > 0) {
        await sleep(2000);
        strays(managed.configPath, "SIGKILL");
      }
    },
  };
}

/** Signals every HAProxy process still running with this config file; returns how many. */
export function signalStrays(configPath: string, signal: NodeJS.Signals): number {
  let n = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const f = argv.indexOf("-f");
    if (!basename(argv[0] ?? "").startsWith("haproxy") || f < 0 || argv[f + 1] !== configPath) continue;
    try {
      process.kill(Number(pid), signal);
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}
