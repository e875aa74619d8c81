// Leased registrations in etcd. Every key this Registry writes carries its lease; the lease is kept
// alive with keepalives only (keys are never rewritten to refresh them). A lost lease is detected
// here (keepalive answers TTL <= 0, or no answer for longer than the TTL) rather than by the etcd3
// client, which notices only after about 2x TTL; then a new lease is granted and every owned key is
// written again under it.
import { EventEmitter } from "node:events";
import { pino, type Logger } from "pino";
import {
  classify,
  connect,
  grantLease,
  keepAliveOnce,
  resolveEndpoints,
  revokeLease,
  type EtcdAuthOptions,
  type EtcdClient,
  type EtcdTlsOptions,
} from "../etcd/index.js";
import { KeyedSerialQueue, SerialQueue } from "../util/serial.js";
import { validateAddress } from "./keys.js";

export interface RegistryOptions {
  endpoints: string[];
  /** Lease TTL in seconds (default 15). 0 writes keys without a lease (they stay until deleted). */
  ttlSeconds?: number;
  tls?: EtcdTlsOptions;
  auth?: EtcdAuthOptions;
  logger?: Logger;
}

export interface RegistryEntry {
  key: string;
  value: string;
  /** Lease id as etcd reports it ("0" when the key has none). */
  lease: string;
}

export interface RegisterOptions {
  /**
   * Skip the write when the key already holds this value under any lease (for one-shot writers
   * such as `hecd run`, so they never take a key over from the agent that keeps it alive).
   */
  keepExistingLease?: boolean;
}

export interface RegistryEvents {
  /** A new lease was granted after the previous one was lost; owned keys were written again. */
  "lease-regranted": [leaseId: string];
  /** etcd answered keepalives again after failing (the lease survived). */
  recovered: [];
  /** etcd has not answered keepalives for longer than the TTL. */
  outage: [error: Error];
}

/** Puts per transaction in registerMany (etcd's default --max-txn-ops is 128). */
const BATCH = 100;

type State = "ok" | "failing" | "outage" | "closed";

export class Registry extends EventEmitter<RegistryEvents> {
  readonly ttlSeconds: number;
  private readonly owned = new Map<string, string>();
  private leaseId = "0";
  private state: State = "ok";
  private lastOk = Date.now();
  private timer: NodeJS.Timeout | undefined;
  /** Operations on one key apply in call order. */
  private readonly keyOps = new KeyedSerialQueue();
  /** Exclusive operations (a re-grant, a batch put); key operations queued after one wait for it. */
  private readonly exclusiveOps = new SerialQueue();

  private constructor(
    readonly client: EtcdClient,
    ttlSeconds: number,
    private readonly log: Logger,
  ) {
    super();
    this.ttlSeconds = ttlSeconds;
  }

  /** Connects, checks that etcd answers, and grants the lease (when ttlSeconds > 0). */
  static async connect(opts: RegistryOptions): Promise<Registry> {
    const ttl = opts.ttlSeconds ?? 15;
    if (!Number.isInteger(ttl) || ttl < 0 || (ttl > 0 && ttl < 2)) {
      throw new Error(`lease TTL ${ttl} is invalid: use a whole number of seconds >= 2 (or 0 for no lease)`);
    }
    const endpoints = resolveEndpoints(opts.endpoints);
    const client = connect({
      endpoints,
      tls: opts.tls,
      auth: opts.auth,
      dialTimeoutMs: 3000,
      hostCooldownMs: 500,
    });
    const reg = new Registry(client, ttl, opts.logger ?? pino({ level: "silent" }));
    try {
      await client
        .get("/hecd/.probe")
        .options({ deadline: Date.now() + 5000 })
        .string();
      if (ttl > 0) reg.leaseId = await reg.grant();
    } catch (e) {
      client.close();
      // Refused credentials come back as EtcdAuthError: retrying will not help.
      throw classify(e, { endpoints, connecting: true });
    }
    if (ttl > 0) reg.scheduleKeepalive();
    return reg;
  }

  /** Current lease id ("0" without a lease). */
  get lease(): string {
    return this.leaseId;
  }

  /** Keys this registry keeps (written and not deregistered), with their values. */
  ownedKeys(): ReadonlyMap<string, string> {
    return this.owned;
  }

  /**
   * Writes `key` = `address` (validated `host:port`) under the lease. Idempotent: no write when the
   * key already holds the value under this registry's lease. Returns whether it wrote.
   */
  async register(key: string, address: string, opts: RegisterOptions = {}): Promise<boolean> {
    validateAddress(address);
    return this.put(key, address, opts);
  }

  /** Writes a non-address record (e.g. a host's JSON) under the lease; same idempotence as register. */
  async publish(key: string, value: string): Promise<boolean> {
    if (value.includes("\n")) throw new Error(`record for ${key} contains a newline`);
    return this.put(key, value, {});
  }

  /**
   * Deletes `key`. With `onlyIfValue`, deletes only while the key still holds that value (so a
   * same-named container on another host is never removed). Returns whether a key was deleted.
   */
  deregister(key: string, onlyIfValue?: string): Promise<boolean> {
    return this.perKey(key, async () => {
      this.owned.delete(key);
      if (onlyIfValue === undefined) {
        const r = await this.client.delete().key(key).exec();
        return Number(r.deleted) > 0;
      }
      const r = await this.client
        .if(key, "Value", "==", onlyIfValue)
        .then(this.client.delete().key(key))
        .commit();
      return r.succeeded;
    });
  }

  /** All keys under `prefix` (a directory: `/app/servers` lists `/app/servers/*`), key -> value. */
  async list(prefix: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const e of await this.entries(prefix)) out.set(e.key, e.value);
    return out;
  }

  /** Like {@link list} with each key's lease. */
  async entries(prefix: string): Promise<RegistryEntry[]> {
    const dir = prefix.endsWith("/") ? prefix : `${prefix}/`;
    const r = await this.client.getAll().prefix(dir).exec();
    return r.kvs.map((kv) => ({
      key: kv.key.toString(),
      value: kv.value.toString(),
      lease: String(kv.lease ?? "0"),
    }));
  }

  /** Stops keepalives. With revoke, deletes the lease (and so every key under it) now; otherwise the keys expire after the TTL. */
  async close(opts: { revoke?: boolean } = {}): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    if (this.timer) clearTimeout(this.timer);
    await this.exclusiveOps.idle();
    await this.keyOps.idle();
    if (opts.revoke && this.leaseId !== "0") {
      await revokeLease(this.client, this.leaseId, 3000).catch((e: Error) =>
        this.log.warn({ err: e.message }, "lease revoke failed; keys expire after the TTL"),
      );
    }
    this.client.close();
  }

  /**
   * Registers many keys at once, for resyncs. Keys that `current` (a fresh {@link entries} read)
   * shows already holding the value under this lease are taken over without a write; the rest are
   * written in batched transactions. Returns the keys written.
   */
  async registerMany(
    items: ReadonlyArray<{ key: string; address: string }>,
    current: readonly RegistryEntry[] = [],
  ): Promise<string[]> {
    for (const it of items) validateAddress(it.address);
    const now = new Map(current.map((e) => [e.key, e]));
    const todo: Array<{ key: string; address: string }> = [];
    for (const it of items) {
      const e = now.get(it.key);
      if (e && e.value === it.address && e.lease === this.leaseId) this.owned.set(it.key, it.address);
      else todo.push(it);
    }
    const written: string[] = [];
    for (let i = 0; i < todo.length; i += BATCH) {
      const chunk = todo.slice(i, i + BATCH);
      const done = await this.exclusive(async () => {
        if (this.state === "closed") throw new Error("registry is closed");
        const lease = this.leaseId;
        const success = chunk.map((it) => {
          this.owned.set(it.key, it.address);
          return {
            request_put: {
              key: Buffer.from(it.key),
              value: Buffer.from(it.address),
              ...(lease !== "0" ? { lease } : {}),
            },
          };
        });
        await this.client.kv.txn({ compare: [], success, failure: [] });
        return chunk.map((it) => it.key);
      });
      written.push(...done);
    }
    return written;
  }

  private put(key: string, value: string, opts: RegisterOptions): Promise<boolean> {
    return this.perKey(key, async () => {
      if (this.state === "closed") throw new Error("registry is closed");
      this.owned.set(key, value);
      const write = this.client.put(key).value(value);
      if (this.leaseId !== "0") write.lease(this.leaseId);
      const txn = this.client.if(key, "Value", "==", value);
      if (!opts.keepExistingLease) txn.and(key, "Lease", "==", this.leaseId);
      const r = await txn.then().else(write).commit();
      return !r.succeeded;
    });
  }

  /**
   * Operations on one key run in call order; different keys run concurrently. A re-grant is
   * exclusive: it waits for the operations already queued, and later ones wait for it.
   */
  private perKey<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const barrier = this.exclusiveOps.idle();
    return this.keyOps.run(key, async () => {
      await barrier;
      return fn();
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const pending = this.keyOps.idle();
    return this.exclusiveOps.run(async () => {
      await pending;
      return fn();
    });
  }

  private grant(): Promise<string> {
    return grantLease(this.client, this.ttlSeconds, 3000);
  }

  private get intervalMs(): number {
    return Math.max(300, Math.floor((this.ttlSeconds * 1000) / 4));
  }

  private scheduleKeepalive(delay = this.intervalMs): void {
    if (this.state === "closed") return;
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private get closed(): boolean {
    return this.state === "closed";
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      const ttl = await keepAliveOnce(this.client, this.leaseId, Math.min(2000, this.intervalMs * 2));
      if (ttl <= 0) {
        this.log.warn(
          { lease: this.leaseId },
          "etcd lease expired; granting a new one and registering again",
        );
        await this.regrant();
      } else {
        this.lastOk = Date.now();
        if (this.state === "failing" || this.state === "outage") {
          this.state = "ok";
          this.log.info({ lease: this.leaseId, ttl }, "etcd answers again; lease still alive");
          this.emit("recovered");
        }
      }
    } catch (e) {
      if (this.closed) return;
      const silentFor = Date.now() - this.lastOk;
      if (this.state !== "outage" && silentFor > this.ttlSeconds * 1000) {
        this.state = "outage";
        this.log.error(
          { err: (e as Error).message, silentMs: silentFor },
          "etcd unreachable for longer than the lease TTL",
        );
        this.emit("outage", e as Error);
      } else {
        if (this.state === "ok") this.state = "failing";
        this.log.warn({ err: (e as Error).message }, "etcd keepalive failed");
      }
    }
    this.scheduleKeepalive(this.state === "ok" ? this.intervalMs : Math.min(this.intervalMs, 500));
  }

  /** Grants a new lease and writes every owned key again under it. Throws when etcd is unreachable. */
  private regrant(): Promise<void> {
    return this.exclusive(async () => {
      if (this.state === "ok") this.state = "failing";
      const id = await this.grant();
      this.leaseId = id;
      await Promise.all(
        [...this.owned].map(([key, value]) => this.client.put(key).value(value).lease(id).exec()),
      );
      this.lastOk = Date.now();
      this.state = "ok";
      this.log.info({ lease: id, keys: this.owned.size }, "new etcd lease granted; keys registered again");
      this.emit("lease-regranted", id);
    });
  }
}
