// The one way to create a backend from confd-style settings.
import { readFileSync } from "node:fs";
import type { EtcdError } from "../etcd/index.js";
import { match } from "../go/filepath.js";
import { EnvBackend } from "./env.js";
import { EtcdV2Backend } from "./etcdv2.js";
import { EtcdV3Backend } from "./etcdv3.js";
import { FileBackend } from "./file.js";
import type { TlsFiles } from "./http.js";
import type { Backend } from "./types.js";

export type { Backend, Revision, Snapshot } from "./types.js";

export const BACKEND_NAMES = ["etcdv3", "etcd", "env", "file"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendConfig {
  backend: BackendName;
  /** -node, repeatable: "http://127.0.0.1:2379" or "127.0.0.1:2379" (then `scheme` applies). */
  nodes: string[];
  scheme?: "http" | "https";
  username?: string;
  password?: string;
  basicAuth?: boolean;
  /** File paths (TLS). */
  clientCert?: string;
  clientKey?: string;
  clientCaKeys?: string;
  /** file backend: YAML or JSON files, or directories. */
  files?: string[];
  /** file backend: glob for file names inside directories (confd's -filter); default "*". */
  filter?: string;
  /** env backend: the variables to read; default process.env. */
  environment?: Readonly<Record<string, string | undefined>>;
  /** The text operators see for an etcd error of the etcd backends (the caller's flag wording). */
  etcdHint?: (e: EtcdError, backend: "etcdv3" | "etcd") => string;
}

/** Where etcd listens when no -node is given (etcd 3.x's default client URL). */
export const DEFAULT_ETCD_NODE = "127.0.0.1:2379";

export async function createBackend(config: BackendConfig): Promise<Backend> {
  switch (config.backend) {
    case "etcdv3":
    case "etcd": {
      const endpoints = parseNodes(
        config.nodes.length > 0 ? config.nodes : [DEFAULT_ETCD_NODE],
        config.scheme,
      );
      const tls = readTls(config);
      if ((tls.ca || tls.cert) && endpoints.every((u) => u.protocol === "http:")) {
        throw new Error(
          `TLS files were given but every -node uses http (${endpoints.map((u) => u.origin).join(", ")}); use https:// nodes or -scheme https`,
        );
      }
      if (config.password !== undefined && config.username === undefined) {
        throw new Error("-password needs -username");
      }
      const name = config.backend;
      const given = config.etcdHint;
      const options = {
        endpoints,
        tls,
        username: config.username,
        password: config.password,
        ...(given ? { hint: (e: EtcdError) => given(e, name) } : {}),
      };
      return name === "etcdv3" ? new EtcdV3Backend(options) : new EtcdV2Backend(options);
    }
    case "env":
      return new EnvBackend(config.environment ?? process.env);
    case "file": {
      const files = config.files ?? [];
      if (files.length === 0)
        throw new Error("the file backend needs at least one -file (a YAML or JSON file, or a directory)");
      const filter = config.filter ?? "*";
      try {
        match(filter, ""); // Go checks the whole pattern, whatever the name
      } catch (e) {
        throw new Error(
          `-filter: bad filter pattern ${JSON.stringify(filter)}: ${(e as Error).message} (Go's filepath.Match syntax: *, ?, [a-z], [^a-z], \\ escapes)`,
          { cause: e },
        );
      }
      const backend = new FileBackend({ paths: files, filter });
      await backend.getValues([]); // fails now, clearly, if a file is missing or not valid YAML/JSON
      return backend;
    }
    default:
      throw new Error(
        `unknown backend ${JSON.stringify((config as { backend: unknown }).backend)}; pass -backend ${BACKEND_NAMES.join(", ")}`,
      );
  }
}

/** "127.0.0.1:2379" -> http://127.0.0.1:2379 (or the scheme given); full URLs must be http(s). */
export function parseNodes(nodes: readonly string[], scheme: "http" | "https" = "http"): URL[] {
  if (scheme !== "http" && scheme !== "https") {
    throw new Error(`-scheme ${JSON.stringify(scheme)}: use http or https`);
  }
  return nodes.map((node) => {
    const raw = node.trim();
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${scheme}://${raw}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new Error(`-node ${JSON.stringify(node)} is not an address; use host:port or http://host:port`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new Error(
        `-node ${JSON.stringify(node)}: scheme ${url.protocol.slice(0, -1)} is not supported; use http or https`,
      );
    }
    if (url.hostname === "") throw new Error(`-node ${JSON.stringify(node)} has no host; use host:port`);
    if (url.port === "" && !/:\d+\/?$/.test(raw)) url.port = "2379";
    return url;
  });
}

function readTls(config: BackendConfig): TlsFiles {
  if ((config.clientCert === undefined) !== (config.clientKey === undefined)) {
    throw new Error("-client-cert and -client-key go together; pass both (or neither)");
  }
  return {
    ca: readPem("-client-ca-keys", config.clientCaKeys),
    cert: readPem("-client-cert", config.clientCert),
    key: readPem("-client-key", config.clientKey),
  };
}

function readPem(flag: string, path: string | undefined): Buffer | undefined {
  if (path === undefined || path === "") return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(
      `${flag} ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { cause: e },
    );
  }
}
