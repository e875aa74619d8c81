// The load balancer's metrics: the etcd -> HAProxy sync and HAProxy's supervision.
import { Counter, Histogram, type Registry } from "prom-client";
import { collectedGauge, collectedTotal } from "../metrics/collected.js";
import type { SyncReport } from "../haproxy/controller.js";

export interface LbMetrics {
  /** One desired set applied: what HAProxy did, how many etcd values were refused, how long it took. */
  applied(report: SyncReport, rejected: number, ms: number): void;
}

export function createLbMetrics(
  registry: Registry,
  read: { desiredServers: () => number; haproxyRestarts: () => number },
): LbMetrics {
  const registers = [registry];
  collectedGauge(
    registry,
    "hecd_lb_desired_servers",
    "Servers registered in etcd that HAProxy should balance across.",
    read.desiredServers,
  );
  collectedTotal(
    registry,
    "hecd_haproxy_restarts_total",
    "Times HAProxy exited on its own and was started again.",
    read.haproxyRestarts,
  );
  const applies = new Counter({
    name: "hecd_lb_applies_total",
    help: "Server sets applied to HAProxy.",
    registers,
  });
  const changes = new Counter({
    name: "hecd_lb_server_changes_total",
    help: "Server changes made through the runtime API, by kind.",
    labelNames: ["kind"],
    registers,
  });
  const failures = new Counter({
    name: "hecd_lb_failures_total",
    help: "Runtime API actions that failed, and etcd values refused as not host:port.",
    labelNames: ["kind"],
    registers,
  });
  const reloads = new Counter({
    name: "hecd_lb_reloads_total",
    help: "Seamless HAProxy reloads (needed when more than the server list changed).",
    registers,
  });
  const duration = new Histogram({
    name: "hecd_lb_apply_duration_seconds",
    help: "From a change seen in etcd to HAProxy applying it (drains run in the background).",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers,
  });
  return {
    applied(report, rejected, ms) {
      const a = report.apply;
      applies.inc();
      duration.observe(ms / 1000);
      changes.inc({ kind: "added" }, a.added.length);
      changes.inc({ kind: "readdressed" }, a.readdressed.length);
      changes.inc({ kind: "removed" }, a.removed.length + a.draining.length);
      changes.inc({ kind: "repaired" }, a.repaired.length);
      failures.inc({ kind: "action" }, a.failed.length);
      failures.inc({ kind: "rejected" }, rejected);
      if (report.reload !== undefined) reloads.inc();
    },
  };
}
