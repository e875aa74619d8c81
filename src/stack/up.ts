// `hecd up`: the whole stack on one machine. Starts and supervises a single-member etcd
// (unless endpoints are given) and HAProxy in master-worker mode as child processes, runs
// the agent for the local Docker engine and the etcd -> HAProxy sync in-process, and
// optionally a demo service. stop() undoes all of it.
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { startAgent, type AgentHandle } from "../agent/agent.js";
import { createBackend } from "../backends/index.js";
import type { Backend } from "../backends/types.js";
import { runContainers, type Launched } from "../deploy/run.js";
import { connectHosts, type DeployHost } from "../deploy/hosts.js";
import { listManaged } from "../deploy/inventory.js";
import { dockerClient, resolveDockerEndpoint } from "../docker/connect.js";
import { HaproxyController } from "../haproxy/controller.js";
import {
  defaultConfigOptions,
  masterSocketPath,
  renderConfig,
  runtimeSocketPath,
} from "../haproxy/config.js";
import { writeConfigAtomic } from "../haproxy/config-file.js";
import { MasterCli } from "../haproxy/master.js";
import { RuntimeApi } from "../haproxy/runtime.js";
import { loadOrCreateStatsPassword } from "../haproxy/secrets.js";
import { normalizeServers } from "../haproxy/servers.js";
import { ensureDemoImage } from "../images/demo.js";
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
  stop(): Promise<void>;
}

export const DEMO_SERVICE = "web";

export async function startStack(o: UpOptions): Promise<Stack> {
  const log = o.logger;
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

    const stats = loadOrCreateStatsPassword(paths.dir);
    const config = {
      ...defaultConfigOptions(paths.dir, { user: "admin", password: stats.password, uri: "/admin-status" }),
      port: o.port ?? 8080,
      bindAddress: o.bind ?? "*",
      ...(o.check ? { check: o.check } : {}),
    };
    const first = serversBelow(prefix, (await backend.getValues([prefix])).values);
    await writeConfigAtomic(paths.haproxyConfig, renderConfig(config, normalizeServers(first, log).servers));

    const runtime = new RuntimeApi(runtimeSocketPath(paths.dir));
    const master = new MasterCli(masterSocketPath(paths.dir));
    const haproxy = new SupervisedChild(
      {
        name: "haproxy",
        command: which("haproxy")!,
        args: ["-W", "-S", `${masterSocketPath(paths.dir)},mode,600`, "-f", paths.haproxyConfig],
        logFile: join(paths.logDir, "haproxy.log"),
        ready: async () => /Name: HAProxy/.test(await runtime.raw("show info")),
      },
      log,
    );
    rmSync(runtimeSocketPath(paths.dir), { force: true });
    rmSync(masterSocketPath(paths.dir), { force: true });
    await haproxy.start();
    cleanups.push(() => haproxy.stop());

    const controller = new HaproxyController({
      runtime,
      master,
      configPath: paths.haproxyConfig,
      config,
      log,
    });
    const sync: LbSync = startLbSync({
      backend,
      prefix,
      controller,
      runtime,
      haproxyBackend: config.backend,
      logger: log,
    });
    cleanups.push(() => sync.stop());
    await sync.ready;

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

    const bindHost = config.bindAddress === "*" ? "127.0.0.1" : config.bindAddress;
    const info: StackInfo = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      etcdEndpoints,
      dockerHosts: [{ name: "local", endpoint: endpoint.url, address: hostIp }],
      prefix,
      haproxy: {
        runtimeSocket: runtime.socketPath,
        masterSocket: master.socketPath,
        configFile: paths.haproxyConfig,
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
      statsUser: "admin",
      statsPassword: stats.password,
      passwordCreated: stats.created,
      passwordFile: stats.path,
      demo,
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
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
