// Everything `hecd run/stop/scale/ps` need, resolved from flags, the environment,
// a running local stack (which the caller finds and passes in), or the agents' host records.
import type { Logger } from "pino";
import type { Layout, LayoutConfig } from "../agent/container.js";
import type { DockerConnectOptions } from "../docker/connect.js";
import { EtcdUnreachableError, type EtcdAuthOptions, type EtcdTlsOptions } from "../etcd/index.js";
import { DEFAULT_PREFIX, normalizePrefix } from "../registry/keys.js";
import { Registry } from "../registry/registry.js";
import { readClusterFile } from "./config-file.js";
import { connectHosts, hostsFromRegistry, parseHostSpec, type DeployHost, type HostSpec } from "./hosts.js";
import type { Drainer } from "./stop.js";

/** What the cluster needs of a running local stack (`hecd up`'s stack info). */
export interface LocalStack {
  etcdEndpoints: string[];
  dockerHosts: HostSpec[];
  prefix: string;
}

export interface ClusterOptions<S extends LocalStack = LocalStack> {
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
  /** The stack running in `stateDir`, if any: its etcd, Docker hosts and prefix are the last fallback. */
  stack?: S;
  /** Where the stack was looked for (named in errors). */
  stateDir?: string;
  prefix?: string;
  layout?: Layout;
  logger?: Logger;
  /** Builds a drainer for a running stack's HAProxy. */
  drainerFor?: (stack: S) => Drainer | undefined;
}

export interface Cluster<S extends LocalStack = LocalStack> {
  registry: Registry;
  hosts: DeployHost[];
  layout: Omit<LayoutConfig, "hostIp" | "port">;
  stack?: S;
  drainer?: Drainer;
  close(): Promise<void>;
}

export async function openCluster<S extends LocalStack = LocalStack>(
  o: ClusterOptions<S>,
): Promise<Cluster<S>> {
  const stack = o.stack;
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
    if (e instanceof EtcdUnreachableError) throw unreachableFrom(source, e);
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

/** The same failure, naming where the endpoints came from. */
function unreachableFrom(source: string, e: EtcdUnreachableError): EtcdUnreachableError {
  // A refused connection reads "endpoint recently failed" from etcd3's pool; say it plainly.
  return new EtcdUnreachableError({
    endpoints: e.endpoints,
    source,
    detail: e.refused ? "no answer (connection refused or timed out)" : e.detail,
    tls: e.tls,
    refused: e.refused,
    cause: e,
  });
}
