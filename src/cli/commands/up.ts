// hecd up: the whole stack on one machine (see src/stack/up.ts).
import { Command, Option } from "commander";
import { pino } from "pino";
import { runLifecycle } from "../../stack/lifecycle.js";
import { DEMO_SERVICE, startStack, type Stack } from "../../stack/up.js";
import { DEFAULT_STATE_DIR } from "../../stack/state.js";
import type { EtcdError } from "../../etcd/index.js";
import { etcdFlagHint, upGivenEtcdHint } from "../etcd-hints.js";
import { action, collect, logLevelOption, tcpPort, wholeNumber } from "../options.js";

interface UpCli {
  stateDir: string;
  port: number;
  bind: string;
  etcd?: string[];
  dockerHost?: string;
  hostIp?: string;
  prefix?: string;
  ttl: number;
  demo?: number | true;
  metrics?: string;
  logLevel: string;
}

/** Bound on a graceful stop: HAProxy's workers finish their requests, the agent revokes its lease. */
const STOP_TIMEOUT_MS = 30_000;

export function registerUp(program: Command): void {
  program
    .command("up")
    .summary("run the whole stack on this machine (etcd, HAProxy, agent, sync); --demo adds a web service")
    .description(
      "Run the whole stack on this machine: etcd, HAProxy (master-worker, runtime API), the agent for " +
        "the local Docker engine, and the etcd -> HAProxy sync. Ctrl-C stops all of it.\n\n" +
        "Examples:\n" +
        "  hecd up --demo 3              # plus 3 replicas of a tiny demo web service\n" +
        "  hecd scale web 6              # from another shell, in the same directory\n" +
        "  hecd up --etcd http://10.0.0.2:2379 --port 80",
    )
    .option("--state-dir <dir>", "where the stack keeps its data, sockets and secrets", DEFAULT_STATE_DIR)
    .option("--port <port>", "HAProxy frontend port", tcpPort("--port"), 8080)
    .option("--bind <address>", "HAProxy frontend address (* for all)", "*")
    .option("--etcd <url>", "use this etcd (repeatable) instead of starting one", collect)
    .option(
      "--docker-host <url>",
      "Docker engine: unix:///path/docker.sock or tcp://HOST:PORT with TLS (default: DOCKER_HOST)",
    )
    .option("--host-ip <ip>", "address registered for containers' published ports (default 127.0.0.1)")
    .option("--prefix <path>", "etcd key prefix of the servers", "/app/servers")
    .option("--ttl <seconds>", "lease TTL of registrations", wholeNumber("--ttl", 2), 15)
    .addOption(
      new Option(
        "--demo [replicas]",
        `also run the demo web service (service "${DEMO_SERVICE}", default 3 replicas)`,
      ).argParser(wholeNumber("--demo", 1)),
    )
    .option(
      "--metrics <host:port>",
      "serve Prometheus metrics on http://host:port/metrics (a bare port: 127.0.0.1)",
    )
    .addOption(logLevelOption())
    .action(
      action(
        "up",
        async (o: UpCli) => {
          const log = pino({ level: o.logLevel, base: { cmd: "up" } }, pino.destination(2));
          process.exitCode = await runLifecycle({
            what: "the stack",
            stopTimeoutMs: STOP_TIMEOUT_MS,
            log,
            start: async (stopping) => {
              const stack = await startStack({
                stateDir: o.stateDir,
                port: o.port,
                bind: o.bind,
                etcd: o.etcd ?? [],
                dockerHost: o.dockerHost,
                hostIp: o.hostIp,
                prefix: o.prefix,
                ttlSeconds: o.ttl,
                demo: o.demo === true ? 3 : o.demo,
                ...(o.metrics !== undefined ? { metrics: o.metrics } : {}),
                logger: log,
              });
              if (!stopping.aborted) process.stdout.write(banner(stack, o.stateDir));
              return stack;
            },
          });
        },
        upEtcdHint,
      ),
    );
}

/** An etcd given with --etcd that fails could be left out: `hecd up` then starts its own. */
function upEtcdHint(e: EtcdError, o: UpCli): string {
  return o.etcd?.length ? upGivenEtcdHint(e) : etcdFlagHint(e);
}

function banner(stack: Stack, stateDir: string): string {
  const out: string[] = [
    "hecd stack is up.",
    `  service URL:  ${stack.info.haproxy.url}`,
    `  stats page:   ${stack.info.haproxy.statsUrl}  (user ${stack.statsUser})`,
    stack.passwordCreated
      ? `  stats password (shown once, stored 0600 in ${stack.passwordFile}): ${stack.statsPassword}`
      : `  stats password: stored in ${stack.passwordFile}`,
    `  etcd:         ${stack.info.etcdEndpoints.join(", ")}`,
    ...(stack.metricsUrl ? [`  metrics:      ${stack.metricsUrl}`] : []),
    `  state dir:    ${stateDir}`,
  ];
  if (stack.demo.length > 0) {
    out.push(
      `  demo service "${DEMO_SERVICE}": ${stack.demo.map((d) => `${d.name} (${d.address})`).join(", ")}`,
    );
    out.push(
      "",
      "Try:",
      `  curl ${stack.info.haproxy.url}`,
      `  hecd ps${stateDir !== DEFAULT_STATE_DIR ? ` --state-dir ${stateDir}` : ""}`,
      `  hecd scale ${DEMO_SERVICE} 6${stateDir !== DEFAULT_STATE_DIR ? ` --state-dir ${stateDir}` : ""}`,
      `  hecd stop --service ${DEMO_SERVICE}${stateDir !== DEFAULT_STATE_DIR ? ` --state-dir ${stateDir}` : ""}`,
    );
  }
  out.push("", "Press Ctrl-C to stop everything.");
  return out.join("\n") + "\n";
}
