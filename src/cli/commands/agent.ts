import { isIP } from "node:net";
import { Command, Option } from "commander";
import { pino } from "pino";
import { startAgent, type AgentHandle, type AgentOptions, type AgentStatus } from "../../agent/agent.js";
import { registerAgentMetrics } from "../../metrics/agent.js";
import { newMetricsRegistry, startMetricsServer, type MetricsServer } from "../../metrics/server.js";
import { EtcdUnreachableError, resolveEndpoints } from "../../etcd/index.js";
import { UnreachableError } from "../../registry/errors.js";
import { DEFAULT_PREFIX } from "../../registry/keys.js";
import {
  action,
  addDockerOptions,
  addEtcdOptions,
  etcdSecurity,
  logLevelOption,
  wholeNumber,
  type EtcdCliOptions,
} from "../options.js";

interface AgentCliOptions extends EtcdCliOptions {
  dockerHost?: string;
  dockerTlsVerify?: boolean;
  dockerCertPath?: string;
  hostIp?: string;
  hostName?: string;
  prefix: string;
  layout: "servers" | "services";
  port: string;
  ttl: number;
  resyncInterval: number;
  metrics?: string;
  logLevel: string;
}

export function registerAgent(program: Command): void {
  const cmd = program
    .command("agent")
    .summary("register this Docker host's containers in etcd from Docker events (leased keys)")
    .description(
      "Register this Docker host's containers in etcd from Docker events, with leased keys.\n" +
        "Default layout: <prefix>/<container-name> = <host-ip>:<host-port> for container port 80/tcp.\n\n" +
        "Example: hecd agent --etcd http://10.0.0.2:2379 --host-ip 10.0.0.5",
    );
  addEtcdOptions(cmd);
  addDockerOptions(cmd, false);
  cmd
    .option(
      "--host-ip <ip>",
      "address other hosts reach this host's published ports on (default: dockerd --ip if set)",
    )
    .option("--host-name <name>", "name under /hecd/hosts/ (default: the host IP)")
    .option("--prefix <path>", "key prefix for the servers layout", DEFAULT_PREFIX)
    .addOption(
      new Option("--layout <layout>", "servers: <prefix>/<name>; services: /services/<service>/<name>")
        .choices(["servers", "services"])
        .default("servers"),
    )
    .option(
      "--port <port>",
      "container port to register (containers may override with label hecd.port)",
      "80/tcp",
    )
    .option(
      "--ttl <seconds>",
      "lease TTL: keys of a dead agent disappear after this",
      wholeNumber("--ttl", 2),
      15,
    )
    .option(
      "--resync-interval <seconds>",
      "full resync period, 0 to disable",
      wholeNumber("--resync-interval", 0),
      60,
    )
    .option(
      "--metrics <host:port>",
      "serve Prometheus metrics on http://host:port/metrics (a bare port: 127.0.0.1)",
    )
    .addOption(logLevelOption())
    .action(action("agent", runAgent));
}

async function runAgent(o: AgentCliOptions): Promise<void> {
  const log = pino({ level: o.logLevel, base: { cmd: "agent" } }, pino.destination(2));
  if (o.hostIp !== undefined && isIP(o.hostIp) === 0) {
    throw new Error(
      `--host-ip ${JSON.stringify(o.hostIp)} is not an IP address; give the address other hosts reach this one on`,
    );
  }
  const { tls, auth } = etcdSecurity(o);
  const endpoints = resolveEndpoints(o.etcd);
  // Handle signals from the start: a SIGTERM during startup still stops cleanly.
  let signalled: (sig: string) => void = () => {};
  const stopRequested = new Promise<string>((r) => (signalled = r));
  process.once("SIGTERM", () => signalled("SIGTERM"));
  process.once("SIGINT", () => signalled("SIGINT"));
  const options: AgentOptions = {
    docker: { host: o.dockerHost, tlsVerify: o.dockerTlsVerify, certPath: o.dockerCertPath },
    etcd: {
      endpoints,
      ...(tls ? { tls } : {}),
      ...(auth ? { auth } : {}),
    },
    ttlSeconds: o.ttl,
    prefix: o.prefix,
    layout: o.layout,
    port: o.port,
    hostIp: o.hostIp,
    hostName: o.hostName,
    resyncIntervalMs: o.resyncInterval * 1000,
    logger: log,
  };
  // etcd or Docker not up yet (e.g. at boot): keep trying; configuration errors end at once.
  let agent: AgentHandle | undefined;
  let metrics: MetricsServer | undefined;
  if (o.metrics !== undefined) {
    const registry = newMetricsRegistry();
    const idle: AgentStatus = {
      hostName: "",
      hostIp: undefined,
      registered: 0,
      resyncs: 0,
      lastResyncMs: 0,
      events: 0,
      registrations: 0,
      deregistrations: 0,
      failures: 0,
      dockerUp: false,
    };
    registerAgentMetrics(registry, () => agent?.status() ?? idle);
    metrics = await startMetricsServer("--metrics", o.metrics, registry);
    log.info({ url: metrics.url }, "serving metrics");
  }
  let stopSignal: string | undefined;
  void stopRequested.then((sig) => (stopSignal = sig));
  try {
    for (let delay = 500; !agent; delay = Math.min(10_000, delay * 2)) {
      try {
        agent = await startAgent(options);
      } catch (e) {
        if (!(e instanceof UnreachableError || e instanceof EtcdUnreachableError)) throw e;
        log.warn({ err: e.message, retryInMs: delay }, `${e.service} not reachable; retrying`);
        await Promise.race([new Promise((r) => setTimeout(r, delay)), stopRequested]);
        if (stopSignal) {
          log.info({ signal: stopSignal }, "stopped before the agent could start");
          return;
        }
      }
    }
    log.info({ host: agent.hostName, hostIp: agent.hostIp, etcd: endpoints }, "agent running");
    const sig = await stopRequested;
    log.info({ signal: sig }, "stopping");
    await agent.stop();
  } finally {
    await metrics?.close();
  }
}
