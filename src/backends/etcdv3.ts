// The etcd v3 API through the npm etcd3 client: consistent reads in one revision and
// watches that resume from the snapshot revision through disconnects and compactions.
import {
  EtcdCompactedError,
  classify,
  connect,
  prefixRange,
  withHint,
  type EtcdClient,
  type EtcdError,
  type EtcdHint,
  type IRequestOp,
  type IResponseOp,
  type Watcher,
} from "../etcd/index.js";
import { abortError } from "./abort.js";
import type { TlsFiles } from "./http.js";
import { coveringPrefixes, isUnder } from "./prefixes.js";
import type { Backend, Revision, Snapshot } from "./types.js";
import { goString } from "../go/gostring.js";

export interface EtcdV3Options {
  endpoints: readonly URL[];
  tls: TlsFiles;
  username?: string;
  password?: string;
  /** Deadline for one read; default 10 s. */
  callTimeoutMs?: number;
  /** The caller's flag wording for the errors it shows operators. */
  hint?: EtcdHint;
}

/** etcd's default --max-txn-ops. */
const MAX_TXN_OPS = 128;

export class EtcdV3Backend implements Backend {
  readonly name = "etcdv3";
  private readonly client: EtcdClient;
  private readonly shown: string[];
  private readonly hint: EtcdHint | undefined;
  private readonly active = new Set<() => Promise<void>>();
  private closed = false;
  private readonly timeoutMs: number;
  /**
   * Watchers of finished watch() calls, cancelled once the next call's watcher is created
   * (or after RETIRE_MS). The etcd3 client tears its watch stream down when its last watcher
   * goes and reconnects after a backoff; keeping one attached keeps the stream open between
   * successive watch() calls.
   */
  private readonly retired = new Set<Watcher>();
  private retireTimer: NodeJS.Timeout | undefined;

  constructor(opts: EtcdV3Options) {
    if (opts.endpoints.length === 0) throw new Error("the etcdv3 backend needs at least one -node");
    this.shown = opts.endpoints.map((u) => u.origin);
    this.hint = opts.hint;
    this.timeoutMs = opts.callTimeoutMs ?? 10_000;
    try {
      this.client = connect({
        endpoints: this.shown,
        tls: opts.tls,
        systemRoots: true,
        ...(opts.username !== undefined
          ? { auth: { username: opts.username, password: opts.password ?? "" } }
          : {}),
        callTimeoutMs: this.timeoutMs,
        // The watch stream comes back within 2 s of etcd doing so.
        watchBackoffMs: { first: 100, max: 2000 },
      });
    } catch (e) {
      throw this.describe(e);
    }
  }

  async getValues(prefixes: readonly string[]): Promise<Snapshot> {
    const covering = coveringPrefixes(prefixes);
    const ranges = covering.map(rangeOf);
    const values = new Map<string, string>();
    const collect = (responses: IResponseOp[], offset: number) => {
      responses.forEach((r, i) => {
        for (const kv of r.response_range?.kvs ?? []) {
          const key = kv.key.toString("utf8");
          if (isUnder(key, covering[offset + i]!)) values.set(key, goString(kv.value));
        }
      });
    };
    // One deadline for the whole read, retries included: the client retries a timed-out call.
    const call = { deadline: Date.now() + this.timeoutMs };
    try {
      const first = await this.client.kv.txn({ success: ranges.slice(0, MAX_TXN_OPS) }, call);
      const revision = first.header.revision;
      collect(first.responses, 0);
      // More prefixes than one txn takes: read the rest at the same revision.
      for (let i = MAX_TXN_OPS; i < ranges.length; i += MAX_TXN_OPS) {
        const chunk = ranges
          .slice(i, i + MAX_TXN_OPS)
          .map((op) => ({ request_range: { ...op.request_range, revision } }));
        collect((await this.client.kv.txn({ success: chunk }, call)).responses, i);
      }
      return { values, revision: BigInt(revision) };
    } catch (e) {
      throw this.describe(e);
    }
  }

  watch(prefixes: readonly string[], since: Revision, signal: AbortSignal): Promise<Revision> {
    return new Promise<Revision>((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal));
      if (this.closed) return reject(new Error("etcdv3 backend is closed"));
      const start = (since + 1n).toString();
      const watchers: Watcher[] = [];
      let done = false;
      const finish = (outcome: () => void, cancelNow = false): Promise<void> => {
        if (done) return Promise.resolve();
        done = true;
        signal.removeEventListener("abort", onAbort);
        this.active.delete(stop);
        outcome();
        if (!cancelNow && !this.closed) {
          this.retire(watchers);
          return Promise.resolve();
        }
        return cancelAll(watchers);
      };
      const onAbort = () => void finish(() => reject(abortError(signal)));
      const stop = () => finish(() => reject(new Error("etcdv3 backend closed while watching")), true);
      signal.addEventListener("abort", onAbort, { once: true });
      this.active.add(stop);

      const onCanceled = (err: Error) => {
        if (done) return;
        // The server cancels a watch whose start revision was compacted (and for
        // permission errors). Tell the two apart by reading at the snapshot revision.
        void this.compactedSince(since, probeKey).then(
          (current) =>
            finish(() => (current !== undefined ? resolve(current) : reject(this.describe(err))), true),
          (e: unknown) => finish(() => reject(this.describe(e)), true),
        );
      };

      const covering = coveringPrefixes(prefixes.length === 0 ? [""] : prefixes);
      const probeKey = rangeOf(covering[0]!).request_range.key!;
      for (const prefix of covering) {
        const w = this.client.watch().prefix(prefix).startRevision(start).watcher();
        watchers.push(w);
        w.on("data", (res) => {
          // The range is a plain key prefix; "/app/servers2/x" is not below "/app/servers".
          // Report the last matching event: watching again from there misses nothing.
          const hit = res.events.findLast((ev) => isUnder(ev.kv.key.toString("utf8"), prefix));
          if (!done && hit) void finish(() => resolve(BigInt(hit.kv.mod_revision)));
        });
        // The client resumes after its last seen header revision; nothing was reported
        // yet, so resume from the snapshot instead (events before that header may be in flight).
        w.on("disconnected", () => {
          (w.request as { start_revision?: string }).start_revision = start;
        });
        // A cluster whose revision is behind the snapshot lost its data (or is another
        // cluster): nothing from `since` on will ever match, so have the caller re-read.
        w.on("connected", (res) => {
          void this.cancelRetired();
          const now = BigInt(res.header.revision);
          if (!done && now < since) void finish(() => resolve(now));
        });
        w.on("error", onCanceled);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const cancels = [...this.active].map((stop) => stop());
    cancels.push(this.cancelRetired());
    await Promise.race([Promise.all(cancels), new Promise((r) => setTimeout(r, 1000).unref())]);
    this.client.close();
  }

  private retire(watchers: readonly Watcher[]): void {
    for (const w of watchers) this.retired.add(w);
    this.retireTimer ??= setTimeout(() => void this.cancelRetired(), RETIRE_MS).unref();
  }

  private cancelRetired(): Promise<void> {
    clearTimeout(this.retireTimer);
    this.retireTimer = undefined;
    const ws = [...this.retired];
    this.retired.clear();
    return cancelAll(ws);
  }

  /** The current revision if `since` was compacted away, otherwise undefined. */
  private async compactedSince(since: Revision, key: Buffer): Promise<Revision | undefined> {
    if (since <= 0n) return undefined;
    try {
      // A key under a watched prefix: readable by any user allowed to watch it.
      await this.client.kv.range({ key, revision: since.toString(), count_only: true });
      return undefined;
    } catch (e) {
      if (!(this.classify(e) instanceof EtcdCompactedError)) throw e;
      const now = await this.client.kv.range({ key, count_only: true });
      return BigInt(now.header.revision);
    }
  }

  private classify(e: unknown): EtcdError {
    return classify(e, { endpoints: this.shown, timeoutMs: this.timeoutMs });
  }

  /** The typed error with the caller's wording. */
  private describe(e: unknown): EtcdError {
    return withHint(this.classify(e), this.hint);
  }
}

/** How long a finished watch() call's watcher stays attached when no new call comes. */
const RETIRE_MS = 2000;

function cancelAll(watchers: readonly Watcher[]): Promise<void> {
  return Promise.all(watchers.map((w) => w.cancel().catch(() => undefined))).then(() => undefined);
}

function rangeOf(prefix: string): IRequestOp & { request_range: NonNullable<IRequestOp["request_range"]> } {
  return { request_range: prefixRange(prefix) };
}
