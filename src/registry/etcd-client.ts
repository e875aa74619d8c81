// Builds an etcd3 client from hecd's options: endpoints, TLS files, auth, and a fault policy
// that lets a restarted etcd be used again within a second (the library default waits 5 s).
import { readFileSync } from "node:fs";
import { Etcd3, type IOptions } from "etcd3";

export interface EtcdTlsOptions {
  /** CA bundle that signed the etcd server certificates (PEM file path or contents). */
  ca?: string | Buffer;
  /** Client certificate (PEM file path or contents) for etcd client-cert auth. */
  cert?: string | Buffer;
  /** Client key (PEM file path or contents). */
  key?: string | Buffer;
}

export interface EtcdAuthOptions {
  username: string;
  password: string;
}

export interface EtcdClientOptions {
  endpoints: string[];
  tls?: EtcdTlsOptions;
  auth?: EtcdAuthOptions;
  dialTimeoutMs?: number;
}

/** Endpoints from a list, or ETCDCTL_ENDPOINTS (comma-separated); throws when none. */
export function resolveEndpoints(given: readonly string[] | undefined, env = process.env): string[] {
  const raw = given && given.length > 0 ? given : (env.ETCDCTL_ENDPOINTS ?? "").split(",");
  const list = raw
    .flatMap((e) => e.split(","))
    .map((e) => e.trim())
    .filter((e) => e !== "");
  if (list.length === 0) {
    throw new Error("no etcd endpoint: pass --etcd http://HOST:2379 (repeatable) or set ETCDCTL_ENDPOINTS");
  }
  for (const e of list) {
    if (!/^(https?:\/\/)?[^\s/]+:\d+\/?$/.test(e)) {
      throw new Error(`etcd endpoint ${JSON.stringify(e)} is not of the form http(s)://host:port`);
    }
  }
  return list;
}

function pem(what: string, v: string | Buffer | undefined): Buffer | undefined {
  if (v === undefined) return undefined;
  if (Buffer.isBuffer(v)) return v;
  if (v.includes("-----BEGIN")) return Buffer.from(v);
  try {
    return readFileSync(v);
  } catch (e) {
    throw new Error(`cannot read etcd ${what} file ${v}: ${(e as Error).message}`, { cause: e });
  }
}

type Policy = ReturnType<NonNullable<NonNullable<IOptions["faultHandling"]>["host"]>>;

/**
 * A per-host policy that skips a host for `coolMs` after a connection-level failure, so calls go to
 * the other endpoints, and tries it again soon after (etcd restarts take about a second).
 */
function shortCircuit(coolMs: number): Policy {
  let downUntil = 0;
  const policy = {
    async execute<T>(fn: (ctx: { signal: AbortSignal }) => Promise<T> | T): Promise<T> {
      if (Date.now() < downUntil) {
        throw Object.assign(new Error("etcd endpoint recently failed; trying the next one"), {
          isBrokenCircuitError: true,
        });
      }
      try {
        return await fn({ signal: new AbortController().signal });
      } catch (e) {
        const code = (e as { code?: number }).code;
        const msg = String((e as Error).message ?? "");
        // 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED: the host itself is the problem.
        if (code === 14 || code === 4 || /unavailable|ECONNREFUSED|deadline/i.test(msg))
          downUntil = Date.now() + coolMs;
        throw e;
      }
    },
  };
  return policy as unknown as Policy;
}

export function createEtcdClient(opts: EtcdClientOptions): Etcd3 {
  const endpoints = resolveEndpoints(opts.endpoints);
  const secure = endpoints.filter((e) => e.startsWith("https://"));
  if (secure.length > 0 && secure.length !== endpoints.length) {
    throw new Error("etcd endpoints mix http:// and https://; use one scheme for all");
  }
  const ca = pem("CA", opts.tls?.ca);
  if (secure.length > 0 && !ca) {
    throw new Error("etcd endpoints use https:// but no CA was given: pass --etcd-cacert FILE");
  }
  if (ca && secure.length === 0) {
    throw new Error("an etcd CA was given but the endpoints use http://; write them as https://HOST:PORT");
  }
  const cert = pem("client certificate", opts.tls?.cert);
  const key = pem("client key", opts.tls?.key);
  if ((cert === undefined) !== (key === undefined)) {
    throw new Error("etcd client TLS needs both --etcd-cert and --etcd-key");
  }
  const options: IOptions = {
    hosts: endpoints,
    dialTimeout: opts.dialTimeoutMs ?? 3000,
    faultHandling: { host: () => shortCircuit(500) },
  };
  if (ca)
    options.credentials = {
      rootCertificate: ca,
      ...(cert && key ? { certChain: cert, privateKey: key } : {}),
    };
  if (opts.auth) {
    if (!opts.auth.username) throw new Error("etcd auth needs a user name (--etcd-user NAME:PASSWORD)");
    options.auth = { username: opts.auth.username, password: opts.auth.password };
  }
  return new Etcd3(options);
}
