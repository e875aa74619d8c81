import { createHash } from "node:crypto";
import { isIP } from "node:net";

/** Characters HAProxy accepts in a server or backend name, and that can never form a directive. */
const SAFE_NAME = /^[A-Za-z0-9_.-]+$/;
const MAX_NAME = 64;

/**
 * The HAProxy server name for a registry name (e.g. a container name). Safe names are
 * kept as they are; anything else is mapped deterministically: unsafe characters become
 * "_" and a short hash of the original is appended so two different names never collide.
 */
export function serverNameFor(raw: string): string {
  if (SAFE_NAME.test(raw) && raw.length <= MAX_NAME) return raw;
  const hash = createHash("sha256").update(raw).digest("hex").slice(0, 8);
  const cleaned = raw.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, MAX_NAME - 9);
  return `${cleaned === "" ? "s" : cleaned}-${hash}`;
}

/** True when the name can be used verbatim as a HAProxy proxy or server name. */
export function isSafeName(name: string): boolean {
  return SAFE_NAME.test(name) && name.length <= MAX_NAME;
}

export interface ServerAddress {
  /** IP literal without brackets. */
  ip: string;
  port: number;
  family: 4 | 6;
}

export type AddressResult = { ok: true; value: ServerAddress } | { ok: false; error: string };

/**
 * Parses a registry value of the form `IPv4:port` or `[IPv6]:port`. Host names are refused:
 * HAProxy's dynamic servers never resolve names (init-addr none), so a name would be a
 * server that can never be reached.
 */
export function parseServerAddress(value: string): AddressResult {
  const bad = (why: string): AddressResult => ({
    ok: false,
    error: `invalid server address ${JSON.stringify(value)}: ${why}; expected IPv4:port or [IPv6]:port, e.g. 10.0.0.5:32768`,
  });
  if (value.length > 64) return bad("too long");
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(value);
  if (!m) return bad("not an IP literal and port");
  const ip = m[1] ?? m[2] ?? "";
  const family = isIP(ip);
  if (m[1] !== undefined && family !== 6) return bad(`${ip} is not an IPv6 address`);
  if (m[2] !== undefined && family !== 4) return bad(`${ip} is not an IPv4 address`);
  if (family === 6 && /^::ffff:/i.test(ip))
    return bad(`${ip} is an IPv4-mapped IPv6 address: use the IPv4 address`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return bad(`port ${port} is out of range 1-65535`);
  // HAProxy prints IPv6 addresses in canonical form; compare like with like.
  const canonical = family === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
  return { ok: true, value: { ip: canonical, port, family: family as 4 | 6 } };
}

/** The address as written on a HAProxy `server` line or an `add server` command. */
export function formatServerAddress(a: ServerAddress): string {
  return a.family === 6 ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}
