// Docker Engine API clients (dockerode) for a local socket or TCP with TLS. Plain TCP is refused:
// whoever reaches an unauthenticated Docker API is root on that host.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";

export interface DockerConnectOptions {
  /** `unix:///path/docker.sock`, a bare socket path, or `tcp://host:port`; default DOCKER_HOST, then the local socket. */
  host?: string;
  /** Verify the daemon's certificate against ca.pem (default DOCKER_TLS_VERIFY). */
  tlsVerify?: boolean;
  /** Directory with ca.pem, cert.pem, key.pem (default DOCKER_CERT_PATH). */
  certPath?: string;
  /** Per-request timeout in ms (none by default: the event stream is long-lived). */
  timeoutMs?: number;
}

export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

export interface DockerEndpoint {
  /** Normalized endpoint text, e.g. `unix:///var/run/docker.sock` or `tcp://10.0.0.5:2376`. */
  url: string;
  socketPath?: string;
  host?: string;
  port?: number;
  tls?: { verify: boolean; certPath: string };
}

function envFlag(v: string | undefined): boolean {
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/** Works out where and how to connect, from options first and the DOCKER_* environment second. */
export function resolveDockerEndpoint(opts: DockerConnectOptions = {}, env = process.env): DockerEndpoint {
  const host = (opts.host ?? env.DOCKER_HOST ?? "").trim() || `unix://${DEFAULT_DOCKER_SOCKET}`;
  const tlsVerify = opts.tlsVerify ?? envFlag(env.DOCKER_TLS_VERIFY);
  const certPath = opts.certPath ?? (env.DOCKER_CERT_PATH || undefined);
  if (host.startsWith("unix://") || host.startsWith("/")) {
    const socketPath = host.startsWith("unix://") ? host.slice("unix://".length) : host;
    if (socketPath === "") throw new Error(`docker host ${JSON.stringify(host)} has no socket path`);
    return { url: `unix://${socketPath}`, socketPath };
  }
  const m = /^(tcp|https):\/\/([^/:\s]+|\[[0-9a-fA-F:.]+\]):(\d+)\/?$/.exec(host);
  if (!m) {
    throw new Error(
      `docker host ${JSON.stringify(host)} is not supported: use unix:///path/to/docker.sock or tcp://HOST:PORT with TLS`,
    );
  }
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Error(`docker host ${host}: port out of range`);
  if (!certPath) {
    throw new Error(
      `docker host ${host} is TCP without TLS client certificates; refusing (an open Docker API gives root to anyone who reaches it). ` +
        "Pass --docker-tls-verify --docker-cert-path DIR (ca.pem, cert.pem, key.pem) or set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH.",
    );
  }
  const hostname = m[2]!.replace(/^\[|\]$/g, "");
  return { url: `tcp://${m[2]}:${port}`, host: hostname, port, tls: { verify: tlsVerify, certPath } };
}

function readCert(dir: string, file: string): Buffer {
  const p = join(dir, file);
  try {
    return readFileSync(p);
  } catch (e) {
    throw new Error(`cannot read Docker TLS file ${p}: ${(e as Error).message}`, { cause: e });
  }
}

/** A dockerode client for the resolved endpoint. */
export function dockerClient(opts: DockerConnectOptions = {}): Docker {
  const ep = resolveDockerEndpoint(opts);
  const timeout = opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {};
  if (ep.socketPath) return new Docker({ socketPath: ep.socketPath, ...timeout });
  const tls = ep.tls!;
  return new Docker({
    protocol: "https",
    host: ep.host,
    port: ep.port,
    ca: readCert(tls.certPath, "ca.pem"),
    cert: readCert(tls.certPath, "cert.pem"),
    key: readCert(tls.certPath, "key.pem"),
    ...(tls.verify ? {} : { checkServerIdentity: () => undefined }),
    ...timeout,
  } as Docker.DockerOptions);
}
