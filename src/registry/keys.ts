// The one source of hecd's etcd key layout and of the checks on what goes into it.

/** Default prefix of the seed architecture: `/app/servers/<container-name>` = `host:port`. */
export const DEFAULT_PREFIX = "/app/servers";
/** Service-aware layout: `/services/<service>/<container-name>`. */
export const SERVICES_PREFIX = "/services";
/** Host records: `/hecd/hosts/<host>` = JSON {@link HostRecord}. */
export const HOSTS_PREFIX = "/hecd/hosts";
/**
 * Containers `hecd stop` (or a scale-down) has deregistered and is draining:
 * `/hecd/draining/<container-id>` = container name, under the stopper's lease.
 * Agents do not register them again while the key exists.
 */
export const DRAINING_PREFIX = "/hecd/draining";

/** What an agent publishes about its Docker host under {@link hostKey}. */
export interface HostRecord {
  /** Address other hosts reach this host's published ports on (the agent's host IP), or "" when unknown. */
  address: string;
  /** Docker endpoint of the host as the agent sees it, e.g. `unix:///var/run/docker.sock`. */
  docker: string;
  /** Containers this agent has registered right now. */
  containers: number;
  /** Key prefix the agent writes under (`/app/servers` or `/services`). */
  prefix: string;
  /** Layout name: `servers` or `services`. */
  layout: "servers" | "services";
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Checks one path element (container, service or host name); returns it or throws naming the fix. */
export function validateSegment(what: string, value: string): string {
  if (typeof value !== "string" || value.length === 0)
    throw new Error(`${what} is empty; give a non-empty name`);
  if (value.length > 253) throw new Error(`${what} ${JSON.stringify(value)} is longer than 253 characters`);
  if (!SEGMENT.test(value)) {
    throw new Error(
      `${what} ${JSON.stringify(value)} is not a valid key element: use letters, digits, '_', '.', '-' (starting with a letter or digit)`,
    );
  }
  return value;
}

/** Normalizes a key prefix: leading '/', no trailing '/', no empty, '.' or '..' elements, no whitespace. */
export function normalizePrefix(prefix: string): string {
  if (typeof prefix !== "string" || prefix.trim() === "")
    throw new Error("key prefix is empty; use e.g. /app/servers");
  if (/\s/.test(prefix)) throw new Error(`key prefix ${JSON.stringify(prefix)} contains whitespace`);
  let p = prefix.startsWith("/") ? prefix : `/${prefix}`;
  while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  if (p === "/") throw new Error("key prefix '/' would cover the whole keyspace; use e.g. /app/servers");
  for (const part of p.slice(1).split("/")) {
    if (part === "" || part === "." || part === "..") {
      throw new Error(`key prefix ${JSON.stringify(prefix)} has an empty, '.' or '..' element`);
    }
  }
  return p;
}

/** `/app/servers/<name>` (or `<prefix>/<name>`). */
export function serverKey(prefix: string, name: string): string {
  return `${normalizePrefix(prefix)}/${validateSegment("container name", stripSlash(name))}`;
}

/** `/services/<service>/<name>`. */
export function serviceKey(service: string, name: string): string {
  return `${SERVICES_PREFIX}/${validateSegment("service name", service)}/${validateSegment("container name", stripSlash(name))}`;
}

/** `/hecd/hosts/<host>`. */
export function hostKey(host: string): string {
  return `${HOSTS_PREFIX}/${validateSegment("host name", host)}`;
}

/** `/hecd/draining/<container-id>`. */
export function drainingKey(containerId: string): string {
  return `${DRAINING_PREFIX}/${validateSegment("container id", containerId)}`;
}

/** Last element of a key (what confd's `base` gives). */
export function keyBase(key: string): string {
  const i = key.lastIndexOf("/");
  return i < 0 ? key : key.slice(i + 1);
}

/** Docker reports container names as "/name"; keys use "name". */
function stripSlash(name: string): string {
  return name.startsWith("/") ? name.slice(1) : name;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6_BODY = /^[0-9A-Fa-f:.]+$/;

/** Checks a host part: IPv4, hostname, or bracket-less IPv6 (for joining). Returns it or throws. */
export function validateHost(host: string): string {
  if (IPV4.test(host)) return host;
  if (host.includes(":")) {
    if (IPV6_BODY.test(host) && host.split("::").length <= 2 && host.split(":").length <= 8) return host;
    throw new Error(`host ${JSON.stringify(host)} is not a valid IPv6 address`);
  }
  if (/^[\d.]+$/.test(host)) throw new Error(`host ${JSON.stringify(host)} is not a valid IPv4 address`);
  if (HOSTNAME.test(host)) return host;
  throw new Error(`host ${JSON.stringify(host)} is not a valid IPv4 address, hostname or IPv6 address`);
}

/** Joins a host and a port into the value format, bracketing IPv6. */
export function formatAddress(host: string, port: number): string {
  validateHost(host);
  validatePort(port);
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function validatePort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`port ${port} is out of range 1..65535`);
}

/**
 * Checks a registry value: `host:port` with an IPv4 address, a hostname or `[IPv6]`, port 1..65535,
 * nothing else (no whitespace, newlines or extra text that could inject into a rendered config).
 * Returns the value unchanged or throws an error naming the problem.
 */
export function validateAddress(value: string): string {
  if (typeof value !== "string" || value === "") throw new Error("address is empty; expected host:port");
  if (/[\s\u0000-\u001f\u007f]/.test(value)) {
    throw new Error(
      `address ${JSON.stringify(value)} contains whitespace or control characters; expected host:port`,
    );
  }
  let host: string;
  let portText: string;
  if (value.startsWith("[")) {
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(value);
    if (!m) throw new Error(`address ${JSON.stringify(value)} is not [IPv6]:port`);
    host = m[1]!;
    portText = m[2]!;
    if (!host.includes(":"))
      throw new Error(`address ${JSON.stringify(value)}: brackets are only for IPv6 addresses`);
  } else {
    const i = value.lastIndexOf(":");
    if (i <= 0) throw new Error(`address ${JSON.stringify(value)} has no port; expected host:port`);
    host = value.slice(0, i);
    portText = value.slice(i + 1);
    if (host.includes(":"))
      throw new Error(`address ${JSON.stringify(value)}: write IPv6 addresses as [addr]:port`);
  }
  if (!/^\d{1,5}$/.test(portText))
    throw new Error(`address ${JSON.stringify(value)}: port must be a number 1..65535`);
  const port = Number(portText);
  if (port < 1 || port > 65535 || portText.startsWith("0")) {
    throw new Error(`address ${JSON.stringify(value)}: port must be a number 1..65535 without leading zeros`);
  }
  try {
    validateHost(host);
  } catch (e) {
    throw new Error(`address ${JSON.stringify(value)}: ${(e as Error).message}`, { cause: e });
  }
  return value;
}

/** Host part of a valid address (without IPv6 brackets). */
export function addressHost(value: string): string {
  if (value.startsWith("[")) return value.slice(1, value.indexOf("]"));
  return value.slice(0, value.lastIndexOf(":"));
}
