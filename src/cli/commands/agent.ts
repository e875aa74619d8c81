import { Command, InvalidArgumentError, Option } from "commander";
import { pino } from "pino";
import { startAgent, type AgentHandle, type AgentOptions } from "../../agent/agent.js";
import { UnreachableError } from "../../registry/errors.js";
import { DEFAULT_PREFIX } from "../../registry/keys.js";
import { resolveEndpoints } from "../../registry/etcd-client.js";

interface AgentCliOptions {
  etcd: string[];
  etcdCacert?: string;
  etcdCert?: string;
  etcdKey?: string;
  etcdUser?: string;
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
  logLevel: string;
}

function positiveInt(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be a whole number >= ${min}`);
    return n;
  };
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerAgent(program: Command): void {
  program
    .command("agent")
    .description(
      "Register this Docker host's containers in etcd from Docker events, with leased keys.\n" +
        "Default layout: <prefix>/<container-name> = <host-ip>:<host-port> for container port 80/tcp.",
    )
    .addOption(
      new Option("--etcd <url>", "etcd endpoint, repeatable")
        .argParser(collect)
        .default([], "ETCDCTL_ENDPOINTS"),
    )
    .option("--etcd-cacert <file>", "CA for https:// etcd endpoints")
    .option("--etcd-cert <file>", "client certificate for etcd")
    .option("--etcd-key <file>", "client key for etcd")
    .option("--etcd-user <user:password>", "etcd user (default: ETCDCTL_USER)")
    .option(
      "--docker-host <url>",
      "unix:///path/docker.sock or tcp://HOST:PORT with TLS (default: DOCKER_HOST)",
    )
    .option("--docker-tls-verify", "verify the Docker daemon certificate (default: DOCKER_TLS_VERIFY)")
    .option("--docker-cert-path <dir>", "dir with ca.pem, cert.pem, key.pem (default: DOCKER_CERT_PATH)")
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
      positiveInt("--ttl", 2),
      15,
    )
    .option(
      "--resync-interval <seconds>",
      "full resync period, 0 to disable",
      positiveInt("--resync-interval", 0),
      60,
    )
    .addOption(
      new Option("--log-level <level>", "log level")
        .choices(["trace", "debug", "info", "warn", "error"])
        .default("info"),
    )
    .action(async (o: AgentCliOptions) => {
      try {
        await runAgent(o);
      } catch (e) {
        process.stderr.write(`hecd agent: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}

async function runAgent(o: AgentCliOptions): Promise<void> {
  const log = pino({ level: o.logLevel, base: { cmd: "agent" } });
  const user = o.etcdUser ?? process.env.ETCDCTL_USER;
  let auth: AgentOptions["etcd"]["auth"];
  if (user) {
    const i = user.indexOf(":");
    if (i <= 0) throw new InvalidArgumentError("--etcd-user must be USER:PASSWORD");
    auth = { username: user.slice(0, i), password: user.slice(i + 1) };
  }
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
      ...(o.etcdCacert || o.etcdCert ? { tls: { ca: o.etcdCacert, cert: o.etcdCert, key: o.etcdKey } } : {}),
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
  let stopSignal: string | undefined;
  void stopRequested.then((sig) => (stopSignal = sig));
  for (let delay = 500; !agent; delay = Math.min(10_000, delay * 2)) {
    try {
      agent = await startAgent(options);
    } catch (e) {
      if (!(e instanceof UnreachableError)) throw e;
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
}
