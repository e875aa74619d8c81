// The /metrics endpoint of the long-running commands (agent, confd, up), in
// Prometheus' text format. Off unless an address is given; a bare port binds
// to loopback, so metrics are never exposed beyond the host by accident.
import { createServer, type Server } from "node:http";
import { isIP } from "node:net";
import { collectDefaultMetrics, Registry } from "prom-client";

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9101/metrics */
  readonly url: string;
  close(): Promise<void>;
}

/** A registry with the process metrics (CPU, memory, event loop lag) already in it. */
export function newMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Parses `host:port`, `[v6]:port`, `:port` or `port` (loopback then); throws naming the fix. */
export function parseListenAddress(flag: string, value: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]*):)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new Error(
      `${flag} ${JSON.stringify(value)} is not an address to listen on: use host:port, e.g. 127.0.0.1:9101`,
    );
  }
  let host = m[1] ?? "";
  if (host.startsWith("[")) host = host.slice(1, -1);
  if (host === "") host = "127.0.0.1";
  if (host !== "localhost" && isIP(host) === 0) {
    throw new Error(
      `${flag} ${JSON.stringify(value)}: ${JSON.stringify(host)} is not an IP address (use e.g. 127.0.0.1 or 0.0.0.0)`,
    );
  }
  return { host, port };
}

/** Serves GET /metrics from `registry` on `address` (see {@link parseListenAddress}). */
export async function startMetricsServer(
  flag: string,
  address: string,
  registry: Registry,
): Promise<MetricsServer> {
  const { host, port } = parseListenAddress(flag, address);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("only GET /metrics is served here\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`${(e as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `${flag} ${address}: cannot listen on ${host}:${port}: ${e.code === "EADDRINUSE" ? "the port is in use (pick another)" : e.message}`,
          { cause: e },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
