// One way to build an etcd3 client from hecd's settings: endpoints, TLS files, user and
// password, deadlines, and the fault policies (how soon a failed endpoint is tried again,
// how fast a watch stream reconnects). Settings that cannot work are refused here, before
// anything is sent, as EtcdConfigError.
import { readFileSync } from "node:fs";
import { Etcd3, type IOptions } from "etcd3";
import { usesTls } from "./endpoints.js";
import { EtcdConfigError } from "./errors.js";

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

export interface EtcdConnectOptions {
  /** http(s)://host:port (or host:port for http), all of one scheme. */
  endpoints: readonly string[];
  tls?: EtcdTlsOptions;
  auth?: EtcdAuthOptions;
  /** https endpoints without a CA trust the system roots; without this a CA is required. */
  systemRoots?: boolean;
  /** Deadline of every unary call (streams have none). */
  callTimeoutMs?: number;
  dialTimeoutMs?: number;
  /**
   * Skip an endpoint for this long after a connection-level failure, so calls go to the
   * others, and try it again soon after (an etcd restart takes about a second; the
   * client's default waits 5 s).
   */
  hostCooldownMs?: number;
  /** Watch stream reconnect delays, doubling from `first` to `max` (the client's default climbs to 30 s). */
  watchBackoffMs?: { first: number; max: number };
}

export function connect(o: EtcdConnectOptions): Etcd3 {
  const endpoints = [...o.endpoints];
  if (endpoints.length === 0) throw new EtcdConfigError("no-endpoint", [], "no etcd endpoint");
  const secure = usesTls(endpoints);
  const ca = pem("CA", o.tls?.ca, endpoints);
  const cert = pem("client certificate", o.tls?.cert, endpoints);
  const key = pem("client key", o.tls?.key, endpoints);
  if (secure && !ca && !o.systemRoots) {
    throw new EtcdConfigError(
      "https-without-ca",
      endpoints,
      "etcd endpoints use https:// but no CA was given",
    );
  }
  if (ca && !secure) {
    throw new EtcdConfigError(
      "tls-without-https",
      endpoints,
      "an etcd CA was given but the endpoints use http://; write them as https://HOST:PORT",
    );
  }
  if ((cert === undefined) !== (key === undefined)) {
    throw new EtcdConfigError(
      "cert-without-key",
      endpoints,
      "etcd client TLS needs both a certificate and a key",
    );
  }
  if (o.auth && !o.auth.username)
    throw new EtcdConfigError("no-user", endpoints, "etcd auth needs a user name");
  for (const [name, ms] of [
    ["call timeout", o.callTimeoutMs],
    ["dial timeout", o.dialTimeoutMs],
    ["host cooldown", o.hostCooldownMs],
  ] as const) {
    if (ms !== undefined && !(Number.isFinite(ms) && ms > 0)) {
      throw new EtcdConfigError("bad-timeout", endpoints, `etcd ${name} ${ms} ms is not a positive duration`);
    }
  }

  const options: IOptions = { hosts: endpoints };
  // Without a CA the system roots apply (grpc treats a null root certificate so).
  if (secure && (ca || cert)) {
    options.credentials = {
      rootCertificate: ca ?? (null as unknown as Buffer),
      ...(cert && key ? { certChain: cert, privateKey: key } : {}),
    };
  }
  if (o.auth) options.auth = { username: o.auth.username, password: o.auth.password };
  if (o.dialTimeoutMs !== undefined) options.dialTimeout = o.dialTimeoutMs;
  const timeout = o.callTimeoutMs;
  if (timeout !== undefined) {
    options.defaultCallOptions = (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout });
  }
  const cooldown = o.hostCooldownMs;
  const backoff = o.watchBackoffMs;
  if (cooldown !== undefined || backoff !== undefined) {
    options.faultHandling = {
      ...(cooldown !== undefined ? { host: () => shortCircuit(cooldown) } : {}),
      ...(backoff !== undefined ? { watchBackoff: watchBackoff(backoff.first, backoff.max) } : {}),
    };
  }
  return new Etcd3(options);
}

function pem(what: string, v: string | Buffer | undefined, endpoints: readonly string[]): Buffer | undefined {
  if (v === undefined || v === "") return undefined;
  if (Buffer.isBuffer(v)) return v;
  if (v.includes("-----BEGIN")) return Buffer.from(v);
  try {
    return readFileSync(v);
  } catch (e) {
    throw new EtcdConfigError(
      "unreadable-file",
      endpoints,
      `cannot read etcd ${what} file ${v}: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

type FaultHandling = NonNullable<IOptions["faultHandling"]>;
type Policy = ReturnType<NonNullable<FaultHandling["host"]>>;
type WatchBackoff = NonNullable<FaultHandling["watchBackoff"]>;

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

function watchBackoff(delay: number, max: number): WatchBackoff {
  return { duration: delay, next: () => watchBackoff(Math.min(delay * 2, max), max) };
}
