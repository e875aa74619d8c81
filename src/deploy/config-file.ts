// The optional hosts file of `hecd run/stop/scale/ps` (--config, or HECD_CONFIG):
//
//   etcd: [http://10.0.0.2:2379]
//   docker_hosts:
//     - { name: web1, endpoint: "tcp://10.0.0.5:2376", address: 10.0.0.5 }
//     - { name: web2, endpoint: "unix:///var/run/docker.sock", address: 10.0.0.6 }
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { HostSpec } from "./hosts.js";

export interface ClusterFile {
  etcd: string[];
  dockerHosts: HostSpec[];
}

export function readClusterFile(path: string): ClusterFile {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`cannot read hosts config ${path}: ${(e as Error).message}`);
  }
  const bad = (what: string): Error => new Error(`hosts config ${path}: ${what}`);
  if (raw === null || raw === undefined) return { etcd: [], dockerHosts: [] };
  if (typeof raw !== "object" || Array.isArray(raw))
    throw bad("expected a mapping with etcd and docker_hosts");
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj))
    if (k !== "etcd" && k !== "docker_hosts") throw bad(`unknown setting ${JSON.stringify(k)}`);
  const etcd = obj.etcd ?? [];
  if (!Array.isArray(etcd) || !etcd.every((e) => typeof e === "string"))
    throw bad("etcd must be a list of URLs");
  const hosts = obj.docker_hosts ?? [];
  if (!Array.isArray(hosts)) throw bad("docker_hosts must be a list");
  const dockerHosts = hosts.map((h: unknown, i): HostSpec => {
    if (typeof h !== "object" || h === null)
      throw bad(`docker_hosts[${i}] must be a mapping with endpoint (and name, address)`);
    const { name, endpoint, address, ...rest } = h as Record<string, unknown>;
    if (Object.keys(rest).length > 0)
      throw bad(`docker_hosts[${i}]: unknown setting ${Object.keys(rest).join(", ")}`);
    if (typeof endpoint !== "string" || endpoint === "") throw bad(`docker_hosts[${i}] needs an endpoint`);
    if (name !== undefined && typeof name !== "string") throw bad(`docker_hosts[${i}].name must be a string`);
    if (address !== undefined && typeof address !== "string")
      throw bad(`docker_hosts[${i}].address must be a string`);
    return { endpoint, ...(name ? { name } : {}), ...(address ? { address } : {}) };
  });
  return { etcd: etcd as string[], dockerHosts };
}
