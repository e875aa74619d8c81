import { isIP } from "node:net";
import { join } from "node:path";
import { formatServerAddress, isSafeName } from "./names.js";
import type { CheckOptions } from "./runtime.js";
import { assertSafeEntry, type ServerEntry } from "./servers.js";

/** Load-balancing algorithms that accept dynamic servers (HAProxy 2.6). */
export type DynamicBalance = "roundrobin" | "leastconn" | "random" | "first";

export interface StatsOptions {
  user: string;
  password: string;
  /** Default /admin-status. */
  uri: string;
  /** Own listener for the stats page; on the main frontend when absent. */
  bind?: { address: string; port: number };
}

export interface HaproxyConfigOptions {
  /** Holds the runtime-API socket (haproxy.sock). */
  stateDir: string;
  /** Frontend listen address, "*" for all. */
  bindAddress: string;
  port: number;
  frontend: string;
  backend: string;
  balance: DynamicBalance;
  maxconn: number;
  timeouts: { connectMs: number; clientMs: number; serverMs: number };
  check: CheckOptions;
  retries: number;
  /**
   * Failures on which a request is retried on another server. "empty-response" covers a
   * backend that dies or closes a reused connection mid-request; it applies to GET, HEAD
   * and OPTIONS only (other methods are retried on connection failures alone).
   */
  retryOn: RetryOn[];
  /** How long an old worker may keep connections after a reload. */
  hardStopAfterMs: number;
  /** HAProxy `log` target, e.g. "stderr format raw local0 notice"; no logging when null. */
  log: string | null;
  stats: StatsOptions | null;
}

export type RetryOn = "conn-failure" | "empty-response" | "response-timeout" | "junk-response";

export const defaultCheck: CheckOptions = { interMs: 2000, fall: 2, rise: 1 };

export function defaultConfigOptions(stateDir: string, stats: StatsOptions | null): HaproxyConfigOptions {
  return {
    stateDir,
    bindAddress: "*",
    port: 8080,
    frontend: "hecd-in",
    backend: "app",
    balance: "roundrobin",
    maxconn: 5000,
    timeouts: { connectMs: 5000, clientMs: 50_000, serverMs: 50_000 },
    check: { ...defaultCheck },
    retries: 3,
    retryOn: ["conn-failure", "empty-response"],
    hardStopAfterMs: 30_000,
    log: "stderr format raw local0 notice",
    stats,
  };
}

export function runtimeSocketPath(stateDir: string): string {
  return join(stateDir, "haproxy.sock");
}

export function masterSocketPath(stateDir: string): string {
  return join(stateDir, "haproxy-master.sock");
}

/** Anything written verbatim into the config must not be able to start a new word or line. */
function word(value: string, what: string, pattern: RegExp = /^[A-Za-z0-9_.:/@+=,-]+$/): string {
  if (!pattern.test(value)) {
    throw new Error(`invalid HAProxy ${what} ${JSON.stringify(value)}: it must match ${pattern.source}`);
  }
  return value;
}

function posInt(n: number, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`invalid HAProxy ${what} ${n}: expected an integer 1-${max}`);
  return n;
}

function bindAddr(address: string, port: number, what: string): string {
  posInt(port, `${what} port`, 65535);
  if (address === "*") return `*:${port}`;
  const family = isIP(address);
  if (family === 4) return `${address}:${port}`;
  if (family === 6) return `[${address}]:${port}`;
  throw new Error(`invalid ${what} address ${JSON.stringify(address)}: expected "*" or an IP address`);
}

function validateOptions(o: HaproxyConfigOptions): void {
  for (const [v, what] of [
    [o.frontend, "frontend name"],
    [o.backend, "backend name"],
  ] as const) {
    if (!isSafeName(v))
      throw new Error(`invalid HAProxy ${what} ${JSON.stringify(v)}: use letters, digits, "_", "." or "-"`);
  }
  word(o.stateDir, "state directory (no spaces or quotes allowed in the path)");
  for (const sock of [runtimeSocketPath(o.stateDir), masterSocketPath(o.stateDir)]) {
    // sockaddr_un holds 108 bytes including the terminating NUL.
    if (Buffer.byteLength(sock) > 107) {
      throw new Error(`HAProxy socket path ${sock} is longer than 107 bytes: use a shorter --state-dir`);
    }
  }
  posInt(o.maxconn, "maxconn");
  posInt(o.retries, "retries", 100);
  posInt(o.timeouts.connectMs, "timeout connect");
  posInt(o.timeouts.clientMs, "timeout client");
  posInt(o.timeouts.serverMs, "timeout server");
  posInt(o.hardStopAfterMs, "hard-stop-after");
  posInt(o.check.interMs, "check inter");
  posInt(o.check.fall, "check fall", 1000);
  posInt(o.check.rise, "check rise", 1000);
  for (const r of o.retryOn) {
    if (!["conn-failure", "empty-response", "response-timeout", "junk-response"].includes(r)) {
      throw new Error(
        `invalid retry-on keyword ${JSON.stringify(r)}: use conn-failure, empty-response, response-timeout or junk-response`,
      );
    }
  }
  if (o.retryOn.length === 0) throw new Error('retryOn must name at least one keyword (e.g. "conn-failure")');
  if (!["roundrobin", "leastconn", "random", "first"].includes(o.balance)) {
    throw new Error(
      `invalid balance ${JSON.stringify(o.balance)}: dynamic servers need roundrobin, leastconn, random or first`,
    );
  }
  if (o.log !== null) word(o.log, "log target", /^[A-Za-z0-9_.:/@ -]+$/);
  if (o.stats) {
    word(o.stats.user, "stats user", /^[A-Za-z0-9_.-]+$/);
    word(o.stats.password, "stats password", /^[A-Za-z0-9_-]{8,}$/);
    word(o.stats.uri, "stats uri", /^\/[A-Za-z0-9_./-]*$/);
  }
}

/** The server line and the `add server` arguments share these keywords. */
export function checkKeywords(c: CheckOptions): string {
  return `check inter ${c.interMs} fall ${c.fall} rise ${c.rise}`;
}

/**
 * The built-in HAProxy 2.6 configuration: the seed's design (frontend, roundrobin backend
 * with health-checked servers, stats page) with a master-worker runtime API. Servers must
 * come from normalizeServers(); anything unsafe throws instead of being written.
 */
export function renderConfig(o: HaproxyConfigOptions, servers: readonly ServerEntry[]): string {
  validateOptions(o);
  servers.forEach(assertSafeEntry);
  const L: string[] = [];
  const add = (indent: boolean, line: string): void => {
    L.push(indent ? `    ${line}` : line);
  };
  add(false, "# Written by hecd; servers are kept in sync at runtime through the stats socket.");
  add(false, "global");
  add(true, "master-worker");
  add(true, `stats socket ${runtimeSocketPath(o.stateDir)} mode 600 level admin expose-fd listeners`);
  add(true, "stats timeout 30s");
  add(true, `maxconn ${o.maxconn}`);
  add(true, `hard-stop-after ${o.hardStopAfterMs}ms`);
  if (o.log !== null) add(true, `log ${o.log}`);
  add(false, "");
  add(false, "defaults");
  add(true, "mode http");
  if (o.log !== null) add(true, "log global");
  add(true, "option dontlognull");
  // A reload must not close client connections that have not sent their request yet.
  add(true, "option idle-close-on-response");
  add(true, `retries ${o.retries}`);
  add(true, "option redispatch");
  add(true, `timeout connect ${o.timeouts.connectMs}ms`);
  add(true, `timeout client ${o.timeouts.clientMs}ms`);
  add(true, `timeout server ${o.timeouts.serverMs}ms`);
  add(false, "");
  add(false, `frontend ${o.frontend}`);
  add(true, `bind ${bindAddr(o.bindAddress, o.port, "frontend")}`);
  add(true, "option forwardfor");
  if (o.stats && !o.stats.bind) statsLines(o.stats).forEach((l) => add(true, l));
  add(true, `default_backend ${o.backend}`);
  add(false, "");
  add(false, `backend ${o.backend}`);
  add(true, `balance ${o.balance}`);
  add(true, `retry-on ${o.retryOn.join(" ")}`);
  if (o.retryOn.some((r) => r !== "conn-failure")) {
    add(true, "http-request disable-l7-retry if !METH_GET !METH_HEAD !METH_OPTIONS");
  }
  for (const s of servers)
    add(true, `server ${s.name} ${formatServerAddress(s.address)} ${checkKeywords(o.check)}`);
  if (o.stats?.bind) {
    add(false, "");
    add(false, "listen hecd-stats");
    add(true, `bind ${bindAddr(o.stats.bind.address, o.stats.bind.port, "stats")}`);
    statsLines(o.stats).forEach((l) => add(true, l));
  }
  return `${L.join("\n")}\n`;
}

function statsLines(s: StatsOptions): string[] {
  return [
    "stats enable",
    `stats uri ${s.uri}`,
    "stats realm hecd",
    `stats auth ${s.user}:${s.password}`,
    "stats refresh 5s",
  ];
}

/** The config without its server lines: when this changes, the runtime API cannot apply it. */
export function configSkeleton(text: string): string {
  return text
    .split("\n")
    .filter((l) => !/^\s+server\s/.test(l))
    .join("\n");
}
