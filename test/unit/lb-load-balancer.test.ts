// The LoadBalancer's decisions, with an in-memory etcd and HAProxy: what it applies and
// when, what drift repair and restarts compare with, and how it stops.
import { afterEach, describe, expect, it } from "vitest";
import type { SyncReport } from "../../src/haproxy/controller.js";
import type { ManagedHaproxy, ManagedHaproxyOptions } from "../../src/haproxy/managed.js";
import type { ServerEntry } from "../../src/haproxy/servers.js";
import { DesiredState, type DesiredSource } from "../../src/lb/desired.js";
import { startLoadBalancer, type LoadBalancer } from "../../src/lb/load-balancer.js";
import { newMetricsRegistry } from "../../src/metrics/server.js";

const PREFIX = "/app/servers";

/** An etcd holding the servers prefix: put() bumps the revision and wakes watchers. */
class FakeEtcd implements DesiredSource {
  values = new Map<string, string>();
  revision = 1n;
  reads = 0;
  /** When set, reads fail with it. */
  down?: Error;
  /** When set, the next watch rejects with it. */
  watchError?: Error;
  watchedFrom: bigint[] = [];
  private wake: (() => void)[] = [];

  put(name: string, value: string): void {
    this.values.set(`${PREFIX}/${name}`, value);
    this.revision++;
    for (const w of this.wake.splice(0)) w();
  }

  /** Changes etcd without telling watchers (a missed event). */
  putQuietly(name: string, value: string): void {
    this.values.set(`${PREFIX}/${name}`, value);
    this.revision++;
  }

  read(log?: Parameters<DesiredSource["read"]>[0]): Promise<DesiredState> {
    this.reads++;
    if (this.down) return Promise.reject(this.down);
    return Promise.resolve(DesiredState.fromEtcd(PREFIX, new Map(this.values), this.revision, log));
  }

  changed(since: bigint, signal: AbortSignal): Promise<unknown> {
    this.watchedFrom.push(since);
    if (this.watchError) {
      const e = this.watchError;
      this.watchError = undefined;
      return Promise.reject(e);
    }
    if (this.revision > since) return Promise.resolve(this.revision);
    return new Promise((resolve, reject) => {
      this.wake.push(() => resolve(this.revision));
      signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
    });
  }
}

interface FakeHaproxy {
  opts: ManagedHaproxyOptions;
  initial: string[];
  synced: string[][];
  stopped: boolean;
  driftStopped: boolean;
  exit(how: string): void;
}

const names = (servers: readonly ServerEntry[]): string[] => servers.map((s) => s.name);

function report(servers: readonly ServerEntry[]): SyncReport {
  return {
    configWritten: true,
    apply: {
      backend: "app",
      actions: [],
      added: names(servers),
      readdressed: [],
      repaired: [],
      removed: [],
      draining: [],
      failed: [],
    },
  };
}

function fakeHaproxyFactory(): {
  started: FakeHaproxy[];
  start: (o: ManagedHaproxyOptions) => Promise<ManagedHaproxy>;
} {
  const started: FakeHaproxy[] = [];
  const start = (opts: ManagedHaproxyOptions): Promise<ManagedHaproxy> => {
    let exit: (how: string) => void = () => {};
    const exited = new Promise<string>((r) => (exit = r));
    const f: FakeHaproxy = {
      opts,
      initial: names(opts.initial),
      synced: [],
      stopped: false,
      driftStopped: false,
      exit: (how) => exit(how),
    };
    started.push(f);
    const managed = {
      process: { exited },
      drift: { stop: async () => void (f.driftStopped = true) },
      configPath: `/state/haproxy.cfg#${started.length}`,
      sync: (servers: readonly ServerEntry[]) => {
        f.synced.push(names(servers));
        return Promise.resolve(report(servers));
      },
      stop: async () => {
        f.stopped = true;
        exit("stopped");
      },
    };
    return Promise.resolve(managed as unknown as ManagedHaproxy);
  };
  return { started, start };
}

function recording(): {
  lines: string[];
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
} {
  const lines: string[] = [];
  return {
    lines,
    info: (_o, m) => void lines.push(`info ${m}`),
    warn: (_o, m) => void lines.push(`warn ${m}`),
    error: (_o, m) => void lines.push(`error ${m}`),
  };
}

const until = async (what: string, ok: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("LoadBalancer", () => {
  let lb: LoadBalancer | undefined;
  afterEach(async () => {
    await lb?.stop();
    lb = undefined;
  });

  const setup = async (etcd: FakeEtcd, extra: { metrics?: ReturnType<typeof newMetricsRegistry> } = {}) => {
    const hx = fakeHaproxyFactory();
    const log = recording();
    const strays: string[] = [];
    const initial = await etcd.read();
    lb = await startLoadBalancer({
      source: etcd,
      initial,
      haproxy: { stateDir: "/state", port: 8080 },
      log,
      retryMs: 1,
      startHaproxy: hx.start,
      supervisor: {
        signalStrays: (path, signal) => (strays.push(`${signal} ${path}`), 0),
        sleep: () => Promise.resolve(),
      },
      ...extra,
    });
    return { hx, log, strays, lb };
  };

  it("starts HAProxy with the initial set, then applies a fresh read before it resolves", async () => {
    const etcd = new FakeEtcd();
    etcd.put("a", "127.0.0.1:81");
    const hx = fakeHaproxyFactory();
    const initial = await etcd.read();
    etcd.put("b", "127.0.0.1:82");
    lb = await startLoadBalancer({
      source: etcd,
      initial,
      haproxy: { stateDir: "/state", port: 8080 },
      log: recording(),
      startHaproxy: hx.start,
    });
    expect(hx.started).toHaveLength(1);
    expect(hx.started[0]!.initial).toEqual(["a"]);
    expect(hx.started[0]!.synced).toEqual([["a", "b"]]);
    expect(lb.desired().revision).toBe(etcd.revision);
  });

  it("applies each etcd change as typed entries, watching from the revision it read", async () => {
    const etcd = new FakeEtcd();
    etcd.put("a", "127.0.0.1:81");
    const { hx } = await setup(etcd);
    const rev = etcd.revision;
    etcd.put("b", "127.0.0.1:82");
    await until("b applied", () => hx.started[0]!.synced.length === 2);
    expect(hx.started[0]!.synced).toEqual([["a"], ["a", "b"]]);
    expect(etcd.watchedFrom.slice(0, 2)).toEqual([rev, etcd.revision]);
  });

  it("refuses bad values at the edge: logged, counted, never applied", async () => {
    const etcd = new FakeEtcd();
    etcd.put("a", "127.0.0.1:81");
    const registry = newMetricsRegistry();
    const { hx, log } = await setup(etcd, { metrics: registry });
    etcd.put("bad", "example.com:80");
    await until("second apply", () => hx.started[0]!.synced.length === 2);
    expect(hx.started[0]!.synced[1]).toEqual(["a"]);
    expect(log.lines.filter((l) => l.startsWith('warn refusing backend "bad"'))).toHaveLength(1);
    const text = await registry.metrics();
    expect(text).toMatch(/^hecd_lb_failures_total\{kind="rejected"\} 1$/m);
    expect(text).toMatch(/^hecd_lb_desired_servers 2$/m);
    expect(text).toMatch(/^hecd_lb_applies_total 2$/m);
    expect(text).toMatch(/^hecd_lb_server_changes_total\{kind="added"\} 2$/m);
  });

  it("after a failed watch it logs, re-reads etcd and watches from the new revision", async () => {
    const etcd = new FakeEtcd();
    etcd.put("a", "127.0.0.1:81");
    etcd.watchError = new Error("lost the watch");
    const { hx, log } = await setup(etcd);
    await until("error logged", () => log.lines.includes("error syncing HAProxy from etcd failed; retrying"));
    etcd.put("b", "127.0.0.1:82");
    await until("b applied", () => hx.started[0]!.synced.some((s) => s.includes("b")));
    expect(etcd.watchedFrom.length).toBeGreaterThanOrEqual(2);
  });

  it("drift repair compares with a fresh read of etcd, not with the last change the watch saw", async () => {
    const etcd = new FakeEtcd();
    etcd.put("a", "127.0.0.1:81");
    const { hx, log } = await setup(etcd);
    etcd.putQuietly("missed", "127.0.0.1:83");
    const desired = hx.started[0]!.opts.desired;
    expect(names(await desired())).toEqual(["a", "missed"]);
    // etcd unreachable: the last set read, said once per outage.
    etcd.down = new Error("cannot reach etcd");
    expect(names(await desired())).toEqual(["a", "missed"]);
    expect(names(await desired())).toEqual(["a", "missed"]);
    expect(
      log.lines.filter((l) => l.startsWith("warn cannot read the desired servers from etcd")),
    ).toHaveLength(1);
    etcd.down = undefined;
    etcd.putQuietly("later", "127.0.0.1:84");
    expect(names(await desired())).toEqual(["a", "later", "missed"]);
    expect(log.lines).toContain("info etcd readable again; drift repair follows it");
  });

  it("restarts HAProxy that exited on its own from a fresh read, and applies to the new one", async () => {
    const etcd = new FakeEtcd();
    etcd.put("a", "127.0.0.1:81");
    const registry = newMetricsRegistry();
    const { hx, log, strays } = await setup(etcd, { metrics: registry });
    etcd.putQuietly("b", "127.0.0.1:82");
    hx.started[0]!.exit("SIGKILL");
    await until("restarted", () => hx.started.length === 2);
    expect(hx.started[0]!.driftStopped).toBe(true);
    expect(strays).toEqual(["SIGUSR1 /state/haproxy.cfg#1"]);
    expect(hx.started[1]!.initial).toEqual(["a", "b"]);
    expect(log.lines).toContain("error HAProxy exited; restarting it");
    expect(lb!.restarts()).toBe(1);
    expect(await registry.metrics()).toMatch(/^hecd_haproxy_restarts_total 1$/m);
    etcd.put("c", "127.0.0.1:83");
    await until("c applied to the new HAProxy", () => hx.started[1]!.synced.length === 1);
    expect(hx.started[1]!.synced).toEqual([["a", "b", "c"]]);
    expect(lb!.haproxy()).not.toBeUndefined();
  });

  it("stop() stops following etcd, then HAProxy (and any stray worker); no restart after", async () => {
    const etcd = new FakeEtcd();
    etcd.put("a", "127.0.0.1:81");
    const { hx, strays } = await setup(etcd);
    await lb!.stop();
    lb = undefined;
    expect(hx.started[0]!.stopped).toBe(true);
    expect(strays).toEqual(["SIGTERM /state/haproxy.cfg#1"]);
    etcd.put("b", "127.0.0.1:82");
    await new Promise((r) => setTimeout(r, 20));
    expect(hx.started).toHaveLength(1);
    expect(hx.started[0]!.synced).toEqual([["a"]]);
  });

  it("a failing first read rejects the start and leaves no HAProxy running", async () => {
    const etcd = new FakeEtcd();
    const initial = await etcd.read();
    etcd.down = new Error("cannot reach etcd at http://127.0.0.1:1");
    const hx = fakeHaproxyFactory();
    await expect(
      startLoadBalancer({
        source: etcd,
        initial,
        haproxy: { stateDir: "/state", port: 8080 },
        log: recording(),
        startHaproxy: hx.start,
        supervisor: { signalStrays: () => 0, sleep: () => Promise.resolve() },
      }),
    ).rejects.toThrow("cannot reach etcd at http://127.0.0.1:1");
    expect(hx.started).toHaveLength(1);
    expect(hx.started[0]!.stopped).toBe(true);
  });
});
