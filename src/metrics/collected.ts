// Metrics whose values are read from elsewhere when Prometheus scrapes.
import { Counter, Gauge, type Registry } from "prom-client";

/** A counter that reports a running total kept elsewhere. */
export function collectedTotal(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** A gauge read at scrape time. */
export function collectedGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
