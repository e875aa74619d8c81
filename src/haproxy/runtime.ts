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
   * Error detection is the caller's, per answer.
   */
  async batch(commands: readonly string[]): Promise<string[]> {
    for (const c of commands) {
      if (c.includes("\n") || c.includes(";")) {
        throw new Error(`refusing to send a command with a newline or ";" to HAProxy: ${JSON.stringify(c)}`);
      }
    }
    return new Promise((resolve, reject) => {
      const answers: string[] = [];
      let buf = "";
      let next = 0;
      let settled = false;
      const sock = createConnection({ path: this.socketPath });
      const done = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        sock.destroy();
        if (err) reject(err);
        else resolve(answers);
      };
      const timer = setTimeout(
        () =>
          done(
            new Error(
              `HAProxy runtime API at ${this.socketPath} did not finish a batch within ${this.timeoutMs} ms`,
            ),
          ),
        this.timeoutMs,
      );
      // In prompt mode every answer (and the answer to "prompt" itself) ends with "\n> ".
      let awaitingPromptAck = true;
      const sendNext = (): void => {
        if (next >= commands.length) {
          sock.end("quit\n");
          done();
          return;
        }
        sock.write(`${commands[next]}\n`);
      };
      sock.on("connect", () => sock.write("prompt\n"));
      sock.on("data", (d: Buffer) => {
        buf += d.toString("utf8");
        while (buf.endsWith("\n> ") || buf === "> ") {
          const answer = buf.slice(0, buf.length - 2);
          buf = "";
          if (awaitingPromptAck) awaitingPromptAck = false;
          else {
            answers.push(answer.replace(/\n$/, ""));
            next++;
          }
          sendNext();
        }
      });
      sock.on("close", () =>
        done(
          next < commands.length
            ? new Error(
                `HAProxy closed the runtime API connection after ${next} of ${commands.length} commands`,
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
    const addr = address.family === 6 ? `[${address.ip}]:${address.port}` : `${address.ip}:${address.port}`;
    const checkArgs = check ? ` check inter ${check.interMs} fall ${check.fall} rise ${check.rise}` : "";
    await this.expect(
      `add server ${this.target(backend, server)} ${assertCliArg(addr, "address")}${checkArgs}`,
      OK.add,
    );
  }

  async delServer(backend: string, server: string): Promise<void> {
    await this.expect(`del server ${this.target(backend, server)}`, OK.del);
  }

  async enableHealth(backend: string, server: string): Promise<void> {
    await this.expect(`enable health ${this.target(backend, server)}`, OK.empty);
  }

  async setServerState(backend: string, server: string, state: ServerAdminState): Promise<void> {
    await this.expect(`set server ${this.target(backend, server)} state ${state}`, OK.empty);
  }

  async setServerAddr(backend: string, server: string, address: ServerAddress): Promise<void> {
    const ip = assertCliArg(address.ip, "address");
    await this.expect(`set server ${this.target(backend, server)} addr ${ip} port ${address.port}`, OK.addr);
  }

  async shutdownSessions(backend: string, server: string): Promise<void> {
    await this.expect(`shutdown sessions server ${this.target(backend, server)}`, OK.empty);
  }

  /** Current sessions and queued requests of one server, from `show stat`; undefined if absent. */
  async serverLoad(backend: string, server: string): Promise<{ scur: number; qcur: number } | undefined> {
    const row = (await this.showStat()).find((r) => r.pxname === backend && r.svname === server);
    return row ? { scur: row.scur, qcur: row.qcur } : undefined;
  }

  private target(backend: string, server: string): string {
    return `${assertCliArg(backend, "backend name")}/${assertCliArg(server, "server name")}`;
  }
}
