// The agent's metrics, read from its status at scrape time.
import type { Registry } from "prom-client";
import { collectedGauge as gauge, collectedTotal as total } from "../metrics/collected.js";
import type { AgentStatus } from "./agent.js";

export function registerAgentMetrics(registry: Registry, status: () => AgentStatus): void {
  gauge(
    registry,
    "hecd_agent_registered_containers",
    "Containers of this host registered in etcd now.",
    () => status().registered,
  );
  gauge(registry, "hecd_agent_docker_up", "1 while the Docker event stream is connected.", () =>
    status().dockerUp ? 1 : 0,
  );
  gauge(
    registry,
    "hecd_agent_last_resync_seconds",
    "Duration of the last full resync.",
    () => status().lastResyncMs / 1000,
  );
  total(registry, "hecd_agent_events_total", "Docker events the agent acted on.", () => status().events);
  total(registry, "hecd_agent_registrations_total", "Keys written to etcd.", () => status().registrations);
  total(
    registry,
    "hecd_agent_deregistrations_total",
    "Keys deleted from etcd.",
    () => status().deregistrations,
  );
  total(
    registry,
    "hecd_agent_resyncs_total",
    "Full resyncs (start, reconnects, periodic).",
    () => status().resyncs,
  );
  total(
    registry,
    "hecd_agent_failures_total",
    "Event or resync handlers that failed (a resync follows each).",
    () => status().failures,
  );
}
