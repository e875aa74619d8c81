// hecd run / stop / scale / ps: thin wrappers over src/deploy.
import { Command, Option } from "commander";
import { pino } from "pino";
import { openCluster, type Cluster } from "../../deploy/cluster.js";
import { formatTable, listServices } from "../../deploy/ps.js";
import { RunError, runContainers } from "../../deploy/run.js";
import { scaleService } from "../../deploy/scale.js";
import { findByName, stopPlaced } from "../../deploy/stop.js";
import { listManaged } from "../../deploy/inventory.js";
import { stackDrainer } from "../../stack/drain.js";
import { DEFAULT_STATE_DIR, readStackInfo } from "../../stack/state.js";
import {
  action,
  addDockerOptions,
  addEtcdOptions,
  collect,
  etcdSecurity,
  wholeNumber,
  type DockerCliOptions,
  type EtcdCliOptions,
} from "../options.js";

interface CommonOptions extends EtcdCliOptions, DockerCliOptions {
  config?: string;
  host?: string[];
  stateDir: string;
  prefix?: string;
  layout: "servers" | "services";
}

function common(cmd: Command): Command {
  addEtcdOptions(cmd, "ETCDCTL_ENDPOINTS, then --config, then the stack in --state-dir");
  addDockerOptions(cmd, true);
  return cmd
    .option("--host <name>", "only use this Docker host (repeatable; default: all of them)", collect)
    .option(
      "--config <file>",
      "hosts file: YAML with etcd: [URL...] and docker_hosts: [{name, endpoint, address}] (default: HECD_CONFIG)",
    )
    .option("--state-dir <dir>", "find a stack started by `hecd up` here", DEFAULT_STATE_DIR)
    .option("--prefix <path>", "key prefix of the servers layout (default: the stack's, else /app/servers)")
    .addOption(
      new Option("--layout <layout>", "servers: <prefix>/<name>; services: /services/<service>/<name>")
        .choices(["servers", "services"])
        .default("servers"),
    );
}

async function withCluster<T>(o: CommonOptions, fn: (c: Cluster) => Promise<T>): Promise<T> {
  const sec = etcdSecurity(o);
  const cluster = await openCluster({
    etcd: o.etcd,
    etcdTls: sec.tls,
    etcdAuth: sec.auth,
    dockerHosts: o.dockerHost,
    dockerTls: { tlsVerify: o.dockerTlsVerify, certPath: o.dockerCertPath },
    configFile: o.config,
    only: o.host ?? [],
    stack: readStackInfo(o.stateDir),
    stateDir: o.stateDir,
    prefix: o.prefix,
    layout: o.layout,
    logger: pino({ level: "warn" }, pino.destination(2)),
    drainerFor: stackDrainer,
  });
  try {
    return await fn(cluster);
  } finally {
    await cluster.close();
  }
}

const err = (s: string): void => void process.stderr.write(s);

export function registerDeploy(program: Command): void {
  common(
    program
      .command("run")
      .summary("start containers spread over the Docker hosts and register them")
      .description(
        "Start containers with published ports, spread over the Docker hosts (fewest running first), " +
          "and register each in etcd as soon as it runs.\n\n" +
          "Examples:\n" +
          "  hecd run hecd-demo:1 --service web --replicas 3\n" +
          "  hecd run nginx:1.27 --port 80 -e TZ=UTC --etcd http://10.0.0.2:2379",
      )
      .argument("<image>", "image present on the hosts")
      .argument("[cmd...]", "command and arguments for the container (after --)")
      .option("--name <name>", "container name (with --replicas N: NAME-1 ... NAME-N)")
      .option("--replicas <n>", "how many containers", wholeNumber("--replicas", 1), 1)
      .option("--port <port>", "container port to publish and register", "80")
      .option("--service <name>", "service name (label hecd.service; default: the image name)")
      .option("-e, --env <KEY=VALUE>", "environment variable (repeatable)", collect)
      .option("-v, --volume <src:dst>", "bind mount (repeatable)", collect),
  ).action(
    action("run", async (image: string, cmd: string[], o: CommonOptions & RunCli) => {
      await withCluster(o, async (c) => {
        try {
          const launched = await runContainers({
            image,
            cmd,
            name: o.name,
            replicas: o.replicas,
            port: o.port,
            service: o.service,
            env: o.env ?? [],
            volumes: o.volume ?? [],
            hosts: c.hosts,
            registry: c.registry,
            layout: c.layout,
            onProgress: (l, i, n) =>
              void (n > 1 && err(`[${i + 1}/${n}] ${l.name} on ${l.host} at ${l.address}\n`)),
          });
          for (const l of launched) process.stdout.write(`${l.name}\t${l.host}\t${l.address}\n`);
        } catch (e) {
          if (e instanceof RunError && e.launched.length > 0) {
            err(
              `started before the failure (still running and registered): ${e.launched.map((l) => l.name).join(", ")}\n`,
            );
          }
          throw e;
        }
      });
    }),
  );

  common(
    program
      .command("stop")
      .summary("deregister, drain, then stop and remove containers")
      .description(
        "Deregister containers, let the load balancer drain them, then stop and remove them.\n" +
          "While one drains, /hecd/draining/<id> in etcd tells the agents not to register it again.\n\n" +
          "Examples: hecd stop web-1a2b3c   |   hecd stop --service web",
      )
      .argument("[names...]", "container names or id prefixes")
      .option("--service <name>", "stop every container of this service")
      .option(
        "--grace <ms>",
        "wait this long for draining when no HAProxy of a stack is known",
        wholeNumber("--grace", 0),
        2000,
      )
      .option("--keep", "keep the stopped containers (default: remove them)"),
  ).action(
    action("stop", async (names: string[], o: CommonOptions & StopCli) => {
      if (names.length === 0 && !o.service)
        throw new Error("name containers to stop, or pass --service NAME");
      await withCluster(o, async (c) => {
        const targets =
          names.length > 0
            ? await findByName(c.hosts, names)
            : await listManaged(c.hosts, { service: o.service });
        const stopped = await stopPlaced(targets, {
          ...c,
          graceMs: o.grace,
          keep: o.keep,
          onProgress: (s) => void process.stdout.write(`stopped ${s.name} on ${s.host}\n`),
        });
        if (stopped.length === 0)
          err(`hecd stop: no container of service ${o.service} found (see \`hecd ps\`)\n`);
      });
    }),
  );

  common(
    program
      .command("scale")
      .summary("scale a service up or down to N containers")
      .description(
        "Scale a service to N running containers: up copies the newest replica's settings, " +
          "down drains and stops the newest first.\n\nExamples:\n  hecd scale web 6\n  hecd scale web 0",
      )
      .argument("<service>", "service name (label hecd.service)")
      .argument("<replicas>", "target count", wholeNumber("replicas", 0))
      .option("--image <image>", "image to use when the service has no running container yet"),
  ).action(
    action("scale", async (service: string, replicas: number, o: CommonOptions & { image?: string }) => {
      await withCluster(o, async (c) => {
        const r = await scaleService(service, replicas, {
          ...c,
          image: o.image,
          onStarted: (l) => err(`started ${l.name} on ${l.host} at ${l.address}\n`),
          onProgress: (s) => err(`stopped ${s.name} on ${s.host}\n`),
        });
        process.stdout.write(`${service}: ${r.before} -> ${r.after}\n`);
      });
    }),
  );

  common(
    program
      .command("ps")
      .summary("list hecd-managed containers, their address and whether etcd has them")
      .description(
        "List hecd-managed containers on every host, with their address and whether etcd has them.\n\n" +
          "Examples:\n  hecd ps\n  hecd ps --service web --output json",
      )
      .option("--service <name>", "only this service")
      .addOption(
        new Option("--output <format>", "table or json").choices(["table", "json"]).default("table"),
      ),
  ).action(
    action("ps", async (o: CommonOptions & { service?: string; output: "table" | "json" }) => {
      await withCluster(o, async (c) => {
        const rows = await listServices({ ...c, service: o.service });
        process.stdout.write(o.output === "json" ? JSON.stringify(rows, null, 2) + "\n" : formatTable(rows));
      });
    }),
  );
}

interface RunCli {
  name?: string;
  replicas: number;
  port: string;
  service?: string;
  env?: string[];
  volume?: string[];
}

interface StopCli {
  service?: string;
  grace: number;
  keep?: boolean;
}
