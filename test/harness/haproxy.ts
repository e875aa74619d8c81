import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  defaultConfigOptions,
  normalizeServers,
  renderConfig,
  silentLogger,
  startHaproxyProcess,
  type HaproxyConfigOptions,
  type HaproxyProcess,
} from "../../src/haproxy/index.js";
import type { MasterCli } from "../../src/haproxy/master.js";
import type { Logger } from "../../src/haproxy/servers.js";
import type { CheckOptions, RuntimeApi } from "../../src/haproxy/runtime.js";
import { freePort, waitFor } from "./ports.js";
import { requireTool } from "./tools.js";

export interface HaproxyInstance {
  runtime: RuntimeApi;
  master: MasterCli;
  /** Frontend port on 127.0.0.1. */
  port: number;
  /** Master process pid. */
  pid: number;
  dir: string;
  configPath: string;
  options: HaproxyConfigOptions;
  bin: string;
  /** HAProxy's stdout+stderr so far. */
  output(): string;
  /** Pid of the current worker (from the master CLI). */
  workerPid(): Promise<number>;
  stop(): Promise<void>;
}

/** Health checks fast enough for tests: every 200 ms, DOWN after 2 failures, UP after 1 success. */
export const FAST_CHECK: Readonly<CheckOptions> = { interMs: 200, fall: 2, rise: 1 };

export interface StartHaproxyOptions {
  /** Overrides of the built-in template's options (stateDir and port are the harness's). */
  options?: Partial<Omit<HaproxyConfigOptions, "stateDir">>;
  /** Initial servers, registry name -> "ip:port". */
  servers?: ReadonlyMap<string, string>;
  /** A raw config to use instead of the template; `{{STATE}}` and `{{PORT}}` are substituted. */
  config?: string;
}

/** Starts `haproxy -W -S <master.sock> -f <cfg>` on a free loopback port with its own dir. */
export async function startHaproxy(opts: StartHaproxyOptions = {}): Promise<HaproxyInstance> {
  const bin = requireTool("haproxy", "apt-get install -y haproxy");
  const dir = mkdtempSync(join(tmpdir(), "hecd-haproxy-"));
  const port = opts.options?.port ?? (await freePort());
  const options: HaproxyConfigOptions = {
    ...defaultConfigOptions(dir, null),
    bindAddress: "127.0.0.1",
    log: "stderr format raw local0 notice",
    ...opts.options,
    stateDir: dir,
    port,
  };
  const configPath = join(dir, "haproxy.cfg");
  const text =
    opts.config !== undefined
      ? opts.config.replaceAll("{{STATE}}", dir).replaceAll("{{PORT}}", String(port))
      : renderConfig(options, normalizeServers(opts.servers ?? new Map(), silentLogger).servers);
  writeFileSync(configPath, text, { mode: 0o600 });
  let hp: HaproxyProcess;
  try {
    hp = await startHaproxyProcess({ stateDir: dir, configPath, haproxyBin: bin });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const { runtime, master } = hp;
  const stop = async (): Promise<void> => {
    await hp.stop({ graceful: false, timeoutMs: 5000 });
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    runtime,
    master,
    port,
    pid: hp.pid,
    dir,
    configPath,
    options,
    bin,
    output: () => hp.output(),
    workerPid: async () => {
      const w = (await master.showProc()).workers[0];
      if (!w) throw new Error("HAProxy master reports no worker");
      return w.pid;
    },
    stop,
  };
}

export interface TestBackend {
  name: string;
  port: number;
  /** "127.0.0.1:<port>" (or "[::1]:<port>") */
  address: string;
  /** Requests answered so far. */
  hits(): number;
  /** Stops accepting: new connections are refused, in-flight requests finish, idle ones close. */
  stopAccepting(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A node HTTP server on a free 127.0.0.1 port answering `<name>\n`; `/slow?ms=N` answers
 * after N ms (for drain tests).
 */
export async function startBackend(name: string, host = "127.0.0.1"): Promise<TestBackend> {
  let hits = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://backend");
    const ms = url.pathname === "/slow" ? Math.min(Number(url.searchParams.get("ms") ?? 0), 60_000) : 0;
    setTimeout(() => {
      hits++;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`${name}\n`);
    }, ms);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    address: host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`,
    hits: () => hits,
    stopAccepting: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export { freePort };

export interface LoadResult {
  ok: number;
  failed: number;
  /** The first few failures, for the assertion message. */
  failures: string[];
}

/**
 * A bounded loopback load: `concurrency` loops of GET requests to 127.0.0.1:<port> until
 * `stop()` is called, `maxRequests` are sent or `maxMs` passes. A request fails on a
 * network error or a non-200 answer.
 */
export function startLoad(opts: {
  port: number;
  concurrency: number;
  maxRequests: number;
  maxMs: number;
  keepAlive?: boolean;
}): {
  stop(): Promise<LoadResult>;
  done: Promise<LoadResult>;
  sent(): number;
} {
  const result: LoadResult = { ok: 0, failed: 0, failures: [] };
  const agent = new Agent({ keepAlive: opts.keepAlive ?? false, maxSockets: opts.concurrency });
  const deadline = Date.now() + opts.maxMs;
  let sent = 0;
  let stopped = false;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = request(
        { host: "127.0.0.1", port: opts.port, path: "/", agent, timeout: 10_000 },
        (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode === 200) result.ok++;
            else fail(`status ${res.statusCode}`);
            resolve();
          });
          res.on("error", (e) => {
            fail(e.message);
            resolve();
          });
        },
      );
      const fail = (why: string): void => {
        result.failed++;
        if (result.failures.length < 10) result.failures.push(why);
      };
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", (e) => {
        fail(e.message);
        resolve();
      });
      req.end();
    });
  const loop = async (): Promise<void> => {
    while (!stopped && sent < opts.maxRequests && Date.now() < deadline) {
      sent++;
      await one();
    }
  };
  const done = Promise.all(Array.from({ length: opts.concurrency }, loop)).then(() => {
    agent.destroy();
    return result;
  });
  return {
    done,
    sent: () => sent,
    stop: () => {
      stopped = true;
      return done;
    },
  };
}

/** A Logger that keeps each line as "<level> <message>" for assertions. */
export function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (_o, m) => void lines.push(`info ${m}`),
    warn: (_o, m) => void lines.push(`warn ${m}`),
    error: (_o, m) => void lines.push(`error ${m}`),
  };
}

/** The trimmed bodies (or "status N" for a non-200) of `n` GETs to 127.0.0.1:<port>/. */
export async function namesServed(port: number, n: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/`);
    seen.add(r.status === 200 ? (await r.text()).trim() : `status ${r.status}`);
  }
  return seen;
}

/** Waits until HAProxy reports an open session on `backend/server` (e.g. a slow request in flight). */
export async function waitForSession(
  runtime: RuntimeApi,
  backend: string,
  server: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    `session on ${server}`,
    async () => ((await runtime.serverLoad(backend, server))?.scur ?? 0) > 0,
    timeoutMs,
    10,
  );
}
