// `hecd agent`: keeps etcd in step with the containers running on one Docker host.
// Events are applied one at a time in arrival order; a full resync (register what runs, delete this
// host's keys that no longer match) runs at start, after any etcd or Docker outage, after a failed
// write, and every resyncIntervalMs as a safety net. Keys live under one etcd lease kept by Registry.
// startAgent connects and wires; the decisions are in plan.ts, the queue and its effects in loop.ts.
import type Docker from "dockerode";
import { pino, type Logger } from "pino";
import { dockerClient, resolveDockerEndpoint, type DockerConnectOptions } from "../docker/connect.js";
import { DEFAULT_PREFIX, hostKey, normalizePrefix, SERVICES_PREFIX } from "../registry/keys.js";
import type { EtcdAuthOptions, EtcdTlsOptions } from "../etcd/index.js";
import { Registry } from "../registry/registry.js";
import { normalizePortSpec, type Layout } from "./container.js";
import { checkDocker, defaultHostName, resolveHostIp } from "./docker.js";
import { DockerEventStream } from "./events.js";
import { AgentLoop } from "./loop.js";
import type { AgentCounts } from "./state.js";

export { resolveHostIp } from "./docker.js";

export interface AgentOptions {
  /** A dockerode client, or how to connect (socket / tcp+TLS; default DOCKER_HOST, then the local socket). */
  docker?: Docker | DockerConnectOptions;
  etcd: { endpoints: string[]; tls?: EtcdTlsOptions; auth?: EtcdAuthOptions };
  /** Lease TTL in seconds (default 15). */
  ttlSeconds?: number;
  /** Default `/app/servers` (servers layout only). */
  prefix?: string;
  /** `servers` (default): `<prefix>/<name>`; `services`: `/services/<service>/<name>`. */
  layout?: Layout;
  /** Container port to register (default "80/tcp"); containers may override with hecd.port / SERVICE_PORT. */
  port?: string;
  /** Address of this Docker host; default: Docker's default bind IP (dockerd --ip) when it is not 0.0.0.0. */
  hostIp?: string;
  /** Name under /hecd/hosts/ (default: the host IP, else Docker's host name). */
  hostName?: string;
  /** Full resync period (default 60000 ms; 0 disables the periodic one). */
  resyncIntervalMs?: number;
  logger?: Logger;
}

export interface AgentStatus extends AgentCounts {
  hostName: string;
  hostIp: string | undefined;
  /** Containers registered right now. */
  registered: number;
  resyncs: number;
  lastResyncMs: number;
  /** Whether Docker's event stream is connected. */
  dockerUp: boolean;
}

export interface AgentHandle {
  readonly hostName: string;
  readonly hostIp: string | undefined;
  readonly registry: Registry;
  status(): AgentStatus;
  /** Runs a full resync now (queued behind pending events); resolves when it has finished. */
  resync(): Promise<void>;
  /**
   * Stops watching and keeping the lease alive. By default the keys stay until the TTL runs out (a
   * restarted agent takes them over without a gap); with revoke they are deleted at once.
   */
  stop(opts?: { revoke?: boolean }): Promise<void>;
}

export async function startAgent(opts: AgentOptions): Promise<AgentHandle> {
  const log = opts.logger ?? pino({ level: "silent" });
  const dockerOpts = isDocker(opts.docker) ? undefined : (opts.docker ?? {});
  const docker = isDocker(opts.docker) ? opts.docker : dockerClient(dockerOpts);
  const dockerEndpoint = dockerOpts ? resolveDockerEndpoint(dockerOpts).url : "(client given)";
  const layout: Layout = opts.layout ?? "servers";
  if (layout !== "servers" && layout !== "services")
    throw new Error(`layout ${String(layout)} is unknown: use servers or services`);
  const prefix = normalizePrefix(opts.prefix ?? DEFAULT_PREFIX);
  const port = normalizePortSpec(opts.port ?? "80/tcp");
  const ttl = opts.ttlSeconds ?? 15;
  if (ttl < 2) throw new Error(`--ttl ${ttl} is too small: use at least 2 seconds`);

  await checkDocker(docker, dockerEndpoint);
  const { hostIp, source } = await resolveHostIp(docker, opts.hostIp);
  if (hostIp) log.info({ hostIp, source }, "host IP");
  else
    log.warn(
      "no host IP known (pass --host-ip): only containers whose ports are bound to a specific IP are registered",
    );
  const hostName = opts.hostName ?? defaultHostName(hostIp, (await docker.info()) as { Name?: string });

  const registry = await Registry.connect({
    endpoints: opts.etcd.endpoints,
    ttlSeconds: ttl,
    tls: opts.etcd.tls,
    auth: opts.etcd.auth,
    logger: log,
  });
  const loop = new AgentLoop({
    docker,
    dockerEndpoint,
    registry,
    cfg: { layout, prefix, port, ...(hostIp ? { hostIp } : {}) },
    scope: layout === "services" ? SERVICES_PREFIX : prefix,
    hostIp,
    hostRecordKey: hostKey(hostName),
    log,
  });
  const state = loop.state;

  let dockerDownLogged = false;
  let initialResync: Promise<void> | undefined;
  const events = new DockerEventStream(
    docker,
    {
      onEvent: (ev) => loop.onEvent(ev),
      onConnected: (first) => {
        state.dockerUp = true;
        if (dockerDownLogged) log.info("docker reachable again");
        dockerDownLogged = false;
        if (!first) log.info("docker event stream reconnected");
        const p = loop.requestResync(first ? "start" : "docker reconnected");
        if (first) initialResync = p;
      },
      onDown: (downMs) => {
        state.dockerUp = false;
        // The keys stay: a hung or restarting dockerd does not stop containers from serving
        // (docker-proxy and the shims keep running), and the resync on reconnect removes the
        // ones that did die. The load balancer's health checks cover the gap.
        if (dockerDownLogged || downMs < ttl * 1000) return;
        dockerDownLogged = true;
        log.error(
          { downMs, keptKeys: state.byId.size },
          "docker unreachable; keeping this host's keys until it answers",
        );
      },
    },
    log,
  );

  registry.on("lease-regranted", () => void loop.requestResync("etcd lease re-granted"));
  registry.on("recovered", () => void loop.requestResync("etcd reachable again"));

  try {
    await events.start();
    await (initialResync ?? loop.requestResync("start"));
  } catch (e) {
    events.stop();
    await registry.close();
    throw e;
  }

  const intervalMs = opts.resyncIntervalMs ?? 60_000;
  const periodic =
    intervalMs > 0 ? setInterval(() => void loop.requestResync("periodic"), intervalMs) : undefined;

  return {
    hostName,
    hostIp,
    registry,
    status: () => ({
      hostName,
      hostIp,
      registered: state.byId.size,
      resyncs: state.resyncs,
      lastResyncMs: state.lastResyncMs,
      ...state.counts,
      dockerUp: state.dockerUp,
    }),
    resync: () => loop.requestResync("requested"),
    stop: async (o = {}) => {
      if (state.stopped) return;
      if (periodic) clearInterval(periodic);
      events.stop();
      await loop.stop();
      await registry.close({ revoke: o.revoke ?? false });
      log.info({ revoke: o.revoke ?? false }, "agent stopped");
    },
  };
}

function isDocker(d: AgentOptions["docker"]): d is Docker {
  return d !== undefined && typeof (d as Docker).getEvents === "function";
}
