// `hecd up`: the whole stack on one machine. Starts and supervises a single-member etcd
// (unless endpoints are given), runs the load balancer (HAProxy kept in step with etcd)
// and the agent for the local Docker engine in-process, and optionally a demo service.
// stop() undoes all of it.
import { rmSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import type { Logger } from "pino";
import { startAgent, type AgentHandle } from "../agent/agent.js";
import { createBackend } from "../backends/index.js";
import type { Backend } from "../backends/types.js";
import { runContainers, type Launched } from "../deploy/run.js";
import { connectHosts, type DeployHost } from "../deploy/hosts.js";
import { listManaged } from "../deploy/inventory.js";
import { dockerClient, resolveDockerEndpoint } from "../docker/connect.js";
import { ensureDemoImage } from "../images/demo.js";
import { registerAgentMetrics } from "../agent/metrics.js";
import { HaproxyStartError } from "../haproxy/process.js";
import { etcdSource, type DesiredState } from "../lb/desired.js";
import { startLoadBalancer } from "../lb/load-balancer.js";
import { newMetricsRegistry, parseListenAddress, startMetricsServer } from "../metrics/server.js";
import { DEFAULT_PREFIX, normalizePrefix } from "../registry/keys.js";
import { SupervisedChild } from "./child.js";
import { freeLoopbackPort } from "./ports.js";
import { dockerEngineProblem, formatMissing, missingBinaries, which, type Missing } from "./prereq.js";
import { ensureStateDir, readStackInfo, statePaths, writeStackInfo, type StackInfo } from "./state.js";

export interface UpOptions {
  stateDir: string;
  /** HAProxy frontend port (default 8080). */
  port?: number;
  /** Frontend bind address (default all interfaces, "*"). */
  bind?: string;
  /** Use these etcd endpoints instead of starting one. */
  etcd?: string[];
  dockerHost?: string;
  /** Address registered for containers whose ports bind on all interfaces (default 127.0.0.1: one machine). */
  hostIp?: string;
  prefix?: string;
  ttlSeconds?: number;
  /** Start N replicas of the demo image as service `web`. */
  demo?: number;
  /** Health-check settings for HAProxy servers. */
  check?: { interMs: number; fall: number; rise: number };
  /** Serve Prometheus metrics on this host:port. */
  metrics?: string;
  logger: Logger;
}

export interface Stack {
  info: StackInfo;
  statsUser: string;
  statsPassword: string;
  /** True when the password was generated now (print it once). */
  passwordCreated: boolean;
  passwordFile: string;
  demo: Launched[];
  /** Where Prometheus metrics are served, when asked for. */
  metricsUrl?: string;
  stop(): Promise<void>;
}

export const DEMO_SERVICE = "web";

export async function startStack(o: UpOptions): Promise<Stack> {
  const log = o.logger;
  checkUpOptions(o);
  if (o.metrics !== undefined) parseListenAddress("--metrics", o.metrics);
  const paths = statePaths(o.stateDir);
  const prefix = normalizePrefix(o.prefix ?? DEFAULT_PREFIX);
  const endpoint = resolveDockerEndpoint({ host: o.dockerHost });
  const docker = dockerClient({ host: o.dockerHost });

  const problems: Missing[] = missingBinaries(o.etcd?.length ? ["haproxy"] : ["etcd", "haproxy"]);
  const dockerProblem = await dockerEngineProblem(docker, endpoint.url);
  if (dockerProblem) problems.push(dockerProblem);
  if (problems.length > 0) throw new Error(formatMissing(problems));

  const running = readStackInfo(o.stateDir);
  if (running) {
    throw new Error(
      `a stack is already running from ${paths.dir} (pid ${running.pid}); stop it first (Ctrl-C or kill ${running.pid})`,
    );
  }
  ensureStateDir(paths);

  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    while (cleanups.length > 0) {
      const fn = cleanups.pop()!;
      await fn().catch((e: Error) => log.error({ err: e.message }, "error while stopping"));
    }
  };

  try {
    const etcdEndpoints = o.etcd?.length
      ? o.etcd
      : await startEtcd(paths.etcdData, join(paths.logDir, "etcd.log"), log, cleanups);

    const backend: Backend = await createBackend({ backend: "etcdv3", nodes: etcdEndpoints });
    cleanups.push(() => backend.close());
    const source = etcdSource(backend, prefix);
    // An etcd error here is typed (src/etcd/); the CLI words it for --etcd.
    const first: DesiredState = await source.read();
    const metricsRegistry = o.metrics !== undefined ? newMetricsRegistry() : undefined;
    const lb = await startLoadBalancer({
      source,
      initial: first,
      haproxy: {
        stateDir: paths.dir,
        port: o.port ?? 8080,
        config: { bindAddress: o.bind ?? "*", ...(o.check ? { check: o.check } : {}) },
      },
      log,
      ...(metricsRegistry ? { metrics: metricsRegistry } : {}),
    }).catch((e: Error) => {
      if (!(e instanceof HaproxyStartError && e.code === "EADDRINUSE")) throw e;
      throw new Error(
        `port ${o.port ?? 8080} on ${o.bind ?? "*"} is already in use: pick another with --port (and --bind)\n${e.message}`,
        { cause: e },
      );
    });
    cleanups.push(() => lb.stop());
    const managed = lb.haproxy();

    const hostIp = o.hostIp ?? "127.0.0.1";
    const agent: AgentHandle = await startAgent({
      docker: { host: endpoint.url },
      etcd: { endpoints: etcdEndpoints },
      ttlSeconds: o.ttlSeconds ?? 15,
      prefix,
      hostIp,
      hostName: "local",
      logger: log.child({ component: "agent" }),
    });
    cleanups.push(() => agent.stop({ revoke: true }));

    let metricsUrl: string | undefined;
    if (metricsRegistry !== undefined && o.metrics !== undefined) {
      registerAgentMetrics(metricsRegistry, () => agent.status());
      const server = await startMetricsServer("--metrics", o.metrics, metricsRegistry);
      cleanups.push(() => server.close());
      metricsUrl = server.url;
    }

    const config = managed.options;
    const bindHost = config.bindAddress === "*" ? "127.0.0.1" : config.bindAddress;
    const info: StackInfo = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      etcdEndpoints,
      dockerHosts: [{ name: "local", endpoint: endpoint.url, address: hostIp }],
      prefix,
      haproxy: {
        runtimeSocket: managed.process.runtime.socketPath,
        masterSocket: managed.process.master.socketPath,
        configFile: managed.configPath,
        backend: config.backend,
        url: `http://${bindHost}:${config.port}/`,
        statsUrl: `http://${bindHost}:${config.port}/admin-status`,
      },
    };
    writeStackInfo(paths, info);
    cleanups.push(async () => rmSync(paths.stackFile, { force: true }));

    let demo: Launched[] = [];
    if (o.demo !== undefined && o.demo > 0) {
      const image = await ensureDemoImage(docker);
      const hosts: DeployHost[] = connectHosts(info.dockerHosts);
      cleanups.push(() => removeService(hosts, DEMO_SERVICE, log));
      demo = await runContainers({
        image,
        service: DEMO_SERVICE,
        replicas: o.demo,
        hosts,
        registry: agent.registry,
        layout: { layout: "servers", prefix },
      });
    }

    return {
      info,
      statsUser: managed.stats.user,
      statsPassword: managed.stats.password,
      passwordCreated: managed.stats.passwordCreated,
      passwordFile: managed.stats.passwordPath,
      demo,
      ...(metricsUrl ? { metricsUrl } : {}),
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** Bad values are refused before anything is started. */
function checkUpOptions(o: UpOptions): void {
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 1 && o.port <= 65535))
    throw new Error(`--port ${o.port} is not a TCP port: use 1-65535`);
  if (o.bind !== undefined && o.bind !== "*" && isIP(o.bind) === 0)
    throw new Error(
      `--bind ${JSON.stringify(o.bind)} is not an IP address: use an address of this machine, or * for all`,
    );
  if (o.hostIp !== undefined && isIP(o.hostIp) === 0)
    throw new Error(
      `--host-ip ${JSON.stringify(o.hostIp)} is not an IP address: use the address clients reach this machine on`,
    );
  if (o.demo !== undefined && !(Number.isInteger(o.demo) && o.demo >= 0))
    throw new Error(`--demo ${o.demo} is not a number of replicas: use a whole number >= 1`);
}

async function startEtcd(
  dataDir: string,
  logFile: string,
  log: Logger,
  cleanups: (() => Promise<void>)[],
): Promise<string[]> {
  const clientPort = await freeLoopbackPort();
  const peerPort = await freeLoopbackPort();
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const etcd = new SupervisedChild(
    {
      name: "etcd",
      command: which("etcd")!,
      args: [
        "--name=hecd",
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=hecd=${peer}`,
        "--log-level=warn",
      ],
      logFile,
      ready: async () => (await fetch(`${client}/health`, { signal: AbortSignal.timeout(1000) })).ok,
    },
    log,
  );
  await etcd.start();
  cleanups.push(() => etcd.stop());
  return [client];
}

/** Stops and removes every container of a service (the demo's, at shutdown). */
async function removeService(hosts: readonly DeployHost[], service: string, log: Logger): Promise<void> {
  const placed = await listManaged(hosts, { service });
  await Promise.all(
    placed.map(async (p) => {
      try {
        await p.host.docker.getContainer(p.info.Id).remove({ force: true });
      } catch (e) {
        log.warn({ container: p.name, err: (e as Error).message }, "could not remove demo container");
      }
    }),
  );
}
