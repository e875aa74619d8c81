// `hecd agent` as a long-running service: metrics served from the start, and the agent started
// as soon as etcd and Docker answer (at boot they may come up after it).
import type { Logger } from "pino";
import { pause } from "../util/pause.js";
import { newMetricsRegistry, startMetricsServer, type MetricsServer } from "../metrics/server.js";
import { EtcdUnreachableError } from "../etcd/index.js";
import { UnreachableError } from "../registry/errors.js";
import { startAgent, type AgentHandle, type AgentOptions, type AgentStatus } from "./agent.js";
import { registerAgentMetrics } from "./metrics.js";

export interface RunAgentOptions extends AgentOptions {
  logger: Logger;
  /** Serve Prometheus metrics on this host:port. */
  metrics?: string;
  /** First wait before retrying an unreachable etcd or Docker (doubles up to 10 s; default 500 ms). */
  retryMs?: number;
}

export interface RunningAgent {
  /** The agent, unless `stopping` aborted before it could start. */
  readonly agent: AgentHandle | undefined;
  /** Stops the agent (its keys stay until the TTL runs out) and the metrics server. */
  stop(): Promise<void>;
}

const IDLE: AgentStatus = {
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

const MAX_RETRY_MS = 10_000;

/**
 * Starts the agent, retrying while etcd or Docker cannot be reached; configuration errors end at
 * once. Resolves once the agent runs, or once `stopping` aborts while it waits to retry (an
 * attempt under way is finished first, so nothing it started is left behind).
 */
export async function runAgent(opts: RunAgentOptions, stopping: AbortSignal): Promise<RunningAgent> {
  const log = opts.logger;
  let agent: AgentHandle | undefined;
  let metrics: MetricsServer | undefined;
  if (opts.metrics !== undefined) {
    const registry = newMetricsRegistry();
    registerAgentMetrics(registry, () => agent?.status() ?? IDLE);
    metrics = await startMetricsServer("--metrics", opts.metrics, registry);
    log.info({ url: metrics.url }, "serving metrics");
  }
  const stop = async (): Promise<void> => {
    try {
      await agent?.stop();
    } finally {
      await metrics?.close();
    }
  };
  try {
    for (let delay = opts.retryMs ?? 500; !agent; delay = Math.min(MAX_RETRY_MS, delay * 2)) {
      try {
        agent = await startAgent(opts);
      } catch (e) {
        if (!(e instanceof UnreachableError || e instanceof EtcdUnreachableError)) throw e;
        log.warn({ err: e.message, retryInMs: delay }, `${e.service} not reachable; retrying`);
        await pause(delay, stopping);
        if (stopping.aborted) {
          log.info({ signal: String(stopping.reason) }, "stopped before the agent could start");
          return { agent: undefined, stop };
        }
      }
    }
  } catch (e) {
    await metrics?.close();
    throw e;
  }
  log.info({ host: agent.hostName, hostIp: agent.hostIp, etcd: opts.etcd.endpoints }, "agent running");
  return { agent, stop };
}
