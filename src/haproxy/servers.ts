import { isSafeName, parseServerAddress, serverNameFor, type ServerAddress } from "./names.js";

/** A backend server that passed validation: safe to put on a config line or a CLI command. */
export interface ServerEntry {
  /** HAProxy server name (safe characters only). */
  name: string;
  address: ServerAddress;
  /** The registry name it came from (e.g. the container name). */
  source: string;
}

export interface RejectedServer {
  source: string;
  value: string;
  error: string;
}

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/**
 * The edge where values from etcd become servers: validates a desired set (registry name
 * -> "ip:port"), sorted by name. Names are mapped to safe server names; a value that is
 * not an IP:port is refused with a log line and never used. Everything below takes the
 * returned entries and never parses the strings again.
 */
export function normalizeServers(
  desired: ReadonlyMap<string, string>,
  log: Logger = silentLogger,
): { servers: ServerEntry[]; rejected: RejectedServer[] } {
  const servers: ServerEntry[] = [];
  const rejected: RejectedServer[] = [];
  const byName = new Map<string, string>();
  for (const [source, value] of [...desired.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const parsed = parseServerAddress(value);
    if (!parsed.ok) {
      rejected.push({ source, value, error: parsed.error });
      log.warn({ server: source, value }, `refusing backend ${JSON.stringify(source)}: ${parsed.error}`);
      continue;
    }
    const name = serverNameFor(source);
    const clash = byName.get(name);
    if (clash !== undefined) {
      const error = `its HAProxy name ${name} is already used by ${JSON.stringify(clash)}`;
      rejected.push({ source, value, error });
      log.warn({ server: source, value }, `refusing backend ${JSON.stringify(source)}: ${error}`);
      continue;
    }
    if (name !== source) {
      log.info({ server: source, haproxyName: name }, "backend name mapped to a safe HAProxy server name");
    }
    byName.set(name, source);
    servers.push({ name, address: parsed.value, source });
  }
  return { servers, rejected };
}

/** Throws unless the entry is safe to emit (guards against hand-built entries). */
export function assertSafeEntry(e: ServerEntry): void {
  if (!isSafeName(e.name))
    throw new Error(`unsafe HAProxy server name ${JSON.stringify(e.name)}: use serverNameFor()`);
  const again = parseServerAddress(
    e.address.family === 6 ? `[${e.address.ip}]:${e.address.port}` : `${e.address.ip}:${e.address.port}`,
  );
  if (!again.ok) throw new Error(`unsafe HAProxy server address for ${e.name}: ${again.error}`);
}
