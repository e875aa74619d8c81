// Everything `hecd run/stop/scale/ps` need, resolved from flags, the environment,
// a stack started by `hecd up` in --state-dir, or the agents' host records.
import type { Logger } from "pino";
import type { Layout, LayoutConfig } from "../agent/container.js";
import type { DockerConnectOptions } from "../docker/connect.js";
import type { EtcdAuthOptions, EtcdTlsOptions } from "../registry/etcd-client.js";
import { DEFAULT_PREFIX, normalizePrefix } from "../registry/keys.js";
import { UnreachableError } from "../registry/errors.js";
import { Registry } from "../registry/registry.js";
import { readStackInfo, type StackInfo } from "../stack/state.js";
import { readClusterFile } from "./config-file.js";
import { connectHosts, hostsFromRegistry, parseHostSpec, type DeployHost, type HostSpec } from "./hosts.js";
import type { Drainer } from "./stop.js";

export interface ClusterOptions {
  etcd?: string[];
  etcdTls?: EtcdTlsOptions;
  etcdAuth?: EtcdAuthOptions;
  /** `--docker-host ENDPOINT[@ADDRESS]` values. */
  dockerHosts?: string[];
  dockerTls?: Omit<DockerConnectOptions, "host">;
  /** A hosts file (see config-file.ts); default HECD_CONFIG. */
  configFile?: string;
  /** Only these host names (`--host`). */
  only?: string[];
  stateDir?: string;
  prefix?: string;
  layout?: Layout;
  logger?: Logger;
  /** Builds a drainer for a running stack's HAProxy. */
  drainerFor?: (stack: StackInfo) => Drainer | undefined;
}

export interface Cluster {
  registry: Registry;
  hosts: DeployHost[];
  layout: Omit<LayoutConfig, "hostIp" | "port">;
  stack?: StackInfo;
  drainer?: Drainer;
  close(): Promise<void>;
}

export async function openCluster(o: ClusterOptions): Promise<Cluster> {
  const stack = readStackInfo(o.stateDir);
  const configPath = o.configFile ?? process.env.HECD_CONFIG;
  const file = configPath ? readClusterFile(configPath) : undefined;
  const fromEnv = (process.env.ETCDCTL_ENDPOINTS ?? "").split(",").filter((e) => e.trim() !== "");
  const sources: [string[] | undefined, string][] = [
    [o.etcd, "--etcd"],
    [fromEnv, "ETCDCTL_ENDPOINTS"],
    [file?.etcd, `the hosts file ${configPath ?? ""}`],
    [stack?.etcdEndpoints, `the stack in ${o.stateDir ?? ".hecd"} (is \`hecd up\` still running there?)`],
  ];
  const found = sources.find(([l]) => l !== undefined && l.length > 0);
  if (!found) {
    throw new Error(
      `no etcd to use: pass --etcd http://HOST:2379, set ETCDCTL_ENDPOINTS, list it in a --config file, or start a stack here with \`hecd up\` (looked in ${o.stateDir ?? ".hecd"})`,
    );
  }
  const [endpoints, source] = found as [string[], string];
  let registry: Registry;
  try {
    registry = await Registry.connect({
      endpoints,
      ttlSeconds: 15,
      tls: o.etcdTls,
      auth: o.etcdAuth,
      logger: o.logger,
    });
  } catch (e) {
    if (e instanceof UnreachableError) throw unreachableEtcd(endpoints, source, e);
    throw e;
  }
  try {
    let specs: HostSpec[];
    if (o.dockerHosts?.length) specs = o.dockerHosts.map(parseHostSpec);
    else if (file?.dockerHosts.length) specs = file.dockerHosts;
    else if (stack) specs = stack.dockerHosts;
    else specs = await hostsFromRegistry(registry);
    if (specs.length === 0) {
      throw new Error(
        "no Docker host known: pass --docker-host unix:///var/run/docker.sock (repeatable), run `hecd agent` on your hosts, or start `hecd up`",
      );
    }
    let hosts = connectHosts(specs, o.dockerTls);
    if (o.only?.length) {
      const unknown = o.only.filter((n) => !hosts.some((h) => h.name === n));
      if (unknown.length)
        throw new Error(`unknown host ${unknown.join(", ")}; known: ${hosts.map((h) => h.name).join(", ")}`);
      hosts = hosts.filter((h) => o.only!.includes(h.name));
    }
    const layout = {
      layout: o.layout ?? "servers",
      prefix: normalizePrefix(o.prefix ?? stack?.prefix ?? DEFAULT_PREFIX),
    } satisfies Omit<LayoutConfig, "hostIp" | "port">;
    const drainer = stack && o.drainerFor ? o.drainerFor(stack) : undefined;
    return {
      registry,
      hosts,
      layout,
      ...(stack ? { stack } : {}),
      ...(drainer ? { drainer } : {}),
      close: () => registry.close(),
    };
  } catch (e) {
    await registry.close();
    throw e;
  }
}

/** etcd3's pool reports "endpoint recently failed" for a refused connection; say what to do instead. */
function unreachableEtcd(endpoints: string[], source: string, e: UnreachableError): Error {
  const raw = e.cause instanceof Error ? e.cause.message : e.message;
  const cause = /recently failed|No connection established|ECONNREFUSED/i.test(raw)
    ? "no answer (connection refused or timed out)"
    : raw.replace(/\s+/g, " ").trim();
  return new Error(
    `cannot reach etcd at ${endpoints.join(", ")} (from ${source}): ${cause}; ` +
      "is etcd running there? Pass --etcd http://HOST:2379 (or set ETCDCTL_ENDPOINTS), or start a stack with `hecd up`",
    { cause: e },
  );
}
