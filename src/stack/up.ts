// `hecd up`: the whole stack on one machine. Starts and supervises a single-member etcd
// (unless endpoints are given) and HAProxy in master-worker mode as child processes, runs
// the agent for the local Docker engine and the etcd -> HAProxy sync in-process, and
// optionally a demo service. stop() undoes all of it.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { isIP } from "node:net";
import { basename, join } from "node:path";
import type { Logger } from "pino";
import { startAgent, type AgentHandle } from "../agent/agent.js";
import { createBackend } from "../backends/index.js";
import type { Backend } from "../backends/types.js";
import { runContainers, type Launched } from "../deploy/run.js";
import { connectHosts, type DeployHost } from "../deploy/hosts.js";
import { listManaged } from "../deploy/inventory.js";
import { dockerClient, resolveDockerEndpoint } from "../docker/connect.js";
import { startManagedHaproxy, type ManagedHaproxy, type ManagedHaproxyOptions } from "../haproxy/managed.js";
import { ensureDemoImage } from "../images/demo.js";
import { registerAgentMetrics } from "../agent/metrics.js";
import { createLbMetrics } from "../metrics/lb.js";
import { newMetricsRegistry, parseListenAddress, startMetricsServer } from "../metrics/server.js";
import { DEFAULT_PREFIX, normalizePrefix } from "../registry/keys.js";
import { SupervisedChild } from "./child.js";
import { startLbSync, serversBelow, type LbSync } from "./lb-sync.js";
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

    let first: ReturnType<typeof serversBelow>;
    const backend: Backend = await createBackend({ backend: "etcdv3", nodes: etcdEndpoints });
    cleanups.push(() => backend.close());
    try {
      first = serversBelow(prefix, (await backend.getValues([prefix])).values);
    } catch (e) {
      if (!o.etcd?.length) throw e;
      throw new Error(
        `cannot use the etcd given with --etcd: ${(e as Error).message.replace(/; is etcd running\? pass -node$/, "")}; ` +
          "is etcd running there? Fix --etcd, or leave it out and `hecd up` starts its own etcd",
        { cause: e },
      );
    }
    const syncRef: { current?: LbSync } = {};
    const haproxy = await superviseHaproxy(
      {
        stateDir: paths.dir,
        port: o.port ?? 8080,
        initial: first,
        desired: async () => syncRef.current?.desired() ?? first,
        config: { bindAddress: o.bind ?? "*", ...(o.check ? { check: o.check } : {}) },
        log,
      },
      log,
    ).catch((e: Error) => {
      if (!/Address already in use/.test(e.message)) throw e;
      throw new Error(
        `port ${o.port ?? 8080} on ${o.bind ?? "*"} is already in use: pick another with --port (and --bind)\n${e.message}`,
        { cause: e },
      );
    });
    cleanups.push(() => haproxy.stop());
    const metricsRegistry = o.metrics !== undefined ? newMetricsRegistry() : undefined;
    const lbMetrics = metricsRegistry
      ? createLbMetrics(metricsRegistry, {
          desiredServers: () => syncRef.current?.desired().size ?? 0,
          haproxyRestarts: () => haproxy.restarts(),
        })
      : undefined;
    const sync = startLbSync({
      backend,
      prefix,
      apply: (desired) => haproxy.current().sync(desired),
      logger: log,
      ...(lbMetrics ? { onApply: (report, ms) => lbMetrics.applied(report, ms) } : {}),
    });
    syncRef.current = sync;
    cleanups.push(() => sync.stop());
    await sync.ready;
    const managed = haproxy.current();

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

interface SupervisedHaproxy {
  current(): ManagedHaproxy;
  /** Times HAProxy was started again after exiting on its own. */
  restarts(): number;
  stop(): Promise<void>;
}

/** HAProxy under supervision: if the master dies on its own it is started again from the desired set. */
async function superviseHaproxy(opts: ManagedHaproxyOptions, log: Logger): Promise<SupervisedHaproxy> {
  let managed = await startManagedHaproxy(opts);
  let stopping = false;
  let restarts = 0;
  let restarted = 0;
  const watch = (m: ManagedHaproxy): void => {
    void m.process.exited.then(async (how) => {
      if (stopping || m !== managed) return;
      await m.drift.stop();
      // A master killed outright can leave its worker behind; let it finish its requests.
      signalStrays(m.configPath, "SIGUSR1");
      while (!stopping) {
        const delay = Math.min(30_000, 250 * 2 ** Math.min(++restarts, 7));
        log.error({ how, restartInMs: delay }, "HAProxy exited; restarting it");
        await new Promise((r) => setTimeout(r, delay));
        if (stopping) return;
        try {
          managed = await startManagedHaproxy({ ...opts, initial: await opts.desired() });
          restarted++;
          watch(managed);
          return;
        } catch (e) {
          log.error({ err: (e as Error).message }, "HAProxy restart failed");
        }
      }
    });
  };
  watch(managed);
  return {
    current: () => managed,
    restarts: () => restarted,
    stop: async () => {
      stopping = true;
      await managed.stop();
      if (signalStrays(managed.configPath, "SIGTERM") > 0) {
        await new Promise((r) => setTimeout(r, 2000));
        signalStrays(managed.configPath, "SIGKILL");
      }
    },
  };
}

/** Signals every HAProxy process still running with this config file; returns how many. */
function signalStrays(configPath: string, signal: NodeJS.Signals): number {
  let n = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const f = argv.indexOf("-f");
    if (!basename(argv[0] ?? "").startsWith("haproxy") || f < 0 || argv[f + 1] !== configPath) continue;
    try {
      process.kill(Number(pid), signal);
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}
