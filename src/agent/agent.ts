// `hecd agent`: keeps etcd in step with the containers running on one Docker host.
// Events are applied one at a time in arrival order; a full resync (register what runs, delete this
// host's keys that no longer match) runs at start, after any etcd or Docker outage, after a failed
// write, and every resyncIntervalMs as a safety net. Keys live under one etcd lease kept by Registry.
import type Docker from "dockerode";
import { pino, type Logger } from "pino";
import { dockerClient, resolveDockerEndpoint, type DockerConnectOptions } from "../docker/connect.js";
import {
  addressHost,
  DEFAULT_PREFIX,
  DRAINING_PREFIX,
  hostKey,
  keyBase,
  normalizePrefix,
  SERVICES_PREFIX,
  validateHost,
  type HostRecord,
} from "../registry/keys.js";
import type { EtcdAuthOptions, EtcdTlsOptions } from "../etcd/index.js";
import { Registry } from "../registry/registry.js";
import { UnreachableError } from "../registry/errors.js";
import { decide, normalizePortSpec, type Layout, type LayoutConfig, type Registration } from "./container.js";
import { DockerEventStream, type ContainerEvent } from "./events.js";

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

export interface AgentStatus {
  hostName: string;
  hostIp: string | undefined;
  /** Containers registered right now. */
  registered: number;
  resyncs: number;
  lastResyncMs: number;
  /** Docker events acted on since start. */
  events: number;
  /** Keys written / deleted since start. */
  registrations: number;
  deregistrations: number;
  /** Event or resync handlers that failed (each is followed by a resync). */
  failures: number;
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

/** The Docker event actions the agent acts on (see onEvent). */
const HANDLED_ACTIONS = new Set([
  "start",
  "unpause",
  "restart",
  "rename",
  "update",
  "kill",
  "die",
  "stop",
  "pause",
  "destroy",
  "oom",
]);

const TERMINATING_SIGNALS = new Set([
  "",
  "2",
  "3",
  "6",
  "9",
  "15",
  "SIGINT",
  "SIGQUIT",
  "SIGABRT",
  "SIGKILL",
  "SIGTERM",
]);
const INSPECT_CONCURRENCY = 16;
/** A hung daemon must not stall the queue: calls give up after this, and a resync retries later. */
const DOCKER_CALL_TIMEOUT_MS = 10_000;

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

  try {
    await docker.ping();
  } catch (e) {
    const msg = `cannot reach Docker at ${dockerEndpoint}: ${(e as Error).message}`;
    if (isTlsOrAuthError(e)) throw new Error(`${msg} (check the Docker TLS certificates)`, { cause: e });
    throw new UnreachableError("docker", msg, { cause: e });
  }
  const { hostIp, source } = await resolveHostIp(docker, opts.hostIp);
  if (hostIp) log.info({ hostIp, source }, "host IP");
  else
    log.warn(
      "no host IP known (pass --host-ip): only containers whose ports are bound to a specific IP are registered",
    );
  const hostName = opts.hostName ?? defaultHostName(hostIp, (await docker.info()) as { Name?: string });
  const hostRecordKey = hostKey(hostName);

  const registry = await Registry.connect({
    endpoints: opts.etcd.endpoints,
    ttlSeconds: ttl,
    tls: opts.etcd.tls,
    auth: opts.etcd.auth,
    logger: log,
  });
  const cfg: LayoutConfig = { layout, prefix, port, ...(hostIp ? { hostIp } : {}) };
  const scope = layout === "services" ? SERVICES_PREFIX : prefix;
  const byId = new Map<string, Registration>();
  const skipped = new Map<string, string>();
  let stopped = false;
  let resyncs = 0;
  let lastResyncMs = 0;
  const counts = { events: 0, registrations: 0, deregistrations: 0, failures: 0 };
  let dockerUp = false;
  let needResync = false;
  let lastHostRecord = "";

  // One queue for events and resyncs, in order.
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (what: string, fn: () => Promise<void>): Promise<void> => {
    const run = async () => {
      if (stopped) return;
      try {
        await fn();
      } catch (e) {
        counts.failures++;
        needResync = true;
        log.error({ err: (e as Error).message, what }, "failed; a resync will follow");
        scheduleRetry();
      }
    };
    chain = chain.then(run);
    return chain;
  };

  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelay = 250;
  const scheduleRetry = () => {
    if (stopped || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (needResync) void requestResync("retry after failure");
    }, retryDelay);
    retryDelay = Math.min(5000, retryDelay * 2);
  };

  let resyncPending: Promise<void> | undefined;
  const requestResync = (why: string): Promise<void> => {
    if (resyncPending) return resyncPending;
    resyncPending = enqueue(`resync (${why})`, async () => {
      resyncPending = undefined;
      await resync(why);
    });
    return resyncPending;
  };

  const inspect = async (id: string) => {
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
  };

  const apply = async (reg: Registration) => {
    const prev = byId.get(reg.id);
    if (prev && prev.key !== reg.key) await registry.deregister(prev.key, prev.address);
    const wrote = await registry.register(reg.key, reg.address);
    byId.set(reg.id, reg);
    skipped.delete(reg.id);
    if (wrote) counts.registrations++;
    if (wrote) log.info({ key: reg.key, address: reg.address, container: reg.name }, "registered");
  };

  const remove = async (id: string, why: string) => {
    const prev = byId.get(id);
    if (!prev) return;
    byId.delete(id);
    if (await registry.deregister(prev.key, prev.address)) counts.deregistrations++;
    log.info({ key: prev.key, container: prev.name, why }, "deregistered");
  };

  const logSkip = (id: string, name: string, reason: string) => {
    if (skipped.get(id) === reason) return;
    skipped.set(id, reason);
    log.info({ container: name, reason }, "not registered");
  };

  const reconcile = async (id: string) => {
    const info = await inspect(id);
    if (!info) return remove(id, "container is gone");
    const d = decide(info, cfg);
    if (d.kind === "register") return apply(d);
    await remove(id, d.reason);
    if (d.eligible) logSkip(id, d.name, d.reason);
  };

  const publishHost = async () => {
    const record: HostRecord = {
      address: hostIp ?? "",
      docker: dockerEndpoint,
      containers: byId.size,
      prefix: scope,
      layout,
    };
    const text = JSON.stringify(record);
    if (text === lastHostRecord) return;
    await registry.publish(hostRecordKey, text);
    lastHostRecord = text;
  };

  const resync = async (why: string) => {
    const t0 = performance.now();
    const running = await withTimeout(
      docker.listContainers({ all: false }),
      DOCKER_CALL_TIMEOUT_MS,
      "docker ps",
    );
    const infos = await mapLimit(running, INSPECT_CONCURRENCY, (c) => inspect(c.Id));
    const draining = new Set((await registry.entries(DRAINING_PREFIX)).map((e) => keyBase(e.key)));
    const desired = new Map<string, Registration>();
    for (const info of infos) {
      if (!info) continue;
      const d = decide(info, cfg);
      if (d.kind === "register" && draining.has(d.id)) logSkip(d.id, d.name, "draining (hecd stop)");
      else if (d.kind === "register") desired.set(d.id, d);
      else if (d.eligible) logSkip(d.id, d.name, d.reason);
    }
    const inspectedMs = performance.now() - t0;
    for (const id of [...byId.keys()]) if (!desired.has(id)) await remove(id, "not running (resync)");
    for (const reg of desired.values()) {
      const prev = byId.get(reg.id);
      if (prev && prev.key !== reg.key) await registry.deregister(prev.key, prev.address);
    }
    const current = await registry.entries(scope);
    const written = await registry.registerMany(
      [...desired.values()].map((r) => ({ key: r.key, address: r.address })),
      current,
    );
    for (const reg of desired.values()) {
      byId.set(reg.id, reg);
      skipped.delete(reg.id);
    }
    counts.registrations += written.length;
    for (const key of written) log.info({ key, address: registry.ownedKeys().get(key) }, "registered");
    const writtenMs = performance.now() - t0;
    // Delete this host's keys that no longer match: under our lease, or leased (an earlier agent's
    // or `hecd run`'s) and pointing at our addresses. A key without a lease was written by hand
    // or by another tool: never ours to delete.
    const ownHosts = new Set<string>([
      ...(hostIp ? [hostIp] : []),
      ...[...desired.values()].map((r) => addressHost(r.address)),
    ]);
    const wantedKeys = new Map([...desired.values()].map((r) => [r.key, r.address]));
    let stale = 0;
    for (const e of current) {
      if (wantedKeys.has(e.key)) continue;
      const ours = e.lease === registry.lease || (e.lease !== "0" && ownHosts.has(safeHost(e.value)));
      if (!ours || wantedKeys.has(e.key)) continue;
      if (await registry.deregister(e.key, e.value)) {
        stale++;
        counts.deregistrations++;
        log.info({ key: e.key, value: e.value }, "deleted stale key of this host");
      }
    }
    await publishHost();
    needResync = false;
    retryDelay = 250;
    resyncs++;
    lastResyncMs = performance.now() - t0;
    log.info(
      {
        why,
        registered: byId.size,
        stale,
        ms: Math.round(lastResyncMs),
        inspectMs: Math.round(inspectedMs),
        writeMs: Math.round(writtenMs - inspectedMs),
      },
      "resync done",
    );
  };

  const onEvent = (ev: ContainerEvent) => {
    if (
      HANDLED_ACTIONS.has(ev.action) &&
      (ev.action !== "kill" || TERMINATING_SIGNALS.has(ev.attributes.signal ?? ""))
    )
      counts.events++;
    switch (ev.action) {
      case "start":
      case "unpause":
      case "restart":
      case "rename":
      case "update":
        void enqueue(`${ev.action} ${ev.id.slice(0, 12)}`, async () => {
          await reconcile(ev.id);
          await publishHost();
        });
        return;
      case "kill":
        if (!TERMINATING_SIGNALS.has(ev.attributes.signal ?? "")) return;
        void enqueue(`kill ${ev.id.slice(0, 12)}`, async () => {
          await remove(ev.id, `killed (signal ${ev.attributes.signal ?? "?"})`);
          await publishHost();
        });
        return;
      case "die":
      case "stop":
      case "pause":
      case "destroy":
      case "oom":
        void enqueue(`${ev.action} ${ev.id.slice(0, 12)}`, async () => {
          await remove(ev.id, ev.action);
          if (ev.action === "destroy") skipped.delete(ev.id);
          await publishHost();
        });
        return;
      default:
        return;
    }
  };

  let dockerDownLogged = false;
  let initialResync: Promise<void> | undefined;
  const events = new DockerEventStream(
    docker,
    {
      onEvent,
      onConnected: (first) => {
        dockerUp = true;
        if (dockerDownLogged) log.info("docker reachable again");
        dockerDownLogged = false;
        if (!first) log.info("docker event stream reconnected");
        const p = requestResync(first ? "start" : "docker reconnected");
        if (first) initialResync = p;
      },
      onDown: (downMs) => {
        dockerUp = false;
        // The keys stay: a hung or restarting dockerd does not stop containers from serving
        // (docker-proxy and the shims keep running), and the resync on reconnect removes the
        // ones that did die. The load balancer's health checks cover the gap.
        if (dockerDownLogged || downMs < ttl * 1000) return;
        dockerDownLogged = true;
        log.error(
          { downMs, keptKeys: byId.size },
          "docker unreachable; keeping this host's keys until it answers",
        );
      },
    },
    log,
  );

  registry.on("lease-regranted", () => void requestResync("etcd lease re-granted"));
  registry.on("recovered", () => void requestResync("etcd reachable again"));

  try {
    await events.start();
    await (initialResync ?? requestResync("start"));
  } catch (e) {
    events.stop();
    await registry.close();
    throw e;
  }

  const periodic =
    (opts.resyncIntervalMs ?? 60_000) > 0
      ? setInterval(() => void requestResync("periodic"), opts.resyncIntervalMs ?? 60_000)
      : undefined;

  return {
    hostName,
    hostIp,
    registry,
    status: () => ({ hostName, hostIp, registered: byId.size, resyncs, lastResyncMs, ...counts, dockerUp }),
    resync: () => requestResync("requested"),
    stop: async (o = {}) => {
      if (stopped) return;
      stopped = true;
      if (periodic) clearInterval(periodic);
      if (retryTimer) clearTimeout(retryTimer);
      events.stop();
      await chain.catch(() => {});
      await registry.close({ revoke: o.revoke ?? false });
      log.info({ revoke: o.revoke ?? false }, "agent stopped");
    },
  };
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

function isDocker(d: AgentOptions["docker"]): d is Docker {
  return d !== undefined && typeof (d as Docker).getEvents === "function";
}

function safeHost(value: string): string {
  try {
    return addressHost(value);
  } catch {
    return "";
  }
}

function defaultHostName(hostIp: string | undefined, info: { Name?: string }): string {
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
