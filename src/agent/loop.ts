// The agent's effectful side: one queue for Docker events and resyncs, in arrival order; a resync
// reads Docker and etcd, asks planResync what to change, and carries the plan out. A failed
// handler is followed by a resync, retried with backoff until one succeeds.
import type Docker from "dockerode";
import type { Logger } from "pino";
import { DRAINING_PREFIX, keyBase, type HostRecord } from "../registry/keys.js";
import type { Registry } from "../registry/registry.js";
import { SerialQueue } from "../util/serial.js";
import { decide, type LayoutConfig, type Registration } from "./container.js";
import { inspectContainer, inspectRunning } from "./docker.js";
import type { ContainerEvent } from "./events.js";
import { eventAction, planResync } from "./plan.js";
import { newAgentState, type AgentState } from "./state.js";

export interface AgentLoopDeps {
  docker: Docker;
  /** Shown in the host record. */
  dockerEndpoint: string;
  registry: Registry;
  cfg: LayoutConfig;
  /** The key prefix whose keys a resync reconciles. */
  scope: string;
  hostIp: string | undefined;
  hostRecordKey: string;
  log: Logger;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

export class AgentLoop {
  readonly state: AgentState = newAgentState();
  private readonly queue = new SerialQueue();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_MIN_MS;
  private resyncPending: Promise<void> | undefined;

  constructor(private readonly d: AgentLoopDeps) {}

  /** Queues a full resync unless one is queued already; resolves when it has run. */
  requestResync(why: string): Promise<void> {
    if (this.resyncPending) return this.resyncPending;
    this.resyncPending = this.enqueue(`resync (${why})`, async () => {
      this.resyncPending = undefined;
      await this.resync(why);
    });
    return this.resyncPending;
  }

  onEvent(ev: ContainerEvent): void {
    const action = eventAction(ev);
    if (action.kind === "ignore") return;
    this.state.counts.events++;
    void this.enqueue(`${ev.action} ${ev.id.slice(0, 12)}`, async () => {
      if (action.kind === "reconcile") await this.reconcile(ev.id);
      else {
        await this.remove(ev.id, action.why);
        if (action.forget) this.state.skipped.delete(ev.id);
      }
      await this.publishHost();
    });
  }

  /** Stops taking work and waits for what is queued to settle. */
  async stop(): Promise<void> {
    this.state.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.queue.idle();
  }

  private enqueue(what: string, fn: () => Promise<void>): Promise<void> {
    return this.queue.run(async () => {
      if (this.state.stopped) return;
      try {
        await fn();
      } catch (e) {
        this.state.counts.failures++;
        this.state.needResync = true;
        this.d.log.error({ err: (e as Error).message, what }, "failed; a resync will follow");
        this.scheduleRetry();
      }
    });
  }

  private scheduleRetry(): void {
    if (this.state.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state.needResync) void this.requestResync("retry after failure");
    }, this.retryDelay);
    this.retryDelay = Math.min(RETRY_MAX_MS, this.retryDelay * 2);
  }

  private async register(reg: Registration): Promise<void> {
    const { registry, log } = this.d;
    const prev = this.state.byId.get(reg.id);
    if (prev && prev.key !== reg.key) await registry.deregister(prev.key, prev.address);
    const wrote = await registry.register(reg.key, reg.address);
    this.state.byId.set(reg.id, reg);
    this.state.skipped.delete(reg.id);
    if (wrote) {
      this.state.counts.registrations++;
      log.info({ key: reg.key, address: reg.address, container: reg.name }, "registered");
    }
  }

  private async remove(id: string, why: string): Promise<void> {
    const prev = this.state.byId.get(id);
    if (!prev) return;
    this.state.byId.delete(id);
    if (await this.d.registry.deregister(prev.key, prev.address)) this.state.counts.deregistrations++;
    this.d.log.info({ key: prev.key, container: prev.name, why }, "deregistered");
  }

  private logSkip(id: string, name: string, reason: string): void {
    if (this.state.skipped.get(id) === reason) return;
    this.state.skipped.set(id, reason);
    this.d.log.info({ container: name, reason }, "not registered");
  }

  private async reconcile(id: string): Promise<void> {
    const info = await inspectContainer(this.d.docker, id);
    if (!info) return this.remove(id, "container is gone");
    const d = decide(info, this.d.cfg);
    if (d.kind === "register") return this.register(d);
    await this.remove(id, d.reason);
    if (d.eligible) this.logSkip(id, d.name, d.reason);
  }

  private async publishHost(): Promise<void> {
    const record: HostRecord = {
      address: this.d.hostIp ?? "",
      docker: this.d.dockerEndpoint,
      containers: this.state.byId.size,
      prefix: this.d.scope,
      layout: this.d.cfg.layout,
    };
    const text = JSON.stringify(record);
    if (text === this.state.lastHostRecord) return;
    await this.d.registry.publish(this.d.hostRecordKey, text);
    this.state.lastHostRecord = text;
  }

  private async resync(why: string): Promise<void> {
    const { registry, log } = this.d;
    const state = this.state;
    const t0 = performance.now();
    const infos = await inspectRunning(this.d.docker);
    const draining = new Set((await registry.entries(DRAINING_PREFIX)).map((e) => keyBase(e.key)));
    const lease = registry.lease;
    const current = await registry.entries(this.d.scope);
    const inspectedMs = performance.now() - t0;
    const plan = planResync({
      running: infos.map((info) => decide(info, this.d.cfg)),
      draining,
      tracked: state.byId,
      current,
      lease,
      ...(this.d.hostIp !== undefined ? { hostIp: this.d.hostIp } : {}),
    });
    for (const s of plan.skipped) this.logSkip(s.id, s.name, s.reason);
    for (const r of plan.release) {
      if (r.why === "gone") await this.remove(r.reg.id, "not running (resync)");
      else await registry.deregister(r.reg.key, r.reg.address);
    }
    // The registry writes a kept key after all if its lease changed since it was read.
    const written = await registry.registerMany(
      [...plan.keep, ...plan.put],
      plan.keep.map((k) => ({ key: k.key, value: k.address, lease })),
    );
    for (const reg of plan.desired) {
      state.byId.set(reg.id, reg);
      state.skipped.delete(reg.id);
    }
    state.counts.registrations += written.length;
    for (const key of written) log.info({ key, address: registry.ownedKeys().get(key) }, "registered");
    const writtenMs = performance.now() - t0;
    let stale = 0;
    for (const e of plan.stale) {
      if (await registry.deregister(e.key, e.value)) {
        stale++;
        state.counts.deregistrations++;
        log.info({ key: e.key, value: e.value }, "deleted stale key of this host");
      }
    }
    await this.publishHost();
    state.needResync = false;
    this.retryDelay = RETRY_MIN_MS;
    state.resyncs++;
    state.lastResyncMs = performance.now() - t0;
    log.info(
      {
        why,
        registered: state.byId.size,
        stale,
        ms: Math.round(state.lastResyncMs),
        inspectMs: Math.round(inspectedMs),
        writeMs: Math.round(writtenMs - inspectedMs),
      },
      "resync done",
    );
  }
}
