import { unixRequest } from "./unix.js";

export interface ProcEntry {
  pid: number;
  type: string;
  reloads: number;
  uptime: string;
  version: string;
}

export interface ProcTable {
  master: ProcEntry & { failedReloads: number };
  /** Workers of the current generation. */
  workers: ProcEntry[];
  /** Workers of previous generations still finishing their connections. */
  oldWorkers: ProcEntry[];
}

/** Parses the master CLI's `show proc`. */
export function parseShowProc(text: string): ProcTable {
  let section: "head" | "workers" | "old" | "programs" = "head";
  let master: ProcTable["master"] | undefined;
  const workers: ProcEntry[] = [];
  const oldWorkers: ProcEntry[] = [];
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t === "") continue;
    if (t.startsWith("#")) {
      if (t === "# workers") section = "workers";
      else if (t === "# old workers") section = "old";
      else if (t === "# programs") section = "programs";
      continue;
    }
    const m = /^(\d+)\s+(\S+)\s+(\d+)(?:\s+\[failed:\s*(\d+)\])?\s+(\S+)\s+(\S+)/.exec(t);
    if (!m) throw new Error(`unexpected line in "show proc" output: ${t}`);
    const entry: ProcEntry = {
      pid: Number(m[1]),
      type: m[2]!,
      reloads: Number(m[3]),
      uptime: m[5]!,
      version: m[6]!,
    };
    if (section === "head" && entry.type === "master")
      master = { ...entry, failedReloads: Number(m[4] ?? 0) };
    else if (section === "workers") workers.push(entry);
    else if (section === "old") oldWorkers.push(entry);
  }
  if (!master) throw new Error(`"show proc" output has no master line: ${text.slice(0, 200)}`);
  return { master, workers, oldWorkers };
}

export interface ReloadResult {
  previousWorkers: number[];
  newWorkers: number[];
  tookMs: number;
}

export interface MasterCliOptions {
  timeoutMs?: number;
}

/** Client for the master CLI socket (`haproxy -W -S <socket>`). */
export class MasterCli {
  readonly timeoutMs: number;

  constructor(
    readonly socketPath: string,
    opts: MasterCliOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  async raw(command: string): Promise<string> {
    if (command.includes("\n") || command.includes(";")) {
      throw new Error(
        `refusing to send a command with a newline or ";" to the HAProxy master CLI: ${JSON.stringify(command)}`,
      );
    }
    return unixRequest(this.socketPath, command, { timeoutMs: this.timeoutMs, label: "master CLI" });
  }

  async showProc(): Promise<ProcTable> {
    return parseShowProc(await this.raw("show proc"));
  }

  /** Sends a runtime-API command to the current worker (`@1 <command>`) and returns its raw answer. */
  worker(command: string): Promise<string> {
    return this.raw(`@1 ${command}`);
  }

  /**
   * Seamless reload: the master re-executes itself with the configuration file, the new
   * worker takes the listening sockets over from the old one, and the old worker finishes
   * its connections. Resolves when a new worker generation runs; rejects when the master
   * reports a failed reload (the old worker keeps serving then) or on timeout.
   */
  async reload(timeoutMs = 15_000): Promise<ReloadResult> {
    const started = Date.now();
    const before = await this.showProc();
    const previous = before.workers.map((w) => w.pid);
    await this.raw("reload");
    const deadline = started + timeoutMs;
    let lastErr: unknown;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      let now: ProcTable;
      try {
        now = await this.showProc();
      } catch (e) {
        // The master re-executes itself; its CLI is briefly unavailable.
        lastErr = e;
        continue;
      }
      if (now.master.failedReloads > before.master.failedReloads) {
        throw new Error(
          `HAProxy reload failed (master ${now.master.pid} reports ${now.master.failedReloads} failed reloads); the previous worker keeps serving: check the configuration with "haproxy -c -f <file>"`,
        );
      }
      const fresh = now.workers.map((w) => w.pid).filter((p) => !previous.includes(p));
      if (now.master.reloads > before.master.reloads && fresh.length > 0) {
        return { previousWorkers: previous, newWorkers: fresh, tookMs: Date.now() - started };
      }
    }
    throw new Error(
      `HAProxy reload did not produce a new worker within ${timeoutMs} ms${lastErr ? `: ${String(lastErr)}` : ""}`,
    );
  }
}
