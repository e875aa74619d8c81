// Replicas of one service should carry the same labels; when they disagree (a rollout in
// progress, a hand-started container), the newest container's labels decide, so the result
// depends only on the set of containers, never on the order events arrived in.
import { backendName } from "./backend.js";
import { type RoutingWarning, quote } from "./errors.js";
import {
  type ContainerRef,
  type Route,
  type RouteStatus,
  type ServiceOptions,
  type ServiceSpec,
  routeToString,
} from "./types.js";

export interface MergedService {
  readonly service: string;
  readonly backend: string;
  readonly status: RouteStatus;
  readonly routes: readonly Route[];
  readonly tcpPort?: number;
  readonly options: ServiceOptions;
  /** Every replica's name, sorted. */
  readonly containers: readonly string[];
  /** The replica whose labels decided (the newest). */
  readonly source: ContainerRef;
  readonly warnings: readonly RoutingWarning[];
}

/** Newer first: by created time (unknown counts as oldest), then by name (later name first). */
export function newestFirst(a: ContainerRef, b: ContainerRef): number {
  const ca = a.created ?? -Infinity;
  const cb = b.created ?? -Infinity;
  if (ca !== cb) return cb - ca;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

const OPTION_KEYS: readonly (keyof ServiceOptions)[] = [
  "checkPath",
  "checkIntervalMs",
  "balance",
  "sticky",
  "maxconn",
];
const OPTION_LABELS: Record<keyof ServiceOptions, string> = {
  checkPath: "hecd.check.path",
  checkIntervalMs: "hecd.check.interval",
  balance: "hecd.balance",
  sticky: "hecd.sticky",
  maxconn: "hecd.maxconn",
};

type Aspect = { name: string; of: (s: ServiceSpec) => string };

const ASPECTS: readonly Aspect[] = [
  { name: "routing", of: (s) => s.status },
  { name: "routes", of: (s) => (s.routes.length ? s.routes.map(routeToString).join(", ") : "(none)") },
  { name: "hecd.tcp.port", of: (s) => (s.tcpPort === undefined ? "(unset)" : String(s.tcpPort)) },
  ...OPTION_KEYS.map((k) => ({
    name: OPTION_LABELS[k],
    of: (s: ServiceSpec) => (s.options[k] === undefined ? "(unset)" : String(s.options[k])),
  })),
];

/** Groups specs by service; specs without a service (refused service label) are left out. */
export function mergeReplicas(specs: readonly ServiceSpec[]): MergedService[] {
  const byService = new Map<string, ServiceSpec[]>();
  for (const s of specs) {
    if (s.service === null) continue;
    const list = byService.get(s.service) ?? [];
    list.push(s);
    byService.set(s.service, list);
  }
  const out: MergedService[] = [];
  for (const [service, list] of [...byService].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const sorted = [...list].sort((a, b) => newestFirst(a.container, b.container));
    const win = sorted[0]!;
    const warnings: RoutingWarning[] = [];
    const differing = ASPECTS.filter((a) => new Set(sorted.map(a.of)).size > 1);
    if (differing.length > 0) warnings.push(conflictWarning(service, sorted, differing));
    out.push({
      service,
      backend: backendName(service),
      status: win.status,
      routes: win.routes,
      ...(win.tcpPort !== undefined ? { tcpPort: win.tcpPort } : {}),
      options: win.options,
      containers: sorted.map((s) => s.container.name).sort(),
      source: win.container,
      warnings,
    });
  }
  return out;
}

function conflictWarning(
  service: string,
  newestFirstSpecs: ServiceSpec[],
  differing: readonly Aspect[],
): RoutingWarning {
  // One line per distinct set of labels, newest group first.
  const groups = new Map<string, string[]>();
  for (const s of newestFirstSpecs) {
    const sig = differing.map((a) => `${a.name} ${a.of(s)}`).join("; ");
    const names = groups.get(sig) ?? [];
    names.push(s.container.name);
    groups.set(sig, names);
  }
  const winner = newestFirstSpecs[0]!.container.name;
  const lines = [...groups].map(([sig, names]) => `${names.map(quote).join(", ")}: ${sig}`);
  return {
    code: "replica-conflict",
    containers: newestFirstSpecs.map((s) => s.container.name).sort(),
    services: [service],
    message:
      `service ${quote(service)}: replicas disagree on ${differing.map((a) => a.name).join(", ")}; ` +
      `the newest container ${quote(winner)} wins. ${lines.join(" | ")}. ` +
      `Give every replica the same labels (hecd scale copies them).`,
  };
}
