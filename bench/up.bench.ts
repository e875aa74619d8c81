// `npm run bench up`: hecd's runtime-API mode (startStack) against the seed's reload-per-change
// mode (agent + `hecd confd -interval 10` + seamless HAProxy reload), both against real etcd,
// HAProxy and Docker, one after the other, printed side by side as one Markdown table.
//   (1) container started -> first request through HAProxy answered by it
//   (2) etcd put -> first request through HAProxy answered by the new server
//   (3) failed requests over >= 100,000 requests while 50 scale events run
// Knobs (env): BENCH_UP_K_HECD (20), BENCH_UP_K_SEED (12), BENCH_UP_REQUESTS (100000),
// BENCH_UP_SCALE_EVENTS (50), BENCH_UP_MODES (hecd,seed), BENCH_UP_ONLY (unset, or "changes"
// to run measure (2) alone).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type Docker from "dockerode";
import { pino } from "pino";
import { startAgent, type AgentHandle } from "../src/agent/agent.js";
import { connectHosts, type DeployHost } from "../src/deploy/hosts.js";
import { scaleService } from "../src/deploy/scale.js";
import type { Drainer } from "../src/deploy/stop.js";
import { defaultConfigOptions, renderConfig, type HaproxyConfigOptions } from "../src/haproxy/config.js";
import { MasterCli, type ProcTable } from "../src/haproxy/master.js";
import { Registry } from "../src/registry/registry.js";
import { stackDrainer } from "../src/stack/drain.js";
import { startStack, type Stack } from "../src/stack/up.js";
import { startDockerHosts, ensureTestImage, type DockerHost } from "../test/harness/docker.js";
import { startEtcd, type EtcdServer } from "../test/harness/etcd.js";
import { freePort } from "../test/harness/ports.js";
import { requireTool } from "../test/harness/tools.js";
import { percentile as nearestRank } from "./confd-lib.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURE = join(REPO, "bench/fixtures/seed");
const PREFIX = "/app/servers";
const SCALE_SERVICE = "benchscale";
const silent = pino({ level: "silent" });

const envInt = (name: string, dflt: number): number => {
  const v = process.env[name];
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${v}: expected a whole number >= 1`);
  return n;
};
const K_HECD = envInt("BENCH_UP_K_HECD", 20);
const K_SEED = envInt("BENCH_UP_K_SEED", 12);
const REQUESTS = envInt("BENCH_UP_REQUESTS", 100_000);
const SCALE_EVENTS = envInt("BENCH_UP_SCALE_EVENTS", 50);
const MODES = (process.env.BENCH_UP_MODES ?? "hecd,seed").split(",").map((s) => s.trim());
for (const m of MODES) if (m !== "hecd" && m !== "seed") throw new Error(`BENCH_UP_MODES: unknown mode ${m}`);
const ONLY = process.env.BENCH_UP_ONLY ?? "";
if (ONLY !== "" && ONLY !== "changes") throw new Error(`BENCH_UP_ONLY=${ONLY}: expected "changes" or unset`);

// autocannon ships no types; this is the part used here.
interface CannonResult {
  requests: { total: number; sent: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  duration: number;
}
interface CannonInstance extends PromiseLike<CannonResult> {
  on(ev: "response", fn: () => void): void;
  on(ev: "reqError", fn: (e: Error) => void): void;
  stop(): void;
}
type Cannon = (o: Record<string, unknown>) => CannonInstance;
const autocannon = createRequire(import.meta.url)("autocannon") as Cannon;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => performance.now();

// ---------------------------------------------------------------- statistics

/** Nearest-rank percentile: the smallest sample with at least p% of samples at or below it. */
function percentile(samples: readonly number[], p: number): number {
  return nearestRank(
    [...samples].sort((x, y) => x - y),
    p,
  );
}

function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

// ---------------------------------------------------------------- HTTP probe

const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET through HAProxy; the trimmed body, or an error (treated as "not yet" by callers). */
function get(url: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: probeAgent, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("probe timeout")));
    req.on("error", reject);
    req.end();
  });
}

// The timed probe runs in a worker thread: hecd's stack runs in this process, and its event loop
// (e.g. a synchronous fsync of the config file) must not delay the probe that judges it.
const PROBE_WORKER = `
const { parentPort } = require("node:worker_threads");
const { Agent, request } = require("node:http");
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const get = (url) => new Promise((resolve, reject) => {
  const req = request(url, { agent, timeout: 2000 }, (res) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (d) => (body += d));
    res.on("end", () => resolve({ status: res.statusCode, body: body.trim() }));
    res.on("error", reject);
  });
  req.on("timeout", () => req.destroy(new Error("probe timeout")));
  req.on("error", reject);
  req.end();
});
parentPort.on("message", async ({ id, url, name, timeoutMs }) => {
  const deadline = performance.now() + timeoutMs;
  let gets = 0;
  let last = "";
  while (performance.now() < deadline) {
    gets++;
    try {
      const r = await get(url);
      if (r.status === 200 && r.body === name) {
        parentPort.postMessage({ id, at: performance.timeOrigin + performance.now(), gets });
        return;
      }
      last = r.status + " " + r.body.slice(0, 60);
    } catch (e) {
      last = e.message;
      await new Promise((r) => setTimeout(r, 1));
    }
  }
  parentPort.postMessage({ id, error: name + " not served through " + url + " within " + timeoutMs + " ms (last answer: " + last + ")" });
});
`;

interface ProbeAnswer {
  id: number;
  at?: number;
  gets?: number;
  error?: string;
}

class Prober {
  private readonly worker = new Worker(PROBE_WORKER, { eval: true });
  private readonly waiting = new Map<number, (a: ProbeAnswer) => void>();
  private next = 0;

  constructor() {
    this.worker.on("message", (a: ProbeAnswer) => {
      this.waiting.get(a.id)?.(a);
      this.waiting.delete(a.id);
    });
    this.worker.unref();
  }

  /** GETs back to back until one is answered by `name`; when (this thread's performance.now()) and how many GETs. */
  async waitServed(url: string, name: string, timeoutMs: number): Promise<{ at: number; gets: number }> {
    const id = this.next++;
    const answer = await new Promise<ProbeAnswer>((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ id, url, name, timeoutMs });
    });
    if (answer.error !== undefined || answer.at === undefined)
      throw new Error(answer.error ?? "probe failed");
    return { at: answer.at - performance.timeOrigin, gets: answer.gets ?? 0 };
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

const prober = new Prober();
const waitServed = (url: string, name: string, timeoutMs: number): Promise<{ at: number; gets: number }> =>
  prober.waitServed(url, name, timeoutMs);

/** Waits until `run` consecutive GETs are all answered by servers in `names`. */
async function waitOnly(url: string, names: ReadonlySet<string>, timeoutMs: number, run = 12): Promise<void> {
  const deadline = now() + timeoutMs;
  let streak = 0;
  let last = "";
  while (now() < deadline) {
    try {
      const r = await get(url);
      last = `${r.status} ${r.body.slice(0, 60)}`;
      streak = r.status === 200 && names.has(r.body) ? streak + 1 : 0;
      if (streak >= run) return;
    } catch (e) {
      last = (e as Error).message;
      streak = 0;
      await sleep(5);
    }
  }
  throw new Error(
    `HAProxy at ${url} did not serve only [${[...names].join(", ")}] within ${timeoutMs} ms (last: ${last})`,
  );
}

// ---------------------------------------------------------------- small name servers for (2)

interface NameServer {
  name: string;
  address: string;
  close(): Promise<void>;
}

async function startNameServer(name: string): Promise<NameServer> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`${name}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ---------------------------------------------------------------- modes

interface Mode {
  name: "hecd" | "seed";
  url: string;
  etcd: EtcdServer;
  registry: Registry;
  hosts: DeployHost[];
  drainer?: Drainer;
  /** HAProxy's own reload count since the mode started, read from its master CLI. */
  reloads(): Promise<ReloadCount>;
}

interface ReloadCount {
  reloads: number;
  failed: number;
}

/**
 * Reloads as HAProxy counts them: the master CLI's `show proc` reports the master's reload
 * counter and its failed reloads, the same way in both modes. A restarted master starts its
 * counters again, so a changed master pid makes the count fail rather than come out low.
 */
async function reloadCounter(socketPath: string): Promise<() => Promise<ReloadCount>> {
  const cli = new MasterCli(socketPath);
  const read = async (): Promise<ProcTable> => {
    // During a reload the master re-executes itself and its CLI is briefly unavailable.
    const deadline = now() + 5000;
    for (;;) {
      try {
        return await cli.showProc();
      } catch (e) {
        if (now() > deadline) throw e;
        await sleep(50);
      }
    }
  };
  const base = (await read()).master;
  return async () => {
    const { master } = await read();
    if (master.pid !== base.pid) {
      throw new Error(
        `HAProxy's master at ${socketPath} changed from pid ${base.pid} to ${master.pid} (restarted, not reloaded): ` +
          "its reload counter started again, so this run's reload count would be wrong; rerun the bench",
      );
    }
    return { reloads: master.reloads - base.reloads, failed: master.failedReloads - base.failedReloads };
  };
}

async function startHecdMode(host: DockerHost, cleanups: (() => Promise<void>)[]): Promise<Mode> {
  const etcd = await startEtcd();
  cleanups.push(() => etcd.destroy());
  const stateDir = mkdtempSync(join(tmpdir(), "hecd-bench-up-"));
  cleanups.push(async () => rmSync(stateDir, { recursive: true, force: true }));
  const port = await freePort();
  const stack: Stack = await startStack({
    stateDir,
    etcd: [etcd.endpoint],
    dockerHost: host.endpoint,
    bind: "127.0.0.1",
    port,
    ttlSeconds: 5,
    logger: silent,
  });
  cleanups.push(() => stack.stop());
  const registry = await Registry.connect({ endpoints: [etcd.endpoint], ttlSeconds: 5 });
  cleanups.push(() => registry.close({ revoke: true }));
  return {
    name: "hecd",
    url: stack.info.haproxy.url,
    etcd,
    registry,
    hosts: deployHosts(host),
    drainer: stackDrainer(stack.info),
    reloads: await reloadCounter(stack.info.haproxy.masterSocket),
  };
}

function deployHosts(host: DockerHost): DeployHost[] {
  return connectHosts([{ name: "local", endpoint: host.endpoint, address: host.ip }]);
}

interface ChildHandle {
  proc: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function spawnChild(cmd: string, args: string[], env?: NodeJS.ProcessEnv): ChildHandle {
  const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: env ?? process.env });
  let out = "";
  const add = (d: Buffer): void => {
    out = (out + d.toString()).slice(-20_000);
  };
  proc.stdout!.on("data", add);
  proc.stderr!.on("data", add);
  return {
    proc,
    output: () => out,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(t);
    },
  };
}

function copyFixture(dir: string, vars: Record<string, string>): void {
  cpSync(FIXTURE, dir, { recursive: true });
  rmSync(join(dir, "README.md"), { force: true });
  for (const sub of ["conf.d", "templates"]) {
    for (const f of readdirSync(join(dir, sub))) {
      const p = join(dir, sub, f);
      let text = readFileSync(p, "utf8");
      for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`@${k}@`, v);
      writeFileSync(p, text);
    }
  }
}

const CONFD = [process.execPath, "--import", "tsx", join(REPO, "src/cli/main.ts"), "confd"] as const;

async function startSeedMode(host: DockerHost, cleanups: (() => Promise<void>)[]): Promise<Mode> {
  const etcd = await startEtcd();
  cleanups.push(() => etcd.destroy());
  const dir = mkdtempSync(join(tmpdir(), "hecd-bench-seed-"));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const statsPassword = "benchStatsPassword1";
  const config = hecdConfigOptions(dir, port, statsPassword);
  copyFixture(dir, {
    HECD_SETTINGS: seedSettings(config),
    STATE: dir,
    CHECK_INTER: String(config.check.interMs),
    CHECK_FALL: String(config.check.fall),
    CHECK_RISE: String(config.check.rise),
  });
  const confdArgs = ["-backend", "etcdv3", "-node", etcd.endpoint, "-confdir", dir, "-log-level", "warn"];

  // First render without a reload (HAProxy is not running yet), as the seed's first boot did.
  const first = spawnSync(CONFD[0], [...CONFD.slice(1), "-onetime", "-sync-only", ...confdArgs], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (first.status !== 0)
    throw new Error(`hecd confd -onetime failed (${first.status}): ${first.stdout}${first.stderr}`);
  const cfgPath = join(dir, "haproxy.cfg");
  const rendered = readFileSync(cfgPath, "utf8");
  assertSameConfig(rendered, config);

  const masterSocket = join(dir, "haproxy-master.sock");
  const haproxy = spawnChild(requireTool("haproxy", "apt-get install -y haproxy"), [
    "-W",
    "-S",
    `${masterSocket},mode,600`,
    "-p",
    join(dir, "haproxy.pid"),
    "-f",
    cfgPath,
  ]);
  cleanups.push(() => haproxy.stop());
  const url = `http://127.0.0.1:${port}/`;
  await waitUntil(
    "seed HAProxy to answer",
    async () => {
      try {
        await get(url, 500);
        return true;
      } catch {
        return false;
      }
    },
    15_000,
  );
  const reloads = await reloadCounter(masterSocket);

  const agent: AgentHandle = await startAgent({
    docker: { host: host.endpoint },
    etcd: { endpoints: [etcd.endpoint] },
    ttlSeconds: 5,
    prefix: PREFIX,
    hostName: "local",
    logger: silent,
  });
  cleanups.push(() => agent.stop({ revoke: true }));

  const confd = spawnChild(CONFD[0], [...CONFD.slice(1), "-interval", "10", ...confdArgs]);
  cleanups.push(() => confd.stop());
  await sleep(1500);
  if (confd.proc.exitCode !== null) throw new Error(`hecd confd exited at once: ${confd.output()}`);

  const registry = await Registry.connect({ endpoints: [etcd.endpoint], ttlSeconds: 5 });
  cleanups.push(() => registry.close({ revoke: true }));

  return {
    name: "seed",
    url,
    etcd,
    registry,
    hosts: deployHosts(host),
    reloads,
  };
}

function hecdConfigOptions(dir: string, port: number, password: string): HaproxyConfigOptions {
  return {
    ...defaultConfigOptions(dir, { user: "admin", password, uri: "/admin-status" }),
    port,
    bindAddress: "127.0.0.1",
  };
}

/** renderConfig's output without servers; the seed template appends its server lines to it. */
function seedSettings(config: HaproxyConfigOptions): string {
  const text = renderConfig(config, []).trimEnd();
  const sections = text.split("\n").filter((l) => /^[a-z]/.test(l));
  if (sections.at(-1) !== `backend ${config.backend}`) {
    throw new Error(
      `renderConfig no longer ends with the backend section (last section: ${sections.at(-1)}); ` +
        "bench/fixtures/seed/templates/haproxy.cfg.tmpl appends server lines at the end and must be adapted",
    );
  }
  return text;
}

/** What confd rendered with no servers must be renderConfig's output; fail loudly if not. */
function assertSameConfig(rendered: string, config: HaproxyConfigOptions): void {
  const hecd = renderConfig(config, []);
  const body = (t: string): string =>
    t
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .join("\n")
      .trim();
  if (body(rendered) !== body(hecd)) {
    throw new Error(
      `hecd confd rendered bench/fixtures/seed differently from renderConfig:\n--- seed\n${rendered}\n--- hecd\n${hecd}`,
    );
  }
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!(await probe())) {
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------- measurements

interface StartSample {
  ms: number;
  dockerStartMs: number;
  gets: number;
  pool: number;
}

async function runDemo(docker: Docker, image: string, name: string, labels: Record<string, string> = {}) {
  return docker.createContainer({
    name,
    Image: image,
    Hostname: name,
    Env: [`HECD_NAME=${name}`],
    Labels: labels,
    ExposedPorts: { "80/tcp": {} },
    HostConfig: { PublishAllPorts: true, Init: true, RestartPolicy: { Name: "no" } },
  });
}

async function removeContainers(docker: Docker, filter: (c: Docker.ContainerInfo) => boolean): Promise<void> {
  const all = await docker.listContainers({ all: true });
  await Promise.all(
    all.filter(filter).map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

/** Uniform random pause in [0, maxMs): decorrelates each sample from confd's 10 s polling phase. */
const randomPause = (maxMs: number): Promise<void> => sleep(Math.random() * maxMs);

async function measureStarts(mode: Mode, host: DockerHost, image: string, k: number): Promise<StartSample[]> {
  const samples: StartSample[] = [];
  const timeout = mode.name === "seed" ? 40_000 : 20_000;
  for (let i = 0; i < k; i++) {
    await randomPause(mode.name === "seed" ? 10_000 : 300);
    const name = `bench-${mode.name}-start-${i}`;
    const c = await runDemo(host.docker, image, name);
    const t0 = now();
    await c.start();
    const t1 = now();
    const served = await waitServed(mode.url, name, timeout);
    samples.push({ ms: served.at - t1, dockerStartMs: t1 - t0, gets: served.gets, pool: i + 1 });
    process.stderr.write(`  ${mode.name} (1) start ${i + 1}/${k}: ${fmtMs(served.at - t1)}\n`);
  }
  return samples;
}

interface ChangeSamples {
  /** put issued -> first GET through HAProxy answered by the new server. */
  served: number[];
  /** put issued -> the put seen by an independent etcd watcher (etcd's own share). */
  watched: number[];
}

async function measureChanges(mode: Mode, k: number, servers: NameServer[]): Promise<ChangeSamples> {
  const seen = new Map<string, number>();
  const watcher = await mode.registry.client.watch().prefix(`${PREFIX}/`).create();
  watcher.on("put", (kv) => seen.set(kv.key.toString(), now()));
  try {
    return await measureChangesWatched(mode, k, servers, seen);
  } finally {
    await watcher.cancel();
  }
}

async function measureChangesWatched(
  mode: Mode,
  k: number,
  servers: NameServer[],
  seen: ReadonlyMap<string, number>,
): Promise<ChangeSamples> {
  const put = (key: string, value: string): Promise<void> => etcdPut(mode, key, value);
  const base = await startNameServer(`bench-${mode.name}-chg-0`);
  servers.push(base);
  await put(`${PREFIX}/${base.name}`, base.address);
  await waitOnly(mode.url, new Set([base.name]), 40_000);
  let previous = base;
  const samples: ChangeSamples = { served: [], watched: [] };
  for (let i = 1; i <= k; i++) {
    const s = await startNameServer(`bench-${mode.name}-chg-${i}`);
    servers.push(s);
    await randomPause(mode.name === "seed" ? 10_000 : 300);
    const t0 = now();
    await put(`${PREFIX}/${s.name}`, s.address);
    const served = await waitServed(mode.url, s.name, mode.name === "seed" ? 40_000 : 20_000);
    samples.served.push(served.at - t0);
    const w = seen.get(`${PREFIX}/${s.name}`);
    if (w !== undefined) samples.watched.push(w - t0);
    process.stderr.write(`  ${mode.name} (2) change ${i}/${k}: ${fmtMs(served.at - t0)}\n`);
    await mode.registry.client.delete().key(`${PREFIX}/${previous.name}`);
    previous = s;
  }
  await mode.registry.client.delete().prefix(`${PREFIX}/bench-${mode.name}-chg-`);
  return samples;
}

/** A plain put without a lease, as an operator or the seed's docker.sh writes a key. */
async function etcdPut(mode: Mode, key: string, value: string): Promise<void> {
  await mode.registry.client.put(key).value(value);
}

interface LoadResult {
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  ok2xx: number;
  seconds: number;
  events: number;
  scaleMs: number[];
  reqErrors: Map<string, number>;
}

async function measureScaleUnderLoad(mode: Mode, image: string): Promise<LoadResult> {
  const opts = {
    hosts: mode.hosts,
    registry: mode.registry,
    layout: { layout: "servers" as const, prefix: PREFIX },
    image,
    stopTimeoutS: 10,
    ...(mode.drainer ? { drainer: mode.drainer } : { graceMs: 0 }),
  };
  const first = await scaleService(SCALE_SERVICE, 2, opts);
  await waitOnly(mode.url, new Set(first.started.map((s) => s.name)), 40_000, 20);
  for (const s of first.started) await waitServed(mode.url, s.name, 40_000);

  let responses = 0;
  const reqErrors = new Map<string, number>();
  const load = autocannon({ url: mode.url, connections: 10, duration: 600, timeout: 5 });
  load.on("response", () => responses++);
  load.on("reqError", (e) => reqErrors.set(e.message, (reqErrors.get(e.message) ?? 0) + 1));

  const scaleMs: number[] = [];
  let events = 0;
  const hardStop = now() + 300_000;
  try {
    for (let e = 0; e < SCALE_EVENTS && now() < hardStop; e++) {
      const t0 = now();
      await scaleService(SCALE_SERVICE, e % 2 === 0 ? 3 : 2, opts);
      scaleMs.push(now() - t0);
      events++;
      await sleep(300);
    }
    while (responses < REQUESTS && now() < hardStop) await sleep(100);
  } finally {
    load.stop();
  }
  const r = await load;
  return {
    requests: r.requests.sent,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    ok2xx: r["2xx"],
    seconds: r.duration,
    events,
    scaleMs,
    reqErrors,
  };
}

// ---------------------------------------------------------------- run

interface ModeResult {
  starts: StartSample[];
  changes: ChangeSamples;
  /** Absent when BENCH_UP_ONLY=changes. */
  load?: LoadResult;
  /** HAProxy reloads during (3) (absent when (3) did not run), and over the whole mode. */
  reloads?: ReloadCount;
  reloadsTotal: ReloadCount;
}

async function runMode(
  which: "hecd" | "seed",
  host: DockerHost,
  image: string,
  cleanups: (() => Promise<void>)[],
): Promise<ModeResult> {
  const k = which === "hecd" ? K_HECD : K_SEED;
  const local: (() => Promise<void>)[] = [];
  const servers: NameServer[] = [];
  local.push(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  local.push(() => removeContainers(host.docker, () => true));
  cleanups.push(async () => {
    while (local.length > 0) await local.pop()!().catch(() => undefined);
  });
  try {
    const t = now();
    const mode = which === "hecd" ? await startHecdMode(host, local) : await startSeedMode(host, local);
    process.stderr.write(`${which}: stack up in ${fmtMs(now() - t)} at ${mode.url}\n`);
    if (ONLY === "changes") {
      const changes = await measureChanges(mode, k, servers);
      return { starts: [], changes, reloadsTotal: await mode.reloads() };
    }
    const starts = await measureStarts(mode, host, image, k);
    await removeContainers(host.docker, (c) => c.Names.some((n) => n.startsWith(`/bench-${which}-start-`)));
    const changes = await measureChanges(mode, k, servers);
    const reloadsBefore = await mode.reloads();
    const load = await measureScaleUnderLoad(mode, image);
    process.stderr.write(
      `  ${which} (3): ${load.requests} requests, ${load.errors} errors (${load.timeouts} of them timeouts), ${load.non2xx} non-2xx, ${load.events} scale events in ${load.seconds} s\n`,
    );
    const reloadsTotal = await mode.reloads();
    const reloads = {
      reloads: reloadsTotal.reloads - reloadsBefore.reloads,
      failed: reloadsTotal.failed - reloadsBefore.failed,
    };
    return { starts, changes, load, reloads, reloadsTotal };
  } finally {
    while (local.length > 0) await local.pop()!().catch(() => undefined);
  }
}

/** autocannon counts a timeout as an error too. */
const failed = (l: LoadResult): number => l.errors + l.non2xx;

function table(results: Partial<Record<"hecd" | "seed", ModeResult>>): string {
  const cols = MODES as ("hecd" | "seed")[];
  const head = `| measure | ${cols.map((c) => (c === "hecd" ? "hecd (runtime API)" : "seed (confd -interval 10 + reload)")).join(" | ")} | hecd goal | met |`;
  const sep = `| --- | ${cols.map(() => "---").join(" | ")} | --- | --- |`;
  const hecd = results.hecd;
  const lat = (xs: number[] | undefined): string =>
    xs ? `p50 ${fmtMs(percentile(xs, 50))}, p99 ${fmtMs(percentile(xs, 99))} (n=${xs.length})` : "n/a";
  const fail = (l: LoadResult | undefined): string =>
    l
      ? `${failed(l)} failed of ${l.requests.toLocaleString("en-US")} (errors ${l.errors}, of which timeouts ${l.timeouts}; non-2xx ${l.non2xx}; ${l.events} scale events, ${l.seconds} s)`
      : "n/a";
  const met = (ok: boolean | undefined): string => (ok === undefined ? "n/a" : ok ? "yes" : "**no**");
  const rows = [
    [
      "(1) container started -> first request served by it",
      ...cols.map((c) => lat(results[c]?.starts.map((s) => s.ms))),
      "p99 < 1 s",
      met(
        hecd && hecd.starts.length > 0
          ? percentile(
              hecd.starts.map((s) => s.ms),
              99,
            ) < 1000
          : undefined,
      ),
    ],
    [
      "(2) etcd put -> HAProxy serving it",
      ...cols.map((c) => lat(results[c]?.changes.served)),
      "p99 < 20 ms",
      met(hecd ? percentile(hecd.changes.served, 99) < 20 : undefined),
    ],
    [
      "(3) failed requests during scale events",
      ...cols.map((c) => fail(results[c]?.load)),
      "0",
      met(
        hecd?.load
          ? failed(hecd.load) === 0 && hecd.load.requests >= REQUESTS && hecd.load.events >= SCALE_EVENTS
          : undefined,
      ),
    ],
    [
      "HAProxy reloads over the mode (master CLI `show proc`)",
      ...cols.map((c) => fmtReloads(results[c]?.reloadsTotal)),
      "(measure)",
      "-",
    ],
  ];
  return [head, sep, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** "3" or "3 (1 failed)"; counted by HAProxy's master (`show proc`). */
const fmtReloads = (c: ReloadCount | undefined): string =>
  c === undefined ? "n/a" : c.failed > 0 ? `${c.reloads} (${c.failed} failed)` : String(c.reloads);

function details(results: Partial<Record<"hecd" | "seed", ModeResult>>): string {
  const out: string[] = [];
  for (const [name, r] of Object.entries(results)) {
    if (!r) continue;
    const ds = r.starts.map((s) => s.dockerStartMs);
    out.push(
      `- ${name}: docker start call p50 ${fmtMs(percentile(ds, 50))} (not included in (1)); ` +
        `(1) samples ms: ${r.starts.map((s) => s.ms.toFixed(0)).join(", ")}; ` +
        `(2) samples ms: ${r.changes.served.map((x) => x.toFixed(1)).join(", ")}; ` +
        `(2) put -> seen by a second etcd watcher: p50 ${fmtMs(percentile(r.changes.watched, 50))}, p99 ${fmtMs(percentile(r.changes.watched, 99))} (n=${r.changes.watched.length}); ` +
        (r.load
          ? `(3) scale event p50 ${fmtMs(percentile(r.load.scaleMs, 50))}, p99 ${fmtMs(percentile(r.load.scaleMs, 99))}, ` +
            `HAProxy reloads during (3): ${fmtReloads(r.reloads)} (whole mode: ${fmtReloads(r.reloadsTotal)})` +
            (r.load.reqErrors.size > 0
              ? `; request errors: ${[...r.load.reqErrors].map(([m, n]) => `${m} x${n}`).join(", ")}`
              : "")
          : `(3) not run; HAProxy reloads over the mode: ${fmtReloads(r.reloadsTotal)}`),
    );
  }
  return out.join("\n");
}

async function main(): Promise<void> {
  requireTool("haproxy", "apt-get install -y haproxy");
  requireTool("etcd", "apt-get install -y etcd-server");
  const cleanups: (() => Promise<void>)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
      probeAgent.destroy();
      await prober.stop();
    })());
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      process.stderr.write(`${sig}: cleaning up\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  const watchdog = setTimeout(() => {
    process.stderr.write("up bench: over 15 minutes, giving up\n");
    void cleanup().finally(() => process.exit(3));
  }, 15 * 60_000);
  watchdog.unref();

  const t0 = now();
  const loadBefore = loadavg()[0]!.toFixed(1);
  const results: Partial<Record<"hecd" | "seed", ModeResult>> = {};
  try {
    const [host] = await startDockerHosts(1);
    cleanups.push(() => host!.stop());
    const image = await ensureTestImage(host!.docker);
    for (const m of MODES as ("hecd" | "seed")[]) results[m] = await runMode(m, host!, image, cleanups);
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }
  const cpu = cpus()[0]?.model ?? "unknown";
  console.log(table(results));
  console.log();
  console.log(details(results));
  console.log();
  console.log(
    `Machine: ${cpus().length} CPUs (${cpu}), Node ${process.version}, ${haproxyVersion()}; ` +
      `whole run ${((now() - t0) / 1000).toFixed(0)} s, 1-min load average ${loadBefore} at start and ${loadavg()[0]!.toFixed(1)} at the end. Percentiles are nearest-rank (with n < 100, p99 is the maximum).`,
  );
}

/**
 * The harness creates its bridge without an address, so Linux gives it the lowest MAC of its
 * ports: starting or stopping a container can change it, and containers that learnt the old
 * gateway MAC lose their replies to docker-proxy until ARP re-probes (5-7 s, seen as request
 * timeouts during scale events). dockerd gives its own bridge a fixed MAC; do the same here.
 */
function haproxyVersion(): string {
  const r = spawnSync("haproxy", ["-v"], { encoding: "utf8" });
  return (r.stdout.split("\n")[0] ?? "").replace(/ - https.*$/, "").trim();
}

main().catch((e: Error) => {
  console.error(`up bench failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
