// Which Docker hosts `hecd run/stop/scale/ps` work on, and how to reach each: from
// --docker-host flags, a running `hecd up` stack, or the agents' /hecd/hosts records.
import type Docker from "dockerode";
import { dockerClient, type DockerConnectOptions } from "../docker/connect.js";
import { HOSTS_PREFIX, validateHost, type HostRecord } from "../registry/keys.js";
import type { Registry } from "../registry/registry.js";

export interface DeployHost {
  /** Name shown in output and used under /hecd/hosts/. */
  name: string;
  /** Docker endpoint, e.g. unix:///var/run/docker.sock or tcp://10.0.0.5:2376. */
  endpoint: string;
  /** Address registered for containers whose ports bind on all interfaces. */
  address?: string;
  docker: Docker;
}

export interface HostSpec {
  name?: string;
  endpoint: string;
  address?: string;
}

/**
 * Parses `--docker-host ENDPOINT[@ADDRESS]`, e.g. `unix:///run/docker.sock@10.0.0.5` or
 * `tcp://10.0.0.5:2376` (the address then defaults to the TCP host).
 */
export function parseHostSpec(spec: string): HostSpec {
  const at = spec.lastIndexOf("@");
  const endpoint = at > 0 ? spec.slice(0, at) : spec;
  const address = at > 0 ? validateHost(spec.slice(at + 1)) : undefined;
  const tcpHost = /^(?:tcp|https):\/\/\[?([^\]/]+?)\]?:\d+\/?$/.exec(endpoint)?.[1];
  return { endpoint, address: address ?? tcpHost };
}

export function connectHosts(
  specs: readonly HostSpec[],
  tls: Omit<DockerConnectOptions, "host"> = {},
): DeployHost[] {
  const seen = new Set<string>();
  return specs.map((s, i) => {
    const name = s.name ?? defaultName(s, i, specs.length);
    if (seen.has(name)) throw new Error(`two Docker hosts are both named ${name}; give them distinct names`);
    seen.add(name);
    return {
      name,
      endpoint: s.endpoint,
      address: s.address,
      docker: dockerClient({ ...tls, host: s.endpoint }),
    };
  });
}

function defaultName(s: HostSpec, i: number, n: number): string {
  if (s.address) return s.address;
  return n === 1 ? "local" : `host${i + 1}`;
}

/** Hosts that agents published under /hecd/hosts/ (reachable from here only if their endpoint is). */
export async function hostsFromRegistry(registry: Registry): Promise<HostSpec[]> {
  const out: HostSpec[] = [];
  for (const [key, raw] of await registry.list(HOSTS_PREFIX)) {
    let rec: HostRecord;
    try {
      rec = JSON.parse(raw) as HostRecord;
    } catch {
      continue;
    }
    if (!rec.docker) continue;
    out.push({
      name: key.slice(HOSTS_PREFIX.length + 1),
      endpoint: rec.docker,
      address: rec.address || undefined,
    });
  }
  return out;
}
