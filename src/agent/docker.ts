// The agent's calls to the Docker engine: reachability, bounded calls, and this host's identity.
import type Docker from "dockerode";
import type { ContainerInspectInfo } from "dockerode";
import { validateHost } from "../registry/keys.js";
import { UnreachableError } from "../registry/errors.js";

/** A hung daemon must not stall the agent's queue: calls give up after this, and a resync retries later. */
export const DOCKER_CALL_TIMEOUT_MS = 10_000;
const INSPECT_CONCURRENCY = 16;

/** Pings Docker; a refusal of TLS or credentials is a configuration error, anything else is retried. */
export async function checkDocker(docker: Docker, endpoint: string): Promise<void> {
  try {
    await docker.ping();
  } catch (e) {
    const msg = `cannot reach Docker at ${endpoint}: ${(e as Error).message}`;
    if (isTlsOrAuthError(e)) throw new Error(`${msg} (check the Docker TLS certificates)`, { cause: e });
    throw new UnreachableError("docker", msg, { cause: e });
  }
}

/** `docker inspect`, or undefined when the container is gone. */
export async function inspectContainer(
  docker: Docker,
  id: string,
): Promise<ContainerInspectInfo | undefined> {
  try {
    return await withTimeout(
      docker.getContainer(id).inspect(),
      DOCKER_CALL_TIMEOUT_MS,
      `docker inspect ${id.slice(0, 12)}`,
    );
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

/** `docker inspect` of every running container (those gone meanwhile left out). */
export async function inspectRunning(docker: Docker): Promise<ContainerInspectInfo[]> {
  const running = await withTimeout(
    docker.listContainers({ all: false }),
    DOCKER_CALL_TIMEOUT_MS,
    "docker ps",
  );
  const infos = await mapLimit(running, INSPECT_CONCURRENCY, (c) => inspectContainer(docker, c.Id));
  return infos.filter((i): i is ContainerInspectInfo => i !== undefined);
}

/** TLS and authorization failures: retrying will not fix them. */
function isTlsOrAuthError(e: unknown): boolean {
  const code = String((e as { code?: unknown }).code ?? "");
  const status = (e as { statusCode?: number }).statusCode;
  return (
    status === 401 ||
    status === 403 ||
    /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_OSSL_)/.test(
      code,
    ) ||
    /certificate|ssl|tls alert/i.test(String((e as Error).message ?? ""))
  );
}

export function defaultHostName(hostIp: string | undefined, info: { Name?: string }): string {
  const base = hostIp ?? info.Name ?? "docker";
  return base.replace(/[^A-Za-z0-9_.-]/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "docker";
}

/** The host IP given, else dockerd's default bind IP (`--ip`) when it names one address. */
export async function resolveHostIp(
  docker: Docker,
  given: string | undefined,
): Promise<{ hostIp?: string; source: string }> {
  if (given !== undefined && given !== "") {
    try {
      validateHost(given);
    } catch (e) {
      throw new Error(`--host-ip: ${(e as Error).message}`, { cause: e });
    }
    if (given === "0.0.0.0" || given === "::")
      throw new Error(`--host-ip ${given} is a wildcard; give the address other hosts reach this one on`);
    return { hostIp: given, source: "--host-ip" };
  }
  try {
    const net = await docker.getNetwork("bridge").inspect();
    const bind = (net as { Options?: Record<string, string> }).Options?.[
      "com.docker.network.bridge.host_binding_ipv4"
    ];
    if (bind && bind !== "0.0.0.0")
      return { hostIp: bind, source: "dockerd --ip (bridge host_binding_ipv4)" };
  } catch {
    // no default bridge network: nothing to detect from
  }
  return { source: "none" };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from Docker within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
