// Typed values of the route model. Everything here has passed validation (validate.ts):
// nothing below this module re-parses label text.
import type { RoutingWarning } from "./errors.js";

/** One route: an exact host ("a.example.com"), a wildcard ("*.example.com": any name ending
 * in ".example.com", at any depth) or any host (undefined), and a path prefix ("/" = all). */
export interface Route {
  readonly host?: string;
  readonly pathPrefix: string;
}

export type Balance = "roundrobin" | "leastconn" | "random" | "first";
export const BALANCES: readonly Balance[] = ["roundrobin", "leastconn", "random", "first"];

export interface ServiceOptions {
  /** `hecd.check.path`: HTTP health check path (option httpchk, 2xx/3xx is healthy). */
  readonly checkPath?: string;
  /** `hecd.check.interval`, in whole milliseconds. */
  readonly checkIntervalMs?: number;
  readonly balance?: Balance;
  /** `hecd.sticky=true`: cookie persistence. */
  readonly sticky?: boolean;
  /** `hecd.maxconn`: per server. */
  readonly maxconn?: number;
}

export interface ContainerRef {
  readonly name: string;
  readonly id?: string;
  /** Creation time (any monotonic unit, e.g. Unix seconds); the newest replica's labels win. */
  readonly created?: number;
}

export interface ContainerLabels extends ContainerRef {
  readonly labels: Readonly<Record<string, string>>;
  /** `KEY=VALUE` strings as Docker reports them. */
  readonly env: readonly string[];
}

/**
 * - `routed`: routes below apply;
 * - `unrouted`: no route labels; the service is reachable only as the default service;
 * - `disabled`: `traefik.enable=false`; not routed;
 * - `refused`: a route label was invalid or outside the supported subset; not routed, so
 *   never routed wrongly (see the warnings).
 */
export type RouteStatus = "routed" | "unrouted" | "disabled" | "refused";

export interface ServiceSpec {
  readonly container: ContainerRef;
  /** null when the service label itself was refused: the container belongs to no service. */
  readonly service: string | null;
  readonly status: RouteStatus;
  /** Sorted (routeOrder) and without duplicates; empty unless status is `routed`. */
  readonly routes: readonly Route[];
  /** The container port to register (HTTP). */
  readonly port?: number;
  /** `hecd.tcp.port`: the balancer port of the service's own TCP frontend. */
  readonly tcpPort?: number;
  readonly options: ServiceOptions;
  readonly warnings: readonly RoutingWarning[];
}

/** A stable identity for a route: "<host or *><path>" (a host never contains "/"). */
export function routeKey(r: Route): string {
  return `${r.host ?? "*"}${r.pathPrefix}`;
}

export function routeToString(r: Route): string {
  return `${r.host ?? "any host"}${r.host === undefined ? " " : ""}${r.pathPrefix}`;
}

/** Deterministic order: by host (any host first), then path. */
export function routeOrder(a: Route, b: Route): number {
  const ha = a.host ?? "";
  const hb = b.host ?? "";
  if (ha !== hb) return ha < hb ? -1 : 1;
  return a.pathPrefix < b.pathPrefix ? -1 : a.pathPrefix > b.pathPrefix ? 1 : 0;
}

export function normalizeRoutes(routes: Iterable<Route>): Route[] {
  const byKey = new Map<string, Route>();
  for (const r of routes) byKey.set(routeKey(r), r.host === undefined ? { pathPrefix: r.pathPrefix } : r);
  return [...byKey.values()].sort(routeOrder);
}
