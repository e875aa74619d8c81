import { createConnection } from "node:net";
import {
  parseServersConn,
  parseServersState,
  parseShowStat,
  type ServerConn,
  type ServerState,
  type StatRow,
} from "./parse.js";
import { socketError, unixRequest } from "./unix.js";
import type { ServerAddress } from "./names.js";

/** HAProxy answered a command with an error message. */
export class HaproxyCommandError extends Error {
  constructor(
    readonly command: string,
    readonly output: string,
    readonly socketPath: string,
  ) {
    super(`HAProxy rejected "${command}" (socket ${socketPath}): ${firstLine(output) || "(empty answer)"}`);
    this.name = "HaproxyCommandError";
  }
}

function firstLine(s: string): string {
  return s.trim().split("\n")[0] ?? "";
}

/** A command argument may never contain a separator HAProxy's CLI interprets (space, ";", newline). */
const SAFE_ARG = /^[A-Za-z0-9_.:[\]/-]+$/;

export function assertCliArg(value: string, what: string): string {
  if (!SAFE_ARG.test(value)) {
    throw new Error(
      `refusing to send ${what} ${JSON.stringify(value)} to HAProxy: only letters, digits and "_.:-/[]" are allowed`,
    );
  }
  return value;
}

export type ServerAdminState = "ready" | "drain" | "maint";

export interface CheckOptions {
  /** Interval between health checks, ms. */
  interMs: number;
  /** Consecutive failures before DOWN. */
  fall: number;
  /** Consecutive successes before UP. */
  rise: number;
}

export interface RuntimeApiOptions {
  timeoutMs?: number;
}

/** Expected answers of the commands whose success is not an empty reply. */
const OK = {
  add: /^New server registered\./,
  del: /^Server deleted\./,
  addr: /changed from|no need to change/,
  empty: /^\s*$/,
};

/**
 * Client for HAProxy's runtime API (the `stats socket` of one worker). Each command
 * opens its own connection; `batch` uses the CLI's prompt mode to send several on one.
 */
export class RuntimeApi {
  readonly timeoutMs: number;

  constructor(
    readonly socketPath: string,
    opts: RuntimeApiOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  /** Sends one command and returns HAProxy's raw answer (no error detection). */
  async raw(command: string): Promise<string> {
    if (command.includes("\n") || command.includes(";")) {
      throw new Error(
        `refusing to send a command with a newline or ";" to HAProxy: ${JSON.stringify(command)}`,
      );
    }
    return unixRequest(this.socketPath, command, { timeoutMs: this.timeoutMs, label: "runtime API" });
  }

  /** Sends one command; an answer not matching `ok` becomes a HaproxyCommandError. */
  async expect(command: string, ok: RegExp): Promise<string> {
    const out = await this.raw(command);
    if (!ok.test(out)) throw new HaproxyCommandError(command, out, this.socketPath);
    return out;
  }

  /**
   * Sends the commands in order on one connection in prompt mode and returns each answer.
   * They are written all at once (HAProxy reads them one line at a time), so the batch
   * costs one round trip. Error detection is the caller's, per answer.
   */
  async batch(commands: readonly string[]): Promise<string[]> {
    for (const c of commands) {
      if (c.includes("\n") || c.includes(";")) {
        throw new Error(`refusing to send a command with a newline or ";" to HAProxy: ${JSON.stringify(c)}`);
      }
    }
    return new Promise((resolve, reject) => {
      // In prompt mode every answer, and the (empty) answer to "prompt" itself, ends with "\n> ".
      const parts: string[] = [];
      let buf = "";
      let settled = false;
      const answered = (): number => Math.max(0, parts.length - 1);
      const sock = createConnection({ path: this.socketPath });
      const done = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        sock.destroy();
        if (err) reject(err);
        else resolve(parts.slice(1));
      };
      const timer = setTimeout(
        () =>
          done(
            new Error(
              `HAProxy runtime API at ${this.socketPath} did not finish a batch within ${this.timeoutMs} ms (${answered()} of ${commands.length} commands answered)`,
            ),
          ),
        this.timeoutMs,
      );
      sock.on("connect", () => sock.write(["prompt", ...commands, "quit"].map((c) => `${c}\n`).join("")));
      sock.on("data", (d: Buffer) => {
        buf += d.toString("utf8");
        for (let i = buf.indexOf("\n> "); i >= 0; i = buf.indexOf("\n> ")) {
          parts.push(buf.slice(0, i));
          buf = buf.slice(i + 3);
        }
        if (parts.length > commands.length) done();
      });
      sock.on("close", () =>
        done(
          answered() < commands.length
            ? new Error(
                `HAProxy closed the runtime API connection after ${answered()} of ${commands.length} commands`,
              )
            : undefined,
        ),
      );
      sock.on("error", (e: NodeJS.ErrnoException) =>
        done(socketError(this.socketPath, "runtime API", "prompt", e)),
      );
    });
  }

  async showStat(): Promise<StatRow[]> {
    return parseShowStat(await this.expect("show stat", /^# pxname,/));
  }

  async showServersState(backend?: string): Promise<ServerState[]> {
    const cmd =
      backend === undefined ? "show servers state" : `show servers state ${assertCliArg(backend, "backend")}`;
    return parseServersState(await this.expect(cmd, /^1\n/));
  }

  async showServersConn(backend?: string): Promise<ServerConn[]> {
    const cmd =
      backend === undefined ? "show servers conn" : `show servers conn ${assertCliArg(backend, "backend")}`;
    return parseServersConn(await this.expect(cmd, /^# bkname\/svname/));
  }

  /** Adds a dynamic server; HAProxy creates it in maintenance with checks disabled. */
  async addServer(
    backend: string,
    server: string,
    address: ServerAddress,
    check: CheckOptions | null,
  ): Promise<void> {
    await this.send(commands.addServer(backend, server, address, check));
  }

  async delServer(backend: string, server: string): Promise<void> {
    await this.send(commands.delServer(backend, server));
  }

  async enableHealth(backend: string, server: string): Promise<void> {
    await this.send(commands.enableHealth(backend, server));
  }

  async setServerState(backend: string, server: string, state: ServerAdminState): Promise<void> {
    await this.send(commands.setServerState(backend, server, state));
  }

  async setServerAddr(backend: string, server: string, address: ServerAddress): Promise<void> {
    await this.send(commands.setServerAddr(backend, server, address));
  }

  async shutdownSessions(backend: string, server: string): Promise<void> {
    await this.send(commands.shutdownSessions(backend, server));
  }

  /**
   * Sends the commands in order on one connection. Each answer not matching its command's
   * `ok` becomes a HaproxyCommandError in that command's slot; a later command still runs.
   */
  async sendAll(cmds: readonly RuntimeCommand[]): Promise<(string | HaproxyCommandError)[]> {
    if (cmds.length === 0) return [];
    const answers = await this.batch(cmds.map((c) => c.command));
    return answers.map((out, i) => {
      const c = cmds[i]!;
      return c.ok.test(out) ? out : new HaproxyCommandError(c.command, out, this.socketPath);
    });
  }

  private async send(c: RuntimeCommand): Promise<string> {
    return this.expect(c.command, c.ok);
  }

  /** Current sessions and queued requests of one server, from `show stat`; undefined if absent. */
  async serverLoad(backend: string, server: string): Promise<{ scur: number; qcur: number } | undefined> {
    const row = (await this.showStat()).find((r) => r.pxname === backend && r.svname === server);
    return row ? { scur: row.scur, qcur: row.qcur } : undefined;
  }
}

/** One runtime-API command and the answer that means success. */
export interface RuntimeCommand {
  command: string;
  ok: RegExp;
}

function target(backend: string, server: string): string {
  return `${assertCliArg(backend, "backend name")}/${assertCliArg(server, "server name")}`;
}

/** Builders of the server commands; each validates its arguments (throws on an unsafe one). */
export const commands = {
  addServer(
    backend: string,
    server: string,
    address: ServerAddress,
    check: CheckOptions | null,
  ): RuntimeCommand {
    const addr = address.family === 6 ? `[${address.ip}]:${address.port}` : `${address.ip}:${address.port}`;
    const checkArgs = check ? ` check inter ${check.interMs} fall ${check.fall} rise ${check.rise}` : "";
    return {
      command: `add server ${target(backend, server)} ${assertCliArg(addr, "address")}${checkArgs}`,
      ok: OK.add,
    };
  },
  delServer(backend: string, server: string): RuntimeCommand {
    return { command: `del server ${target(backend, server)}`, ok: OK.del };
  },
  enableHealth(backend: string, server: string): RuntimeCommand {
    return { command: `enable health ${target(backend, server)}`, ok: OK.empty };
  },
  setServerState(backend: string, server: string, state: ServerAdminState): RuntimeCommand {
    return { command: `set server ${target(backend, server)} state ${state}`, ok: OK.empty };
  },
  setServerAddr(backend: string, server: string, address: ServerAddress): RuntimeCommand {
    const ip = assertCliArg(address.ip, "address");
    return { command: `set server ${target(backend, server)} addr ${ip} port ${address.port}`, ok: OK.addr };
  },
  shutdownSessions(backend: string, server: string): RuntimeCommand {
    return { command: `shutdown sessions server ${target(backend, server)}`, ok: OK.empty };
  },
};
