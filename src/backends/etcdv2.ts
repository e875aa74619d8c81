// The etcd v2 keys API over HTTP (what confd's "etcd" backend speaks; etcd 3.4 serves
// it with --enable-v2). v2 keys live in a store of their own, separate from v3 keys.
import { abortError, backoffDelay, sleep } from "./abort.js";
import {
  EtcdAuthError,
  EtcdUnreachableError,
  causeMessage,
  endpointList,
  unreachableFrom,
  withHint,
  type EtcdHint,
} from "../etcd/index.js";
import { HttpClient, type HttpResponse, type TlsFiles } from "./http.js";
import { coveringDirs } from "./prefixes.js";
import type { Backend, Revision, Snapshot } from "./types.js";

export interface EtcdV2Options {
  endpoints: readonly URL[];
  tls: TlsFiles;
  username?: string;
  password?: string;
  /** Deadline for one read (not for watches); default 10 s. */
  readTimeoutMs?: number;
  /** The caller's flag wording for the errors it shows operators. */
  hint?: EtcdHint;
}

interface V2Node {
  key?: string;
  value?: string;
  dir?: boolean;
  nodes?: V2Node[];
  modifiedIndex?: number;
}

interface V2Error {
  errorCode: number;
  message: string;
  cause?: string;
  index?: number;
}

const ERR_KEY_NOT_FOUND = 100;
const ERR_EVENT_INDEX_CLEARED = 401;

/** Adds every leaf below `node` to `into` (directories are not values). */
export function flattenV2Node(node: V2Node | undefined, into: Map<string, string>): void {
  if (!node) return;
  if (node.dir) {
    for (const child of node.nodes ?? []) flattenV2Node(child, into);
  } else if (node.key !== undefined) {
    into.set(node.key, node.value ?? "");
  }
}

export class EtcdV2Backend implements Backend {
  readonly name = "etcd";
  private readonly http: HttpClient;
  private readonly endpoints: readonly URL[];
  private readonly shown: string[];
  /** The endpoint that answered last; tried first next time. */
  private current = 0;
  private readonly closing = new AbortController();
  private readonly readTimeoutMs: number;
  private readonly hint: EtcdHint | undefined;

  constructor(opts: EtcdV2Options) {
    if (opts.endpoints.length === 0) throw new Error("the etcd backend needs at least one -node");
    this.endpoints = opts.endpoints;
    this.shown = opts.endpoints.map((u) => u.origin);
    this.readTimeoutMs = opts.readTimeoutMs ?? 10_000;
    this.hint = opts.hint;
    const auth =
      opts.username !== undefined
        ? "Basic " + Buffer.from(`${opts.username}:${opts.password ?? ""}`).toString("base64")
        : undefined;
    this.http = new HttpClient(opts.tls, auth);
  }

  async getValues(prefixes: readonly string[]): Promise<Snapshot> {
    const dirs = coveringDirs(prefixes);
    const values = new Map<string, string>();
    // A plain controller held by its timer: a signal from AbortSignal.any(AbortSignal.timeout())
    // can be garbage-collected mid-request, and then the read hangs for ever.
    const read = new AbortController();
    const timer = setTimeout(
      () => read.abort(new DOMException("read timed out", "TimeoutError")),
      this.readTimeoutMs,
    );
    const onClose = () => read.abort(this.closing.signal.reason);
    this.closing.signal.addEventListener("abort", onClose, { once: true });
    try {
      return await this.readDirs(dirs, values, read.signal);
    } finally {
      clearTimeout(timer);
      this.closing.signal.removeEventListener("abort", onClose);
    }
  }

  private async readDirs(
    dirs: string[],
    values: Map<string, string>,
    signal: AbortSignal,
  ): Promise<Snapshot> {
    if (dirs.length === 0) {
      const { res, endpoint } = await this.get("/", "", signal);
      if (res.status !== 200) throw this.httpError(res, endpoint);
      return { values, revision: etcdIndex(res, [endpoint]) };
    }
    const results = await Promise.all(
      dirs.map((d) => this.get(d, "recursive=true&sorted=true&quorum=true", signal)),
    );
    // Watching from the oldest of the reads' indexes never misses a change made between them.
    let revision: Revision | undefined;
    for (const { res, endpoint } of results) {
      if (res.status !== 200 && parseV2Error(res.body)?.errorCode !== ERR_KEY_NOT_FOUND) {
        throw this.httpError(res, endpoint);
      }
      const index = etcdIndex(res, [endpoint]);
      if (revision === undefined || index < revision) revision = index;
      if (res.status === 200) flattenV2Node((JSON.parse(res.body) as { node?: V2Node }).node, values);
    }
    return { values, revision: revision! };
  }

  watch(prefixes: readonly string[], since: Revision, signal: AbortSignal): Promise<Revision> {
    if (signal.aborted) return Promise.reject(abortError(signal));
    const inner = new AbortController();
    const onAbort = () => inner.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const onClose = () => inner.abort(new Error("etcd backend closed"));
    this.closing.signal.addEventListener("abort", onClose, { once: true });
    const dirs = coveringDirs(prefixes.length === 0 ? ["/"] : prefixes);
    return Promise.race(dirs.map((d) => this.watchDir(d, since + 1n, inner.signal)))
      .catch((e: unknown) => {
        if (this.closing.signal.aborted && !signal.aborted)
          throw new Error("etcd backend closed while watching");
        throw signal.aborted ? abortError(signal) : e;
      })
      .finally(() => {
        signal.removeEventListener("abort", onAbort);
        this.closing.signal.removeEventListener("abort", onClose);
        inner.abort();
      });
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.http.close();
  }

  /** Long-polls one directory until an event at or after `waitIndex`; retries through outages. */
  private async watchDir(dir: string, waitIndex: Revision, signal: AbortSignal): Promise<Revision> {
    let failures = 0;
    while (true) {
      const started = Date.now();
      let res: HttpResponse;
      let endpoint: string;
      try {
        if (failures > 0) {
          // Back after an outage: an index behind the snapshot means etcd lost its data
          // (or this is another cluster); nothing would ever match waitIndex, so re-read.
          const { res: head } = await this.get(dir, "", signal, "HEAD");
          const raw = head.headers["x-etcd-index"];
          if (typeof raw === "string" && /^\d+$/.test(raw) && BigInt(raw) < waitIndex - 1n)
            return BigInt(raw);
        }
        ({ res, endpoint } = await this.get(dir, `wait=true&recursive=true&waitIndex=${waitIndex}`, signal));
      } catch (e) {
        if (signal.aborted) throw abortError(signal);
        if (!(e instanceof EtcdUnreachableError)) throw e;
        await sleep(backoffDelay(failures++), signal);
        continue;
      }
      if (Date.now() - started > 5000) failures = 0;
      if (res.status === 200) {
        const body = res.body.trim();
        if (body !== "") {
          const event = JSON.parse(body) as { node?: V2Node };
          const idx = event.node?.modifiedIndex;
          return idx !== undefined ? BigInt(idx) : etcdIndex(res, [endpoint]);
        }
        // etcd ends a long poll with an empty body when it drops the watcher (shutdown, slow reader).
        await sleep(backoffDelay(failures++), signal);
        continue;
      }
      const err = parseV2Error(res.body);
      if (err?.errorCode === ERR_EVENT_INDEX_CLEARED) {
        // The history no longer reaches back to waitIndex: the caller must re-read everything.
        const now = err.index !== undefined ? BigInt(err.index) : waitIndex;
        return now >= waitIndex ? now : waitIndex;
      }
      if (res.status >= 500) {
        await sleep(backoffDelay(failures++), signal);
        continue;
      }
      throw this.httpError(res, endpoint);
    }
  }

  /** GET /v2/keys<dir>?query on the first endpoint that answers. */
  private async get(
    dir: string,
    query: string,
    signal: AbortSignal,
    method: "GET" | "HEAD" = "GET",
  ): Promise<{ res: HttpResponse; endpoint: string }> {
    let lastError: unknown;
    for (let i = 0; i < this.endpoints.length; i++) {
      const idx = (this.current + i) % this.endpoints.length;
      const base = this.endpoints[idx]!;
      const url = new URL(`${base.origin}/v2/keys${encodeKeyPath(dir)}${query ? "?" + query : ""}`);
      try {
        const res = await this.http.request(url, { signal, method });
        this.current = idx;
        return { res, endpoint: base.origin };
      } catch (e) {
        if (signal.aborted && (signal.reason as Error | undefined)?.name === "TimeoutError") {
          lastError = new Error(`no answer within ${this.readTimeoutMs} ms`);
          break;
        }
        if (signal.aborted) throw abortError(signal);
        lastError = e;
      }
    }
    throw withHint(unreachableFrom(this.shown, lastError), this.hint);
  }

  private httpError(res: HttpResponse, endpoint: string): Error {
    const err = parseV2Error(res.body);
    if (!err) {
      if (res.status === 404) {
        return new Error(
          `etcd at ${endpoint} does not serve the v2 keys API (HTTP 404); start etcd with --enable-v2, or use -backend etcdv3`,
        );
      }
      return new Error(`etcd at ${endpoint} answered HTTP ${res.status}: ${res.body.slice(0, 200)}`);
    }
    const what = `${err.message}${err.cause ? ` (${err.cause})` : ""}`;
    if (res.status === 401 || res.status === 403) {
      return withHint(new EtcdAuthError({ endpoints: [endpoint], detail: what }), this.hint);
    }
    return new Error(`etcd at ${endpoint} answered HTTP ${res.status}: ${what}`);
  }
}

function parseV2Error(body: string): V2Error | undefined {
  try {
    const v = JSON.parse(body) as Partial<V2Error>;
    return typeof v.errorCode === "number" ? (v as V2Error) : undefined;
  } catch {
    return undefined;
  }
}

function etcdIndex(res: HttpResponse, where: readonly string[]): Revision {
  const raw = res.headers["x-etcd-index"];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined || !/^\d+$/.test(v)) {
    throw new Error(
      `etcd at ${endpointList(where)} sent no X-Etcd-Index header (HTTP ${res.status}: ${causeMessage(res.body.slice(0, 200))}); is this an etcd v2 endpoint?`,
    );
  }
  return BigInt(v);
}

/** "/app/my key" -> "/app/my%20key"; "" and "/" -> "/". */
export function encodeKeyPath(dir: string): string {
  const parts = dir.split("/").filter((s) => s !== "");
  return "/" + parts.map(encodeURIComponent).join("/");
}
