// A minimal HTTP(S) client for etcd's v2 keys API: node's http/https so TLS client
// certificates and a private CA work, and long polls have no client-side timeout.
import http from "node:http";
import https from "node:https";

export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class HttpClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent: https.Agent;

  constructor(
    tls: TlsFiles,
    private readonly authorization?: string,
  ) {
    this.httpsAgent = new https.Agent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key });
  }

  request(
    url: URL,
    opts: { method?: string; signal?: AbortSignal; body?: string; contentType?: string } = {},
  ): Promise<HttpResponse> {
    const isHttps = url.protocol === "https:";
    const headers: http.OutgoingHttpHeaders = {};
    if (this.authorization) headers.authorization = this.authorization;
    if (opts.body !== undefined) {
      headers["content-type"] = opts.contentType ?? "application/x-www-form-urlencoded";
      headers["content-length"] = Buffer.byteLength(opts.body);
    }
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(
        url,
        {
          method: opts.method ?? "GET",
          headers,
          agent: isHttps ? this.httpsAgent : this.httpAgent,
          signal: opts.signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("aborted", () => reject(new Error("connection closed before the response ended")));
          res.on("end", () => {
            if (!res.complete) return reject(new Error("connection closed before the response ended"));
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString("utf8"),
            });
          });
        },
      );
      // Long polls sit idle for a long time; keepalive probes notice a dead peer.
      req.on("socket", (s) => s.setKeepAlive(true, 10_000));
      req.on("error", reject);
      req.end(opts.body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
