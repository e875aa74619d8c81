// The effective confd settings: defaults, then confd.toml, then CONFD_* environment,
// then flags (flags win, as confd documents).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { parseListenAddress } from "../metrics/server.js";
import { tomlErrorMessage } from "./toml-error.js";
import { parseGoDuration } from "./duration.js";
import type { FlagValues } from "./flags.js";

export type BackendName = "etcdv3" | "etcd" | "env" | "file";
export const BACKENDS: readonly BackendName[] = ["etcdv3", "etcd", "env", "file"];
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface WaitSpec {
  minMs: number;
  maxMs: number;
}

export interface ConfdConfig {
  backend: BackendName;
  nodes: string[];
  /** Global prefix; when non-empty it replaces every resource's own prefix. */
  prefix: string;
  confdir: string;
  /** The confd.toml that was read, if any. */
  configFile?: string;
  intervalSec: number;
  watch: boolean;
  onetime: boolean;
  noop: boolean;
  syncOnly: boolean;
  keepStageFile: boolean;
  logLevel: LogLevel;
  scheme: "http" | "https";
  username?: string;
  password?: string;
  basicAuth: boolean;
  clientCert?: string;
  clientKey?: string;
  clientCaKeys?: string;
  files: string[];
  filter: string;
  wait?: WaitSpec;
  /** Settings that were accepted but have no effect in hecd, to log once. */
  warnings: string[];
}

export type ConfigResult = { ok: true; config: ConfdConfig } | { ok: false; error: string };

export const DEFAULT_CONFDIR = "/etc/confd";

type Setter = (c: Partial<ConfdConfig>, v: unknown) => string | undefined;

function str(key: keyof ConfdConfig): Setter {
  return (c, v) => {
    if (typeof v !== "string") return "want a string";
    (c as Record<string, unknown>)[key] = v;
    return undefined;
  };
}
function bool(key: keyof ConfdConfig): Setter {
  return (c, v) => {
    if (typeof v !== "boolean") return "want true or false";
    (c as Record<string, unknown>)[key] = v;
    return undefined;
  };
}
function strList(key: keyof ConfdConfig): Setter {
  return (c, v) => {
    const list = typeof v === "string" ? [v] : v;
    if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) return "want a list of strings";
    (c as Record<string, unknown>)[key] = list;
    return undefined;
  };
}

/** confd.toml keys (confd's own names; BurntSushi/toml also matched untagged fields case-insensitively). */
const TOML_KEYS: Record<string, Setter> = {
  backend: str("backend"),
  nodes: strList("nodes"),
  prefix: str("prefix"),
  confdir: str("confdir"),
  interval: (c, v) => {
    if (typeof v !== "bigint" && typeof v !== "number") return "want a whole number of seconds";
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) return "want a whole number of seconds >= 1";
    c.intervalSec = n;
    return undefined;
  },
  watch: bool("watch"),
  noop: bool("noop"),
  onetime: bool("onetime"),
  "sync-only": bool("syncOnly"),
  "keep-stage-file": bool("keepStageFile"),
  keepstagefile: bool("keepStageFile"),
  "log-level": str("logLevel"),
  scheme: str("scheme"),
  username: str("username"),
  password: str("password"),
  basic_auth: bool("basicAuth"),
  client_cert: str("clientCert"),
  client_key: str("clientKey"),
  client_cakeys: str("clientCaKeys"),
  file: strList("files"),
  filter: str("filter"),
  wait: (c, v) => {
    if (typeof v !== "string") return 'want a string such as "50ms:500ms"';
    (c as Record<string, unknown>).waitText = v;
    return undefined;
  },
};

const TOML_UNSUPPORTED = new Set([
  "auth_token",
  "auth_type",
  "app_id",
  "user_id",
  "role_id",
  "secret_id",
  "table",
  "separator",
  "srv_domain",
  "srv_record",
  "secret_keyring",
  "client_insecure",
]);

/** "min" or "min:max" in Go durations; a lone min gives max = 4 * min (as consul-template). */
export function parseWait(text: string): { wait: WaitSpec } | { error: string } {
  const parts = text.split(":");
  if (parts.length > 2) return { error: `invalid -wait "${text}": want min or min:max, e.g. 50ms:500ms` };
  const min = parseGoDuration(parts[0]!);
  if ("error" in min) return { error: `invalid -wait "${text}": ${min.error}` };
  let maxMs = min.ms * 4;
  if (parts.length === 2) {
    const max = parseGoDuration(parts[1]!);
    if ("error" in max) return { error: `invalid -wait "${text}": ${max.error}` };
    maxMs = max.ms;
  }
  if (maxMs < min.ms) return { error: `invalid -wait "${text}": max must not be below min` };
  return { wait: { minMs: min.ms, maxMs } };
}

function normalizeLevel(level: string): LogLevel | undefined {
  const l = level.toLowerCase();
  if (l === "debug" || l === "info" || l === "error") return l;
  if (l === "warn" || l === "warning") return "warn";
  if (l === "fatal" || l === "panic") return "error";
  return undefined;
}

function defaultNodes(backend: BackendName, scheme: string, env: NodeJS.ProcessEnv): string[] {
  switch (backend) {
    case "etcd": {
      const peers = env.ETCDCTL_PEERS;
      if (peers) return peers.split(",");
      return [`${scheme}://127.0.0.1:4001`];
    }
    case "etcdv3":
      return [`${scheme}://127.0.0.1:2379`];
    default:
      return [];
  }
}

export function loadConfig(flags: FlagValues, env: NodeJS.ProcessEnv): ConfigResult {
  const fromFile: Partial<ConfdConfig> & { waitText?: string } = {};
  const warnings: string[] = [];
  const explicitFile = flags.configFile;
  const configFile = explicitFile ?? join(flags.confdir ?? DEFAULT_CONFDIR, "confd.toml");
  let fileText: string | undefined;
  try {
    fileText = readFileSync(configFile, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (explicitFile !== undefined || code !== "ENOENT") {
      return {
        ok: false,
        error: `cannot read config file ${configFile}: ${(e as Error).message} (fix -config-file)`,
      };
    }
  }
  if (fileText !== undefined) {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(fileText) as Record<string, unknown>;
    } catch (e) {
      return { ok: false, error: tomlErrorMessage(configFile, e) };
    }
    for (const [k, v] of Object.entries(doc)) {
      const set = TOML_KEYS[k];
      if (set) {
        const err = set(fromFile, v);
        if (err) return { ok: false, error: `${configFile}: setting "${k}": ${err}` };
      } else if (TOML_UNSUPPORTED.has(k)) {
        warnings.push(`${configFile}: setting "${k}" is for a backend hecd confd does not support; ignored`);
      } else {
        return {
          ok: false,
          error: `${configFile}: unknown setting "${k}" (confd settings: ${Object.keys(TOML_KEYS).join(", ")})`,
        };
      }
    }
  }

  const schemeText: string = flags.scheme ?? fromFile.scheme ?? "http";
  if (schemeText !== "http" && schemeText !== "https")
    return { ok: false, error: `invalid scheme "${schemeText}": use http or https` };
  const scheme = schemeText;
  const backendText = flags.backend ?? fromFile.backend ?? "etcd";
  if (!BACKENDS.includes(backendText as BackendName)) {
    return {
      ok: false,
      error: `unknown backend "${backendText}": hecd confd supports ${BACKENDS.join(", ")}`,
    };
  }
  const backend = backendText as BackendName;
  const levelText = flags.logLevel ?? fromFile.logLevel ?? "info";
  const logLevel = levelText === "" ? "info" : normalizeLevel(levelText);
  if (!logLevel)
    return { ok: false, error: `invalid log level "${levelText}": use debug, info, warn or error` };

  let wait: WaitSpec | undefined;
  const waitText = flags.wait ?? fromFile.waitText;
  if (waitText !== undefined && waitText !== "") {
    const w = parseWait(waitText);
    if ("error" in w) return { ok: false, error: w.error };
    wait = w.wait;
  }

  // confd: CONFD_CLIENT_* fill in TLS settings the file left empty; flags still win.
  const clientCaKeys = flags.clientCaKeys ?? (fromFile.clientCaKeys || env.CONFD_CLIENT_CAKEYS || undefined);
  const clientCert = flags.clientCert ?? (fromFile.clientCert || env.CONFD_CLIENT_CERT || undefined);
  const clientKey = flags.clientKey ?? (fromFile.clientKey || env.CONFD_CLIENT_KEY || undefined);

  const nodesGiven = flags.nodes ?? fromFile.nodes;
  const nodes = nodesGiven && nodesGiven.length > 0 ? nodesGiven : defaultNodes(backend, scheme, env);
  const files = flags.files ?? fromFile.files ?? [];
  if (backend === "file" && files.length === 0) {
    return { ok: false, error: "backend file needs at least one -file <path> (YAML or JSON)" };
  }

  const config: ConfdConfig = {
    backend,
    nodes,
    prefix: flags.prefix ?? fromFile.prefix ?? "",
    confdir: flags.confdir ?? fromFile.confdir ?? DEFAULT_CONFDIR,
    intervalSec: flags.interval ?? fromFile.intervalSec ?? 600,
    watch: flags.watch ?? fromFile.watch ?? false,
    onetime: flags.onetime ?? fromFile.onetime ?? false,
    noop: flags.noop ?? fromFile.noop ?? false,
    syncOnly: flags.syncOnly ?? fromFile.syncOnly ?? false,
    keepStageFile: flags.keepStageFile ?? fromFile.keepStageFile ?? false,
    logLevel,
    scheme,
    basicAuth: flags.basicAuth ?? fromFile.basicAuth ?? false,
    files,
    filter: flags.filter ?? fromFile.filter ?? "*",
    warnings,
  };
  if (fileText !== undefined) config.configFile = configFile;
  const username = flags.username ?? fromFile.username;
  const password = flags.password ?? fromFile.password;
  if (username) config.username = username;
  if (password) config.password = password;
  if (clientCert) config.clientCert = clientCert;
  if (clientKey) config.clientKey = clientKey;
  if (clientCaKeys) config.clientCaKeys = clientCaKeys;
  if (wait) config.wait = wait;
  if (config.watch && backend === "env") {
    return { ok: false, error: "backend env cannot be watched: use -interval or -onetime" };
  }
  return { ok: true, config };
}

/** Checks values given on the command line (bad ones exit 2, like Go's flag package). */
export function checkFlagValues(flags: FlagValues): string | undefined {
  if (flags.backend !== undefined && !BACKENDS.includes(flags.backend as BackendName)) {
    return `invalid value "${flags.backend}" for -backend: hecd confd supports ${BACKENDS.join(", ")}`;
  }
  if (flags.logLevel !== undefined && flags.logLevel !== "" && !normalizeLevel(flags.logLevel)) {
    return `invalid value "${flags.logLevel}" for -log-level: use debug, info, warn or error`;
  }
  if (flags.scheme !== undefined && flags.scheme !== "http" && flags.scheme !== "https") {
    return `invalid value "${flags.scheme}" for -scheme: use http or https`;
  }
  if (flags.wait !== undefined) {
    const w = parseWait(flags.wait);
    if ("error" in w) return w.error;
  }
  if (flags.metrics !== undefined) {
    try {
      parseListenAddress("-metrics", flags.metrics);
    } catch (e) {
      return (e as Error).message;
    }
  }
  return undefined;
}
