// `hecd run`: create and start containers with published ports, spread over hosts
// (fewest running first), and register each as soon as it runs. A container that
// cannot be registered is stopped and removed again: nothing is left orphaned.
import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { decide, normalizePortSpec, type LayoutConfig } from "../agent/container.js";
import { validateSegment } from "../registry/keys.js";
import type { Registry } from "../registry/registry.js";
import type { DeployHost } from "./hosts.js";
import { DOCKER_HINT, runningCounts } from "./inventory.js";
import { LABEL_MANAGED, LABEL_PORT, LABEL_SERVICE } from "./labels.js";

export interface RunOptions {
  image: string;
  /** Container name; with several replicas, `<name>-1`, `<name>-2`, ... */
  name?: string;
  replicas?: number;
  /** Container port to publish and register (default 80/tcp). */
  port?: string;
  /** Service name (label hecd.service); default: the image's base name. */
  service?: string;
  env?: string[];
  volumes?: string[];
  cmd?: string[];
  hosts: readonly DeployHost[];
  registry: Registry;
  layout: Omit<LayoutConfig, "hostIp" | "port">;
  onProgress?: (done: Launched, index: number, total: number) => void;
}

export interface Launched {
  name: string;
  id: string;
  host: string;
  key: string;
  address: string;
}

export class RunError extends Error {
  constructor(
    message: string,
    /** Containers that did start and stay registered before the failure. */
    readonly launched: Launched[],
  ) {
    super(message);
  }
}

export function defaultService(image: string): string {
  const base = image.split("/").pop()!.split("@")[0]!.split(":")[0]!;
  const clean = base.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[^A-Za-z0-9]+/, "");
  return clean || "app";
}

export async function runContainers(opts: RunOptions): Promise<Launched[]> {
  const replicas = opts.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1)
    throw new Error(`--replicas ${replicas}: give a whole number >= 1`);
  if (opts.hosts.length === 0)
    throw new Error("no Docker host to run on: pass --docker-host, or start agents or `hecd up`");
  const port = normalizePortSpec(opts.port ?? "80");
  if (!port.endsWith("/tcp"))
    throw new Error(`--port ${opts.port}: HAProxy balances TCP; give a TCP port such as 80 or 8080/tcp`);
  const service = validateSegment("service name", opts.service ?? defaultService(opts.image));
  if (opts.name !== undefined) validateSegment("container name", opts.name);
  for (const e of opts.env ?? [])
    if (!/^[^=\s]+=/.test(e)) throw new Error(`-e ${JSON.stringify(e)}: use KEY=VALUE (e.g. -e TZ=UTC)`);
  for (const v of opts.volumes ?? [])
    if (!/^[^:]+:\/[^:]*(:[a-zA-Z,]+)?$/.test(v))
      throw new Error(
        `-v ${JSON.stringify(v)}: use SOURCE:/container/path[:ro] (a host path or a volume name, then an absolute path)`,
      );

  await requireImage(opts.hosts, opts.image);
  const counts = await runningCounts(opts.hosts);
  const launched: Launched[] = [];
  for (let i = 0; i < replicas; i++) {
    const host = pickHost(opts.hosts, counts);
    const name =
      opts.name === undefined
        ? `${service}-${randomBytes(3).toString("hex")}`
        : replicas === 1
          ? opts.name
          : `${opts.name}-${i + 1}`;
    let one: Launched;
    try {
      one = await launchOne(opts, host, name, service, port);
    } catch (e) {
      throw new RunError((e as Error).message, launched);
    }
    counts.set(host.name, (counts.get(host.name) ?? 0) + 1);
    launched.push(one);
    opts.onProgress?.(one, i, replicas);
  }
  return launched;
}

function pickHost(hosts: readonly DeployHost[], counts: Map<string, number>): DeployHost {
  let best = hosts[0]!;
  for (const h of hosts) if ((counts.get(h.name) ?? 0) < (counts.get(best.name) ?? 0)) best = h;
  return best;
}

async function requireImage(hosts: readonly DeployHost[], image: string): Promise<void> {
  const missing: string[] = [];
  await Promise.all(
    hosts.map(async (h) => {
      try {
        await h.docker.getImage(image).inspect();
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) missing.push(h.name);
        else
          throw new Error(
            `cannot reach Docker host ${h.name} (${h.endpoint}): ${(e as Error).message}; ${DOCKER_HINT}`,
          );
      }
    }),
  );
  if (missing.length > 0) {
    throw new Error(
      `image ${image} is not present on Docker host(s) ${missing.sort().join(", ")}; ` +
        `load it there first (docker pull ${image}, docker load, or docker import), or run only on hosts that have it (--host)`,
    );
  }
}

async function launchOne(
  opts: RunOptions,
  host: DeployHost,
  name: string,
  service: string,
  port: string,
): Promise<Launched> {
  let container: Docker.Container;
  try {
    container = await host.docker.createContainer({
      name,
      Hostname: name.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 63),
      Image: opts.image,
      Env: opts.env ?? [],
      Cmd: opts.cmd && opts.cmd.length > 0 ? opts.cmd : undefined,
      Labels: { [LABEL_MANAGED]: "true", [LABEL_SERVICE]: service, [LABEL_PORT]: port },
      ExposedPorts: { [port]: {} },
      // An init as PID 1 forwards SIGTERM, so servers that never expected to be PID 1 stop promptly.
      HostConfig: {
        PublishAllPorts: true,
        Binds: opts.volumes ?? [],
        RestartPolicy: { Name: "no" },
        Init: true,
      },
    });
  } catch (e) {
    throw new Error(`cannot create container ${name} on ${host.name}: ${(e as Error).message}`);
  }
  try {
    await container.start();
    const info = await container.inspect();
    const d = decide(info, { ...opts.layout, port, hostIp: host.address });
    if (d.kind !== "register") throw new Error(`container ${name} cannot be registered: ${d.reason}`);
    await opts.registry.register(d.key, d.address, { keepExistingLease: true });
    return { name, id: container.id, host: host.name, key: d.key, address: d.address };
  } catch (e) {
    const cleanup = await removeQuietly(container);
    throw new Error(
      `${(e as Error).message}` +
        (cleanup === undefined
          ? ` (container ${name} on ${host.name} was removed again)`
          : `; container ${name} (${container.id.slice(0, 12)}) on ${host.name} is left behind because removing it failed: ${cleanup}`),
    );
  }
}

async function removeQuietly(c: Docker.Container): Promise<string | undefined> {
  try {
    await c.remove({ force: true });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
