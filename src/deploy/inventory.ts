// What runs where: hecd-managed containers across hosts, with their registration.
import type { ContainerInfo } from "dockerode";
import { decide, type LayoutConfig } from "../agent/container.js";
import type { DeployHost } from "./hosts.js";
import { LABEL_SERVICE, managedFilter } from "./labels.js";

export interface Placed {
  host: DeployHost;
  info: ContainerInfo;
  name: string;
  service: string | undefined;
  running: boolean;
  created: number;
}

/** hecd-managed containers on every host (all states), optionally of one service. */
export async function listManaged(
  hosts: readonly DeployHost[],
  opts: { service?: string; all?: boolean } = {},
): Promise<Placed[]> {
  const perHost = await Promise.all(
    hosts.map(async (host) => {
      let list: ContainerInfo[];
      try {
        list = await host.docker.listContainers({
          all: opts.all ?? true,
          filters: managedFilter(opts.service),
        });
      } catch (e) {
        throw new Error(
          `cannot list containers on Docker host ${host.name} (${host.endpoint}): ${(e as Error).message}; ${DOCKER_HINT}`,
        );
      }
      return list.map((info): Placed => ({
        host,
        info,
        name: (info.Names[0] ?? info.Id).replace(/^\//, ""),
        service: info.Labels?.[LABEL_SERVICE],
        running: info.State === "running",
        created: info.Created,
      }));
    }),
  );
  return perHost.flat();
}

/** Running hecd-managed containers per host name (placement counts). */
export async function runningCounts(hosts: readonly DeployHost[]): Promise<Map<string, number>> {
  const counts = new Map(hosts.map((h) => [h.name, 0]));
  for (const p of await listManaged(hosts, { all: false }))
    counts.set(p.host.name, (counts.get(p.host.name) ?? 0) + 1);
  return counts;
}

/** The key and address the agent would register for this container, or why not. */
export async function registrationOf(
  p: Placed,
  layout: Omit<LayoutConfig, "hostIp" | "port">,
): Promise<{ key: string; address: string } | { reason: string }> {
  const inspect = await p.host.docker.getContainer(p.info.Id).inspect();
  const d = decide(inspect, { ...layout, port: "80/tcp", hostIp: p.host.address });
  return d.kind === "register" ? { key: d.key, address: d.address } : { reason: d.reason };
}

/** The fix for a Docker engine that does not answer. */
export const DOCKER_HINT =
  "is dockerd running there? Check --docker-host (or the hosts of --config, or of the stack in --state-dir)";
