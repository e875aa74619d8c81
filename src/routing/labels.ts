// One container's labels and environment -> its service, routes, ports and options.
// Three spellings of routes are read, in this precedence (the first one present decides;
// the others only draw a warning when they disagree):
//   1. hecd's own:   hecd.http.host=a.example.com,www.a.example.com  hecd.http.path=/api
//   2. nginx-proxy:  env VIRTUAL_HOST (comma-separated), VIRTUAL_PATH
//   3. Traefik:      traefik.http.routers.<r>.rule (the subset in traefik-rule.ts)
// `traefik.enable=false` keeps the container out of routing altogether. A route value that
// fails validation refuses the container's routes as a whole: routing only some of what was
// asked for would send the rest of its traffic to the wrong service.
import { type RoutingCode, type RoutingWarning, describeSource, quote } from "./errors.js";
import { SUPPORTED_RULES, parseTraefikRule } from "./traefik-rule.js";
import {
  type ContainerLabels,
  type Route,
  type RouteStatus,
  type ServiceOptions,
  type ServiceSpec,
  normalizeRoutes,
  routeKey,
} from "./types.js";
import {
  type Checked,
  checkBalance,
  checkBool,
  checkHost,
  checkInterval,
  checkMaxconn,
  checkPath,
  checkPort,
  checkService,
} from "./validate.js";

export const DEFAULT_SERVICE = "app";

export const LABELS = {
  service: "hecd.service",
  host: "hecd.http.host",
  path: "hecd.http.path",
  port: "hecd.port",
  tcpPort: "hecd.tcp.port",
  checkPath: "hecd.check.path",
  checkInterval: "hecd.check.interval",
  balance: "hecd.balance",
  sticky: "hecd.sticky",
  maxconn: "hecd.maxconn",
  traefikEnable: "traefik.enable",
} as const;

export const ENV = {
  service: "SERVICE_NAME",
  port: "SERVICE_PORT",
  virtualHost: "VIRTUAL_HOST",
  virtualPath: "VIRTUAL_PATH",
  virtualPort: "VIRTUAL_PORT",
} as const;

const TRAEFIK_RULE = /^traefik\.http\.routers\.([^.]+)\.rule$/;
const TRAEFIK_PORT = /^traefik\.http\.services\.([^.]+)\.loadbalancer\.server\.port$/;

interface Source {
  readonly key: string;
  readonly fromEnv: boolean;
  readonly value: string;
}

type Spelling =
  | { name: string; sources: Source[]; ok: true; routes: Route[] }
  | { name: string; sources: Source[]; ok: false; code: RoutingCode; source: Source; reason: string };

export interface RoutesFromLabelsOptions {
  /** The service of a container without `hecd.service` / SERVICE_NAME (default "app"). */
  defaultService?: string;
}

export function routesFromLabels(c: ContainerLabels, opts: RoutesFromLabelsOptions = {}): ServiceSpec {
  const name = c.name.replace(/^\//, "");
  const container = {
    name,
    ...(c.id !== undefined ? { id: c.id } : {}),
    ...(c.created !== undefined ? { created: c.created } : {}),
  };
  const env = envMap(c.env);
  const warnings: RoutingWarning[] = [];
  const warn = (code: RoutingCode, src: Source | { key: string; fromEnv: boolean }, text: string): void => {
    warnings.push({
      code,
      container: name,
      label: src.key,
      message: `container ${quote(name)}: ${describeSource(src.key, src.fromEnv)} ${text}`,
    });
  };
  const label = (key: string): Source | undefined =>
    c.labels[key] !== undefined ? { key, fromEnv: false, value: c.labels[key] } : undefined;
  const envVar = (key: string): Source | undefined =>
    env.has(key) ? { key, fromEnv: true, value: env.get(key)! } : undefined;
  const check = <T>(src: Source, f: (raw: string) => Checked<T>, code: RoutingCode): T | undefined => {
    const r = f(src.value);
    if (r.ok) return r.value;
    warn(code, src, `value ${quote(src.value)} ${r.reason}.`);
    return undefined;
  };

  // Service.
  let service: string | null = opts.defaultService ?? DEFAULT_SERVICE;
  const serviceSrc = label(LABELS.service) ?? envVar(ENV.service);
  if (serviceSrc) service = check(serviceSrc, checkService, "bad-service") ?? null;

  // Ports.
  const port = pickPort(c.labels, label(LABELS.port) ?? envVar(ENV.port) ?? envVar(ENV.virtualPort), warn);
  const tcpSrc = label(LABELS.tcpPort);
  const tcpPort = tcpSrc ? check(tcpSrc, checkPort, "bad-port") : undefined;

  // Options.
  const options: { -readonly [K in keyof ServiceOptions]: ServiceOptions[K] } = {};
  const opt = <T>(key: string, f: (raw: string) => Checked<T>): T | undefined => {
    const src = label(key);
    return src ? check(src, f, "bad-option") : undefined;
  };
  const checkPathOpt = opt(LABELS.checkPath, checkPath);
  if (checkPathOpt !== undefined) options.checkPath = checkPathOpt;
  const interval = opt(LABELS.checkInterval, checkInterval);
  if (interval !== undefined) options.checkIntervalMs = interval;
  const balance = opt(LABELS.balance, checkBalance);
  if (balance !== undefined) options.balance = balance;
  const sticky = opt(LABELS.sticky, checkBool);
  if (sticky !== undefined) options.sticky = sticky;
  const maxconn = opt(LABELS.maxconn, checkMaxconn);
  if (maxconn !== undefined) options.maxconn = maxconn;

  // Routes.
  const spellings = [hecdSpelling(label), nginxSpelling(envVar), traefikSpelling(c.labels)].filter(
    (s): s is Spelling => s !== undefined,
  );
  let status: RouteStatus = "unrouted";
  let routes: Route[] = [];
  const enableSrc = label(LABELS.traefikEnable);
  const enabled = enableSrc ? check(enableSrc, checkBool, "bad-option") : true;
  if (enabled === undefined) {
    status = "refused";
  } else if (!enabled) {
    status = "disabled";
    const others = spellings.filter((s) => s.name !== "Traefik");
    if (others.length > 0) {
      warn(
        "disabled",
        enableSrc!,
        `is false, so the container is not routed and ${others
          .flatMap((s) => s.sources.map((x) => describeSource(x.key, x.fromEnv)))
          .join(
            ", ",
          )} ${others.length === 1 && others[0]!.sources.length === 1 ? "is" : "are"} ignored; remove traefik.enable=false to route it.`,
      );
    }
  } else if (spellings.length > 0) {
    const [win, ...rest] = spellings as [Spelling, ...Spelling[]];
    if (win.ok) {
      status = "routed";
      routes = normalizeRoutes(win.routes);
    } else {
      status = "refused";
      warn(win.code, win.source, `${win.reason}. The container is not routed until this is fixed.`);
    }
    const winKeys = win.ok ? routes.map(routeKey).join(" ") : undefined;
    for (const s of rest) {
      const same =
        s.ok && winKeys !== undefined && normalizeRoutes(s.routes).map(routeKey).join(" ") === winKeys;
      if (same) continue;
      const names = s.sources.map((x) => describeSource(x.key, x.fromEnv)).join(", ");
      warnings.push({
        code: "spelling-shadowed",
        container: name,
        label: s.sources[0]!.key,
        message: `container ${quote(name)}: ${names} ${s.sources.length === 1 ? "is" : "are"} ignored: the ${win.name} route labels (${win.sources
          .map((x) => describeSource(x.key, x.fromEnv))
          .join(", ")}) take precedence (hecd, then nginx-proxy, then Traefik); give routes in one spelling.`,
      });
    }
  }

  return {
    container,
    service,
    status,
    routes,
    ...(port !== undefined ? { port } : {}),
    ...(tcpPort !== undefined ? { tcpPort } : {}),
    options,
    warnings,
  };
}

function envMap(env: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of env) {
    const i = e.indexOf("=");
    if (i > 0) out.set(e.slice(0, i), e.slice(i + 1));
  }
  return out;
}

/** Comma-separated list; blanks around entries are dropped (nginx-proxy's "a.com, b.com"). */
function splitList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ""))
    .filter((s) => s !== "");
}

function checkAll(
  name: string,
  sources: Source[],
  hostSrc: Source | undefined,
  pathSrc: Source | undefined,
  splitPaths: boolean,
): Spelling {
  const refuse = (code: RoutingCode, source: Source, reason: string): Spelling => ({
    name,
    sources,
    ok: false,
    code,
    source,
    reason,
  });
  let hosts: (string | undefined)[] = [undefined];
  if (hostSrc) {
    const list = splitList(hostSrc.value);
    if (list.length === 0) return refuse("bad-host", hostSrc, `is empty; give host names separated by ","`);
    hosts = [];
    for (const h of list) {
      const r = checkHost(h);
      if (!r.ok)
        return refuse("bad-host", hostSrc, `value ${quote(hostSrc.value)}: host ${quote(h)} ${r.reason}`);
      hosts.push(r.value);
    }
  }
  let paths = ["/"];
  if (pathSrc) {
    const list = splitPaths ? splitList(pathSrc.value) : [pathSrc.value];
    if (list.length === 0) return refuse("bad-path", pathSrc, `is empty; give a path prefix such as "/api"`);
    paths = [];
    for (const p of list) {
      const r = checkPath(p);
      if (!r.ok)
        return refuse("bad-path", pathSrc, `value ${quote(pathSrc.value)}: path ${quote(p)} ${r.reason}`);
      paths.push(r.value);
    }
  }
  const routes = hosts.flatMap((host) =>
    paths.map((pathPrefix) => ({ ...(host ? { host } : {}), pathPrefix })),
  );
  return { name, sources, ok: true, routes };
}

function hecdSpelling(label: (key: string) => Source | undefined): Spelling | undefined {
  const host = label(LABELS.host);
  const path = label(LABELS.path);
  if (!host && !path) return undefined;
  return checkAll(
    "hecd",
    [host, path].filter((s): s is Source => !!s),
    host,
    path,
    true,
  );
}

function nginxSpelling(envVar: (key: string) => Source | undefined): Spelling | undefined {
  const host = envVar(ENV.virtualHost);
  const path = envVar(ENV.virtualPath);
  if (!host && !path) return undefined;
  return checkAll(
    "nginx-proxy",
    [host, path].filter((s): s is Source => !!s),
    host,
    path,
    false,
  );
}

function traefikSpelling(labels: Readonly<Record<string, string>>): Spelling | undefined {
  const keys = Object.keys(labels)
    .filter((k) => TRAEFIK_RULE.test(k))
    .sort();
  if (keys.length === 0) return undefined;
  const sources = keys.map((key) => ({ key, fromEnv: false, value: labels[key]! }));
  const routes: Route[] = [];
  for (const src of sources) {
    const r = parseTraefikRule(src.value);
    if (!r.ok) {
      const supported =
        r.error.code === "unsupported-rule" || r.error.code === "rule-syntax"
          ? `; hecd supports ${SUPPORTED_RULES}`
          : "";
      return {
        name: "Traefik",
        sources,
        ok: false,
        code: r.error.code,
        source: src,
        reason: `value ${quote(src.value)} is refused: ${r.error.reason}${supported}`,
      };
    }
    routes.push(...r.routes);
  }
  return { name: "Traefik", sources, ok: true, routes };
}

function pickPort(
  labels: Readonly<Record<string, string>>,
  own: Source | undefined,
  warn: (code: RoutingCode, src: Source, text: string) => void,
): number | undefined {
  if (own) {
    const r = checkPort(own.value);
    if (r.ok) return r.value;
    warn("bad-port", own, `value ${quote(own.value)} ${r.reason}.`);
    return undefined;
  }
  const sources = Object.keys(labels)
    .filter((k) => TRAEFIK_PORT.test(k))
    .sort()
    .map((key) => ({ key, fromEnv: false, value: labels[key]! }));
  const ports = new Set<number>();
  for (const src of sources) {
    const r = checkPort(src.value);
    if (!r.ok) {
      warn("bad-port", src, `value ${quote(src.value)} ${r.reason}.`);
      return undefined;
    }
    ports.add(r.value);
  }
  if (ports.size > 1) {
    warn(
      "port-ambiguous",
      sources[0]!,
      `and ${sources
        .slice(1)
        .map((s) => s.key)
        .join(
          ", ",
        )} give different ports (${[...ports].join(", ")}); hecd registers one port per container: set hecd.port.`,
    );
    return undefined;
  }
  return ports.size === 1 ? [...ports][0] : undefined;
}
