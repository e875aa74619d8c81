import { isIP } from "node:net";
import { Command, Option } from "commander";
import { pino } from "pino";
import { runAgent } from "../../agent/run.js";
import { resolveEndpoints } from "../../etcd/index.js";
import { DEFAULT_PREFIX } from "../../registry/keys.js";
import { runLifecycle } from "../../stack/lifecycle.js";
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
    .action(action("agent", agentCommand));
}

/** Bound on a graceful stop: Docker calls give up after 10 s, the lease revoke after 3 s. */
const STOP_TIMEOUT_MS = 15_000;

async function agentCommand(o: AgentCliOptions): Promise<void> {
  const log = pino({ level: o.logLevel, base: { cmd: "agent" } }, pino.destination(2));
  if (o.hostIp !== undefined && isIP(o.hostIp) === 0) {
    throw new Error(
      `--host-ip ${JSON.stringify(o.hostIp)} is not an IP address; give the address other hosts reach this one on`,
    );
  }
  const { tls, auth } = etcdSecurity(o);
  const endpoints = resolveEndpoints(o.etcd);
  process.exitCode = await runLifecycle({
    what: "the agent",
    stopTimeoutMs: STOP_TIMEOUT_MS,
    log,
    start: (stopping) =>
      runAgent(
        {
          docker: { host: o.dockerHost, tlsVerify: o.dockerTlsVerify, certPath: o.dockerCertPath },
          etcd: { endpoints, ...(tls ? { tls } : {}), ...(auth ? { auth } : {}) },
          ttlSeconds: o.ttl,
          prefix: o.prefix,
          layout: o.layout,
          port: o.port,
          hostIp: o.hostIp,
          hostName: o.hostName,
          resyncIntervalMs: o.resyncInterval * 1000,
          ...(o.metrics !== undefined ? { metrics: o.metrics } : {}),
          logger: log,
        },
        stopping,
      ),
  });
}
