import type { CheckOptions, RuntimeApi, RuntimeCommand } from "./runtime.js";
import { commands, HaproxyCommandError } from "./runtime.js";
import type { ServerState } from "./parse.js";
import { describeAction, planBackend, type Action } from "./plan.js";
import { silentLogger, type Logger, type ServerEntry } from "./servers.js";

export interface DrainOptions {
  /** Longest wait for current sessions to end before they are shut down. */
  timeoutMs: number;
  pollMs: number;
  log: Logger;
}

export interface DrainResult {
  name: string;
  /** The server was not in HAProxy (already removed). */
  alreadyGone: boolean;
  waitedMs: number;
  /** Sessions were still open at the bound and were shut down. */
  forced: boolean;
  /** Sessions open when the bound was reached. */
  lingering: number;
}

export interface ApplyOptions {
  check: CheckOptions;
  drain: DrainOptions;
  /**
   * When given, removals run in the background under this tracker instead of being awaited,
   * so a long drain never delays the next change.
   */
  drains?: DrainTracker;
  /**
   * The backend's live servers as the caller already knows them; read with
   * `show servers state` when absent.
   */
  live?: readonly ServerState[];
}

/** Drains running in the background, by HAProxy server name. */
export class DrainTracker {
  private readonly running = new Map<string, Promise<void>>();

  names(): ReadonlySet<string> {
    return new Set(this.running.keys());
  }

  start(name: string, drain: () => Promise<unknown>): void {
    if (this.running.has(name)) return;
    const p = drain()
      .then(() => undefined)
      .finally(() => this.running.delete(name));
    this.running.set(name, p);
  }

  /** Waits for the drains of these names (those running); never rejects. */
  async waitFor(names: Iterable<string>): Promise<void> {
    const ps = [...names].map((n) => this.running.get(n)).filter((p) => p !== undefined);
    await Promise.all(ps.map((p) => p.catch(() => undefined)));
  }

  /** Waits until no drain runs. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await this.waitFor([...this.running.keys()]);
  }
}

export interface ApplyReport {
  backend: string;
  actions: Action[];
  added: string[];
  readdressed: { name: string; from: string; to: string }[];
  repaired: string[];
  removed: DrainResult[];
  /** Removals left running in the background (with `drains`). */
  draining: string[];
  failed: { action: string; error: string }[];
}

export const defaultDrainOptions: DrainOptions = { timeoutMs: 30_000, pollMs: 100, log: silentLogger };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function isNoSuchServer(e: unknown): boolean {
  return e instanceof HaproxyCommandError && /No such server/i.test(e.output);
}

/**
 * Takes a server out of rotation without cutting a request: drain (no new sessions), wait
 * until its current sessions end (bounded by `timeoutMs`), maint, then `del server`. If
 * sessions linger past the bound they are shut down. Idempotent: a server that is already
 * gone counts as removed. `server` is the HAProxy name (serverNameFor(containerName)).
 */
export async function drainServer(
  runtime: RuntimeApi,
  backend: string,
  server: string,
  opts: Partial<DrainOptions> = {},
): Promise<DrainResult> {
  const o: DrainOptions = {
    timeoutMs: opts.timeoutMs ?? defaultDrainOptions.timeoutMs,
    pollMs: opts.pollMs ?? defaultDrainOptions.pollMs,
    log: opts.log ?? defaultDrainOptions.log,
  };
  const started = Date.now();
  const gone = (): DrainResult => ({
    name: server,
    alreadyGone: true,
    waitedMs: Date.now() - started,
    forced: false,
    lingering: 0,
  });
  try {
    await runtime.setServerState(backend, server, "drain");
  } catch (e) {
    if (isNoSuchServer(e)) return gone();
    throw e;
  }
  const deadline = started + o.timeoutMs;
  let lingering: number;
  for (;;) {
    const load = await runtime.serverLoad(backend, server);
    if (!load) return gone();
    lingering = load.scur + load.qcur;
    if (lingering === 0 || Date.now() >= deadline) break;
    await sleep(o.pollMs);
  }
  const forced = lingering > 0;
  try {
    await runtime.setServerState(backend, server, "maint");
    if (forced) {
      o.log.warn(
        { backend, server, sessions: lingering, timeoutMs: o.timeoutMs },
        "sessions still open after the drain timeout; shutting them down",
      );
      await runtime.shutdownSessions(backend, server);
    }
    await deleteWhenIdle(runtime, backend, server, o);
  } catch (e) {
    if (isNoSuchServer(e)) return gone();
    throw e;
  }
  const waitedMs = Date.now() - started;
  o.log.info({ backend, server, waitedMs, forced }, "server drained and removed");
  return { name: server, alreadyGone: false, waitedMs, forced, lingering };
}

/** `del server` refuses while connections (active or idle) remain; they close shortly after maint. */
async function deleteWhenIdle(
  runtime: RuntimeApi,
  backend: string,
  server: string,
  o: DrainOptions,
): Promise<void> {
  const deadline = Date.now() + Math.max(5000, o.pollMs * 10);
  let shutDown = false;
  for (;;) {
    try {
      await runtime.delServer(backend, server);
      return;
    } catch (e) {
      if (!(e instanceof HaproxyCommandError) || isNoSuchServer(e) || Date.now() >= deadline) throw e;
      if (!shutDown) {
        shutDown = true;
        await runtime.shutdownSessions(backend, server).catch(() => undefined);
      }
      await sleep(o.pollMs);
    }
  }
}

/**
 * The runtime commands of one non-removal action. An add is: add (HAProxy creates it in
 * maint with checks off), enable health, ready.
 */
function commandsOf(
  backend: string,
  a: Exclude<Action, { kind: "remove" }>,
  check: CheckOptions,
): RuntimeCommand[] {
  const name = a.entry.name;
  switch (a.kind) {
    case "add":
      return [
        commands.addServer(backend, name, a.entry.address, check),
        commands.enableHealth(backend, name),
        commands.setServerState(backend, name, "ready"),
      ];
    case "readdress":
      return [commands.setServerAddr(backend, name, a.entry.address)];
    case "enable-health":
      return [commands.enableHealth(backend, name)];
    case "ready":
      return [commands.setServerState(backend, name, "ready")];
  }
}

/** An added server whose later step failed is taken out again (maint first: del needs it). */
async function undoAdd(runtime: RuntimeApi, backend: string, name: string): Promise<void> {
  await runtime.setServerState(backend, name, "maint").catch(() => undefined);
  await runtime.delServer(backend, name).catch(() => undefined);
}

/**
 * Brings one backend's live servers to `servers` (validated entries, see normalizeServers)
 * through the runtime API, without a reload: adds, re-addresses, repairs, then drains and
 * removes vanished servers (concurrently). A failed action is reported and does not stop
 * the others.
 */
export async function applyBackends(
  runtime: RuntimeApi,
  backend: string,
  servers: readonly ServerEntry[],
  opts: ApplyOptions,
): Promise<ApplyReport> {
  const log = opts.drain.log;
  const drains = opts.drains;
  // A server wanted again while it drains is re-added once its drain has finished.
  if (drains) await drains.waitFor(servers.map((e) => e.name));
  const live = opts.live ?? (await runtime.showServersState(backend));
  const inProgress = drains?.names() ?? new Set<string>();
  const actions = planBackend(live, servers).filter((a) => a.kind !== "remove" || !inProgress.has(a.name));
  const report: ApplyReport = {
    backend,
    actions,
    added: [],
    readdressed: [],
    repaired: [],
    removed: [],
    draining: [],
    failed: [],
  };
  const fail = (a: Action, e: unknown): void => {
    const error = e instanceof Error ? e.message : String(e);
    report.failed.push({ action: describeAction(a), error });
    log.error({ backend, action: describeAction(a) }, `HAProxy update failed: ${error}`);
  };
  // Adds and repairs go in order on one connection; each command's answer is checked alone.
  const steps: { action: Exclude<Action, { kind: "remove" }>; cmds: RuntimeCommand[] }[] = [];
  for (const a of actions) {
    if (a.kind === "remove") continue;
    try {
      steps.push({ action: a, cmds: commandsOf(backend, a, opts.check) });
    } catch (e) {
      fail(a, e);
    }
  }
  let answers: (string | Error)[];
  try {
    answers = await runtime.sendAll(steps.flatMap((s) => s.cmds));
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    answers = steps.flatMap((s) => s.cmds.map(() => err));
  }
  let at = 0;
  for (const { action: a, cmds } of steps) {
    const mine = answers.slice(at, at + cmds.length);
    at += cmds.length;
    const errIndex = mine.findIndex((x) => x instanceof Error);
    if (errIndex >= 0) {
      if (a.kind === "add" && errIndex > 0) await undoAdd(runtime, backend, a.entry.name);
      fail(a, mine[errIndex]);
      continue;
    }
    switch (a.kind) {
      case "add":
        report.added.push(a.entry.name);
        break;
      case "readdress":
        report.readdressed.push({
          name: a.entry.name,
          from: a.from,
          to: `${a.entry.address.ip}:${a.entry.address.port}`,
        });
        break;
      case "enable-health":
      case "ready":
        report.repaired.push(describeAction(a));
        break;
    }
    log.info({ backend }, describeAction(a));
  }
  const removals: Promise<void>[] = [];
  for (const a of actions) {
    if (a.kind !== "remove") continue;
    if (drains) {
      drains.start(a.name, () =>
        drainServer(runtime, backend, a.name, opts.drain).catch((e: unknown) =>
          log.error(
            { backend, server: a.name },
            `HAProxy update failed: ${describeAction(a)}: ${e instanceof Error ? e.message : String(e)}`,
          ),
        ),
      );
      report.draining.push(a.name);
    } else {
      removals.push(
        drainServer(runtime, backend, a.name, opts.drain).then(
          (r) => void report.removed.push(r),
          (e: unknown) => fail(a, e),
        ),
      );
    }
  }
  await Promise.all(removals);
  return report;
}
