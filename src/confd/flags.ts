// confd's command line, parsed the way Go's flag package does it: `-name value`,
// `-name=value`, `--name` equivalents, booleans only as `-name` or `-name=false`.
import { NumError, parseBool } from "../go/strconv.js";

export interface FlagValues {
  backend?: string;
  nodes?: string[];
  prefix?: string;
  confdir?: string;
  configFile?: string;
  interval?: number;
  watch?: boolean;
  onetime?: boolean;
  noop?: boolean;
  syncOnly?: boolean;
  keepStageFile?: boolean;
  logLevel?: string;
  scheme?: string;
  username?: string;
  password?: string;
  basicAuth?: boolean;
  clientCert?: string;
  clientKey?: string;
  clientCaKeys?: string;
  files?: string[];
  filter?: string;
  wait?: string;
  metrics?: string;
  version?: boolean;
  help?: boolean;
}

type Kind = "string" | "bool" | "int" | "list";

interface FlagSpec {
  key: keyof FlagValues;
  kind: Kind;
  arg?: string;
  usage: string;
}

export const FLAG_SPECS: Record<string, FlagSpec> = {
  backend: {
    key: "backend",
    kind: "string",
    arg: "name",
    usage: "backend to use: etcdv3, etcd (v2 API), env, file (default etcd)",
  },
  node: {
    key: "nodes",
    kind: "list",
    arg: "url",
    usage: "backend node, repeat for several (-node http://127.0.0.1:2379)",
  },
  prefix: {
    key: "prefix",
    kind: "string",
    arg: "path",
    usage: "key path prefix; replaces the prefix of every template resource",
  },
  confdir: {
    key: "confdir",
    kind: "string",
    arg: "dir",
    usage: "confd conf directory holding conf.d/ and templates/ (default /etc/confd)",
  },
  "config-file": {
    key: "configFile",
    kind: "string",
    arg: "file",
    usage: "the confd config file (default <confdir>/confd.toml)",
  },
  interval: {
    key: "interval",
    kind: "int",
    arg: "seconds",
    usage: "backend polling interval in seconds (default 600)",
  },
  watch: {
    key: "watch",
    kind: "bool",
    usage: "watch the backend for changes instead of polling every -interval",
  },
  onetime: { key: "onetime", kind: "bool", usage: "run once and exit; exit status 1 if any resource failed" },
  noop: { key: "noop", kind: "bool", usage: "only show pending changes (a unified diff); touch nothing" },
  "sync-only": {
    key: "syncOnly",
    kind: "bool",
    usage: "sync files without running check_cmd and reload_cmd",
  },
  "keep-stage-file": { key: "keepStageFile", kind: "bool", usage: "keep staged files next to dest" },
  "log-level": {
    key: "logLevel",
    kind: "string",
    arg: "level",
    usage: "debug, info, warn or error (default info)",
  },
  scheme: {
    key: "scheme",
    kind: "string",
    arg: "scheme",
    usage: "URI scheme for nodes given without one: http or https (default http)",
  },
  username: {
    key: "username",
    kind: "string",
    arg: "name",
    usage: "the username to authenticate as (etcd backends)",
  },
  password: {
    key: "password",
    kind: "string",
    arg: "secret",
    usage: "the password to authenticate with (etcd backends)",
  },
  "basic-auth": {
    key: "basicAuth",
    kind: "bool",
    usage: "use basic auth with -username/-password (etcd v2 backend)",
  },
  "client-cert": {
    key: "clientCert",
    kind: "string",
    arg: "file",
    usage: "client certificate (PEM) for TLS to the backend",
  },
  "client-key": {
    key: "clientKey",
    kind: "string",
    arg: "file",
    usage: "client key (PEM) for TLS to the backend",
  },
  "client-ca-keys": {
    key: "clientCaKeys",
    kind: "string",
    arg: "file",
    usage: "CA certificate(s) (PEM) to verify the backend",
  },
  file: {
    key: "files",
    kind: "list",
    arg: "file",
    usage: "YAML/JSON file to read, repeat for several (-backend file)",
  },
  filter: {
    key: "filter",
    kind: "string",
    arg: "glob",
    usage: "file name filter for -file directories (default *)",
  },
  wait: {
    key: "wait",
    kind: "string",
    arg: "min[:max]",
    usage: "hecd: quiescence, e.g. 50ms:500ms; render once a burst of changes settles",
  },
  metrics: {
    key: "metrics",
    kind: "string",
    arg: "host:port",
    usage: "hecd: serve Prometheus metrics on http://host:port/metrics (a bare port: 127.0.0.1)",
  },
  version: { key: "version", kind: "bool", usage: "print version and exit" },
  help: { key: "help", kind: "bool", usage: "show this help" },
  h: { key: "help", kind: "bool", usage: "show this help" },
};

/** confd flags for backends or features hecd does not implement: named in the error. */
const UNSUPPORTED = new Set([
  "auth-token",
  "auth-type",
  "app-id",
  "user-id",
  "role-id",
  "secret-id",
  "path",
  "table",
  "separator",
  "srv-domain",
  "srv-record",
  "secret-keyring",
  "client-insecure",
]);

export type FlagParse = { ok: true; flags: FlagValues } | { ok: false; error: string };

/** Go's strconv.ParseBool, as the flag package applies it; undefined for anything else. */
function parseFlagBool(s: string): boolean | undefined {
  try {
    return parseBool(s);
  } catch (e) {
    if (e instanceof NumError) return undefined;
    throw e;
  }
}

export function parseFlags(argv: readonly string[]): FlagParse {
  const flags: FlagValues = {};
  const rec = flags as Record<string, unknown>;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      if (i + 1 < argv.length)
        return { ok: false, error: `unexpected argument "${argv[i + 1]}": confd takes flags only` };
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      return {
        ok: false,
        error: `unexpected argument "${arg}": confd takes flags only (did you mean -${arg}?)`,
      };
    }
    const body = arg.startsWith("--") ? arg.slice(2) : arg.slice(1);
    if (body.startsWith("-") || body.startsWith("=") || body === "") {
      return { ok: false, error: `bad flag syntax: ${arg}` };
    }
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    const spec = FLAG_SPECS[name];
    if (!spec) {
      if (UNSUPPORTED.has(name)) {
        return {
          ok: false,
          error: `flag -${name} is a confd flag for a backend or feature hecd confd does not support (backends: etcdv3, etcd, env, file)`,
        };
      }
      return { ok: false, error: `flag provided but not defined: -${name} (see -help)` };
    }
    if (spec.kind === "bool") {
      if (value === undefined) {
        rec[spec.key] = true;
        continue;
      }
      const b = parseFlagBool(value);
      if (b === undefined)
        return {
          ok: false,
          error: `invalid boolean value "${value}" for -${name}: use -${name} or -${name}=false`,
        };
      rec[spec.key] = b;
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) return { ok: false, error: `flag needs an argument: -${name} <${spec.arg}>` };
      value = argv[++i]!;
    }
    switch (spec.kind) {
      case "string":
        rec[spec.key] = value;
        break;
      case "list":
        rec[spec.key] = [...((rec[spec.key] as string[] | undefined) ?? []), value];
        break;
      case "int": {
        if (!/^\d+$/.test(value) || Number(value) < 1) {
          return {
            ok: false,
            error: `invalid value "${value}" for -${name}: want a whole number of seconds >= 1`,
          };
        }
        rec[spec.key] = Number(value);
        break;
      }
    }
  }
  return { ok: true, flags };
}

export function usage(): string {
  const lines = [
    "Usage: hecd confd [flags]",
    "",
    "A drop-in confd: renders every template resource in <confdir>/conf.d/*.toml from",
    "keys in etcd (or env, or YAML/JSON files), checks it, swaps it in atomically and",
    "reloads the service. Flags are Go style: -flag value, -flag=value, --flag; booleans",
    "as -flag or -flag=false. Flags override confd.toml, which overrides defaults.",
    "",
    "Examples:",
    "  hecd confd -onetime -backend etcdv3 -node http://127.0.0.1:2379 -confdir /etc/confd",
    "  hecd confd -watch -backend etcdv3 -node http://127.0.0.1:2379 -wait 50ms:500ms",
    "  hecd confd -onetime -noop          # print a unified diff of what would change",
    "",
    "Flags:",
  ];
  const seen = new Set<string>();
  for (const [name, spec] of Object.entries(FLAG_SPECS)) {
    if (seen.has(spec.key)) continue;
    seen.add(spec.key);
    const left = `  -${name}${spec.arg ? ` <${spec.arg}>` : ""}`;
    lines.push(`${left.padEnd(30)} ${spec.usage}`);
  }
  lines.push("", "Docs: docs/confd.md (compatibility with confd 0.16 and where hecd differs).");
  return lines.join("\n") + "\n";
}
