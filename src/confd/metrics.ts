// hecd confd's metrics, fed by the processor after every cycle.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { CycleReport } from "./cycle.js";

export interface ConfdMetrics {
  cycle(report: CycleReport, ms: number): void;
  /** A cycle that could not read the backend. */
  error(): void;
}

/** The resource's file below conf.d/ (conf.d/app.toml -> app.toml). */
function resourceLabel(file: string): string {
  const i = file.lastIndexOf("/conf.d/");
  return i >= 0 ? file.slice(i + "/conf.d/".length) : file;
}

export function createConfdMetrics(registry: Registry): ConfdMetrics {
  const registers = [registry];
  const cycles = new Counter({ name: "hecd_confd_cycles_total", help: "Processing cycles run.", registers });
  const errors = new Counter({
    name: "hecd_confd_backend_errors_total",
    help: "Cycles that could not read the backend (they are retried).",
    registers,
  });
  const outcomes = new Counter({
    name: "hecd_confd_resource_outcomes_total",
    help: "Per cycle and template resource: in-sync, updated, would-update (-noop), failed or held.",
    labelNames: ["resource", "status"],
    registers,
  });
  const renders = new Counter({ name: "hecd_confd_renders_total", help: "Templates rendered.", registers });
  const reloads = new Counter({ name: "hecd_confd_reloads_total", help: "reload_cmd runs.", registers });
  const duration = new Histogram({
    name: "hecd_confd_cycle_duration_seconds",
    help: "Time from reading the backend to the last dest written and reloaded.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const lastOk = new Gauge({
    name: "hecd_confd_last_success_timestamp_seconds",
    help: "When the last cycle in which no resource failed ended (Unix time).",
    registers,
  });
  return {
    cycle(report, ms) {
      cycles.inc();
      renders.inc(report.renders);
      reloads.inc(report.reloads);
      for (const o of report.outcomes)
        outcomes.inc({ resource: resourceLabel(o.resource.file), status: o.status });
      duration.observe(ms / 1000);
      if (!report.failed) lastOk.set(Date.now() / 1000);
    },
    error() {
      errors.inc();
    },
  };
}
