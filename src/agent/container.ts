// Decides, from `docker inspect` data alone, whether and where a container is registered.
import type { ContainerInspectInfo } from "dockerode";
import { formatAddress, serverKey, serviceKey, validateSegment } from "../registry/keys.js";

export type Layout = "servers" | "services";

export interface LayoutConfig {
  layout: Layout;
  /** Key prefix for the `servers` layout (default `/app/servers`). */
  prefix: string;
  /** Container port registered unless the container says otherwise, e.g. "80/tcp". */
  port: string;
  /** Address of this Docker host, used when a port is bound on all interfaces. */
  hostIp?: string;
}

export interface Registration {
  kind: "register";
  id: string;
  name: string;
  key: string;
  address: string;
  service?: string;
}

export interface Skip {
  kind: "skip";
  id: string;
  name: string;
  /** Why the container is not registered, written for the log. */
  reason: string;
  /** True when the container runs but is not eligible (as opposed to stopped or paused). */
  eligible: boolean;
}

export type Decision = Registration | Skip;

const TRUE = new Set(["1", "true", "yes", "on"]);
const WILDCARD = new Set(["", "0.0.0.0", "::"]);

/** "80" -> "80/tcp"; "53/udp" stays; anything else throws. */
export function normalizePortSpec(spec: string): string {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(spec.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!m || n < 1 || n > 65535)
    throw new Error(`port ${JSON.stringify(spec)} is not PORT or PORT/tcp|udp with PORT in 1..65535`);
  return `${n}/${m[2] ?? "tcp"}`;
}

export function envMap(env: readonly string[] | null | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of env ?? []) {
    const i = e.indexOf("=");
    if (i > 0) out.set(e.slice(0, i), e.slice(i + 1));
  }
  return out;
}

export function decide(info: ContainerInspectInfo, cfg: LayoutConfig): Decision {
  const id = info.Id;
  const name = info.Name.replace(/^\//, "");
  const skip = (reason: string, eligible = true): Skip => ({ kind: "skip", id, name, reason, eligible });
  const labels = info.Config?.Labels ?? {};
  const env = envMap(info.Config?.Env);

  const ignore = labels["hecd.ignore"] ?? env.get("SERVICE_IGNORE");
  if (ignore !== undefined && TRUE.has(ignore.toLowerCase())) {
    return skip(
      labels["hecd.ignore"] !== undefined ? "label hecd.ignore is set" : "env SERVICE_IGNORE is set",
    );
  }
  if (!info.State?.Running) return skip("not running", false);
  if (info.State.Paused) return skip("paused", false);
  if (info.State.Restarting) return skip("restarting", false);

  const portSource =
    labels["hecd.port"] !== undefined
      ? "label hecd.port"
      : env.has("SERVICE_PORT")
        ? "env SERVICE_PORT"
        : "--port";
  let port: string;
  try {
    port = normalizePortSpec(labels["hecd.port"] ?? env.get("SERVICE_PORT") ?? cfg.port);
  } catch (e) {
    return skip(`${portSource}: ${(e as Error).message}`);
  }

  let service: string | undefined;
  if (cfg.layout === "services") {
    service = labels["hecd.service"] ?? env.get("SERVICE_NAME");
    if (service === undefined || service === "") {
      return skip("no service name: set label hecd.service or env SERVICE_NAME (or use the servers layout)");
    }
    try {
      validateSegment("service name", service);
    } catch (e) {
      return skip((e as Error).message);
    }
  }

  let address: string;
  try {
    address = pickAddress(info, port, cfg.hostIp);
  } catch (e) {
    return skip((e as Error).message);
  }

  let key: string;
  try {
    key = cfg.layout === "services" ? serviceKey(service!, name) : serverKey(cfg.prefix, name);
  } catch (e) {
    return skip((e as Error).message);
  }
  return { kind: "register", id, name, key, address, ...(service !== undefined ? { service } : {}) };
}

function pickAddress(info: ContainerInspectInfo, port: string, hostIp: string | undefined): string {
  if (info.HostConfig?.NetworkMode === "host") {
    if (!hostIp)
      throw new Error(
        `uses the host network; its port ${port} is on the host, but no host IP is known (pass --host-ip)`,
      );
    return formatAddress(hostIp, Number(port.split("/")[0]));
  }
  const bindings = info.NetworkSettings?.Ports?.[port];
  if (!bindings || bindings.length === 0) {
    return fail(
      `container port ${port} is not published (start it with -P or -p HOSTPORT:${port.split("/")[0]})`,
    );
  }
  const v4 = bindings.find((b) => !b.HostIp.includes(":")) ?? bindings[0]!;
  const hostPort = Number(v4.HostPort);
  if (!Number.isInteger(hostPort) || hostPort < 1 || hostPort > 65535) {
    return fail(`container port ${port} has no usable host port (${JSON.stringify(v4.HostPort)})`);
  }
  if (WILDCARD.has(v4.HostIp)) {
    if (!hostIp)
      return fail(
        `container port ${port} is bound on all interfaces and no host IP is known (pass --host-ip)`,
      );
    return formatAddress(hostIp, hostPort);
  }
  return formatAddress(v4.HostIp, hostPort);
}

function fail(reason: string): never {
  throw new Error(reason);
}
