// The agent against a real dockerd (own socket, bridge, --ip 127.0.0.N) and a real etcd.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Etcd3 } from "etcd3";
import { pino } from "pino";
import { startAgentTestEnv, type AgentTestEnv } from "../harness/agent-env.js";
import { httpAnswer, publishedPort, runDemoContainer, type DockerHost } from "../harness/docker.js";
import type { EtcdServer } from "../harness/etcd.js";
import { waitFor } from "../harness/ports.js";
import { startAgent, type AgentHandle, type AgentOptions } from "../../src/agent/agent.js";
import { hostKey } from "../../src/registry/keys.js";

let env: AgentTestEnv | undefined;
let etcd: EtcdServer;
let host: DockerHost;
const agents: AgentHandle[] = [];
const run = `t${process.pid}`;

interface LogLine {
  msg: string;
  [k: string]: unknown;
}

function capture(): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(JSON.parse(l) as LogLine);
      cb();
    },
  });
  return { log: pino({ level: "debug" }, sink), lines };
}

async function agent(extra: Partial<AgentOptions> = {}): Promise<{ agent: AgentHandle; lines: LogLine[] }> {
  const { log, lines } = capture();
  const a = await startAgent({
    docker: host.docker,
    etcd: { endpoints: [etcd.endpoint] },
    ttlSeconds: 3,
    logger: log,
    ...extra,
  });
  agents.push(a);
  return { agent: a, lines };
}

const value = (key: string): Promise<string | undefined> => env!.value(key);
const raw = (): Etcd3 => env!.raw;

async function timeUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const t0 = performance.now();
  await waitFor(what, async () => (await probe()) || undefined, timeoutMs, 10);
  return performance.now() - t0;
}

beforeAll(async () => {
  env = await startAgentTestEnv(1);
  etcd = env.etcd;
  host = env.hosts[0]!;
});

afterAll(async () => {
  for (const a of agents) await a.stop().catch(() => {});
  await env?.stop();
});

describe("hecd agent (servers layout)", () => {
  let a: AgentHandle;
  let lines: LogLine[];
  beforeAll(async () => {
    ({ agent: a, lines } = await agent());
  });

  it("detects the host IP from dockerd --ip and publishes the host record", async () => {
    expect(a.hostIp).toBe(host.ip);
    await waitFor("host record", async () => (await value(hostKey(a.hostName))) !== undefined, 3000);
    const rec = JSON.parse((await value(hostKey(a.hostName)))!) as Record<string, unknown>;
    expect(rec).toMatchObject({
      address: host.ip,
      docker: "(client given)",
      prefix: "/app/servers",
      layout: "servers",
    });
  });

  it("registers a started container within a second, at an address that answers with its name", async () => {
    const name = `${run}-web1`;
    const t0 = performance.now();
    const id = await runDemoContainer(host.docker, name);
    await waitFor("key", async () => (await value(`/app/servers/${name}`)) !== undefined, 1000, 5);
    const took = performance.now() - t0;
    const p = await publishedPort(host.docker, id);
    const addr = await value(`/app/servers/${name}`);
    expect(addr).toBe(`${host.ip}:${p.port}`);
    expect(await httpAnswer(addr!)).toBe(name);
    expect(took).toBeLessThan(1000);
    await waitFor(
      "count in host record",
      async () => (JSON.parse((await value(hostKey(a.hostName)))!) as { containers: number }).containers >= 1,
      2000,
    );
  });

  it("deregisters a container killed outside hecd (docker kill) within a second", async () => {
    const name = `${run}-kill1`;
    const id = await runDemoContainer(host.docker, name);
    await waitFor("key", async () => (await value(`/app/servers/${name}`)) !== undefined, 2000, 10);
    const t0 = performance.now();
    await host.docker.getContainer(id).kill();
    const took = await timeUntil(
      "key gone",
      async () => (await value(`/app/servers/${name}`)) === undefined,
      1000,
    );
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(took).toBeLessThan(1000);
  });

  it("deregisters on pause and stop, registers again on unpause", async () => {
    const name = `${run}-pause1`;
    const key = `/app/servers/${name}`;
    const id = await runDemoContainer(host.docker, name);
    const c = host.docker.getContainer(id);
    await waitFor("key", async () => (await value(key)) !== undefined, 2000, 10);
    await c.pause();
    await timeUntil("gone on pause", async () => (await value(key)) === undefined, 1000);
    await c.unpause();
    await timeUntil("back on unpause", async () => (await value(key)) !== undefined, 1000);
    await c.stop({ t: 1 });
    await timeUntil("gone on stop", async () => (await value(key)) === undefined, 2500);
  });

  it("skips a container whose port is not published, saying why", async () => {
    const name = `${run}-nopub`;
    await runDemoContainer(host.docker, name, { publish: false });
    const line = await waitFor(
      "skip log",
      () => lines.find((l) => l.msg === "not registered" && l.container === name),
      3000,
    );
    expect(String(line.reason)).toMatch(/container port 80\/tcp is not published \(start it with -P/);
    expect(await value(`/app/servers/${name}`)).toBeUndefined();
  });

  it("honours hecd.ignore and SERVICE_IGNORE", async () => {
    const a1 = `${run}-ign-label`;
    const a2 = `${run}-ign-env`;
    const control = `${run}-ign-control`;
    await runDemoContainer(host.docker, a1, { labels: { "hecd.ignore": "true" } });
    await runDemoContainer(host.docker, a2, { env: ["SERVICE_IGNORE=1"] });
    await runDemoContainer(host.docker, control);
    await waitFor(
      "control key",
      async () => (await value(`/app/servers/${control}`)) !== undefined,
      2000,
      10,
    );
    await a.resync();
    expect(await value(`/app/servers/${a1}`)).toBeUndefined();
    expect(await value(`/app/servers/${a2}`)).toBeUndefined();
    expect(lines.some((l) => l.container === a1 && l.reason === "label hecd.ignore is set")).toBe(true);
    expect(lines.some((l) => l.container === a2 && l.reason === "env SERVICE_IGNORE is set")).toBe(true);
  });

  it("resync deletes this host's stale leased keys, and leaves hand-written and other hosts' keys alone", async () => {
    const ghost = `/app/servers/${run}-ghost`;
    const foreign = `/app/servers/${run}-foreign`;
    const manual = `/app/servers/${run}-manual`;
    // A key left by an earlier agent (or `hecd run`) of this host carries a lease.
    await raw().lease(30, { autoKeepAlive: false }).put(ghost).value(`${host.ip}:1234`);
    await raw().put(foreign).value("192.0.2.77:80");
    await raw().put(manual).value(`${host.ip}:4999`);
    await a.resync();
    expect(await value(ghost)).toBeUndefined();
    expect(await value(foreign)).toBe("192.0.2.77:80");
    expect(await value(manual)).toBe(`${host.ip}:4999`);
    await raw().delete().key(foreign);
    await raw().delete().key(manual);
  });

  it("never rewrites keys on keepalive (mod revision stable over 3 TTLs)", async () => {
    const name = `${run}-stable`;
    await runDemoContainer(host.docker, name);
    const key = `/app/servers/${name}`;
    await waitFor("key", async () => (await value(key)) !== undefined, 2000, 10);
    const before = (await raw().get(key).exec()).kvs[0]!.mod_revision;
    await new Promise((r) => setTimeout(r, 9500));
    await a.resync();
    expect((await raw().get(key).exec()).kvs[0]!.mod_revision).toBe(before);
  });

  it("resyncs after an etcd restart: changes made while etcd was down land, nothing stale stays", async () => {
    const keep = `${run}-etcd-keep`;
    const gone = `${run}-etcd-gone`;
    const fresh = `${run}-etcd-fresh`;
    await runDemoContainer(host.docker, keep);
    const goneId = await runDemoContainer(host.docker, gone);
    await waitFor(
      "keys",
      async () =>
        (await value(`/app/servers/${keep}`)) !== undefined &&
        (await value(`/app/servers/${gone}`)) !== undefined,
      2000,
      10,
    );
    const keepValue = await value(`/app/servers/${keep}`);

    await etcd.stop();
    await host.docker.getContainer(goneId).kill();
    const freshId = await runDemoContainer(host.docker, fresh);
    await new Promise((r) => setTimeout(r, 4000)); // longer than the 3 s TTL
    await etcd.restart();
    env!.reconnect();

    const p = await publishedPort(host.docker, freshId);
    await timeUntil(
      "converged",
      async () =>
        (await value(`/app/servers/${fresh}`)) === `${host.ip}:${p.port}` &&
        (await value(`/app/servers/${gone}`)) === undefined &&
        (await value(`/app/servers/${keep}`)) === keepValue,
      8000,
    );
    // and it stays converged (no late expiry of an old lease takes keys away)
    await new Promise((r) => setTimeout(r, 4000));
    expect(await value(`/app/servers/${keep}`)).toBe(keepValue);
    expect(await value(`/app/servers/${fresh}`)).toBe(`${host.ip}:${p.port}`);
  });
});

describe("hecd agent (services layout)", () => {
  let lines: LogLine[];
  beforeAll(async () => {
    ({ lines } = await agent({ layout: "services", hostName: `${run}-svc` }));
  });

  it("registers under /services/<service>/<name> from label hecd.service or env SERVICE_NAME", async () => {
    const a1 = `${run}-svc-label`;
    const a2 = `${run}-svc-env`;
    const id1 = await runDemoContainer(host.docker, a1, { labels: { "hecd.service": "web" } });
    const id2 = await runDemoContainer(host.docker, a2, { env: ["SERVICE_NAME=api"] });
    await waitFor(
      "keys",
      async () =>
        (await value(`/services/web/${a1}`)) !== undefined &&
        (await value(`/services/api/${a2}`)) !== undefined,
      2000,
      10,
    );
    expect(await value(`/services/web/${a1}`)).toBe(
      `${host.ip}:${(await publishedPort(host.docker, id1)).port}`,
    );
    expect(await httpAnswer((await value(`/services/api/${a2}`))!)).toBe(a2);
    void id2;
  });

  it("takes the port from hecd.port / SERVICE_PORT", async () => {
    const name = `${run}-svc-port`;
    const id = await runDemoContainer(host.docker, name, {
      labels: { "hecd.service": "alt", "hecd.port": "8080" },
      env: ["HECD_HTTP_PORT=8080"],
      exposedPort: "8080/tcp",
    });
    const p = await publishedPort(host.docker, id, "8080/tcp");
    await waitFor(
      "key",
      async () => (await value(`/services/alt/${name}`)) === `${host.ip}:${p.port}`,
      2000,
      10,
    );
    expect(await httpAnswer(`${host.ip}:${p.port}`)).toBe(name);
  });

  it("skips a container without a service name, saying why", async () => {
    const name = `${run}-svc-none`;
    await runDemoContainer(host.docker, name);
    const line = await waitFor(
      "skip log",
      () => lines.find((l) => l.msg === "not registered" && l.container === name),
      3000,
    );
    expect(String(line.reason)).toMatch(/no service name: set label hecd.service or env SERVICE_NAME/);
  });
});

describe("hecd agent (periodic resync)", () => {
  it("puts back a key deleted behind its back, and removes a leased one added for a container that does not run", async () => {
    const prefix = `/app/${run}-periodic`;
    await agent({ prefix, hostName: `${run}-periodic`, resyncIntervalMs: 500 });
    const name = `${run}-periodic-1`;
    await runDemoContainer(host.docker, name);
    const key = `${prefix}/${name}`;
    await waitFor("key", async () => (await value(key)) !== undefined, 2000, 10);
    const good = await value(key);
    await raw().delete().key(key);
    await raw().lease(30, { autoKeepAlive: false }).put(`${prefix}/${run}-nobody`).value(`${host.ip}:1`);
    await timeUntil(
      "healed",
      async () => (await value(key)) === good && (await value(`${prefix}/${run}-nobody`)) === undefined,
      2000,
    );
  });
});

describe("hecd agent (startup and Docker outage)", () => {
  it("registers what already runs and deletes this host's stale keys at start", async () => {
    const pre = `${run}-pre`;
    const id = await runDemoContainer(host.docker, pre, { labels: { "hecd.service": "pre" } });
    const ghost = `/services/pre/${run}-ghost-pre`;
    await raw().lease(30, { autoKeepAlive: false }).put(ghost).value(`${host.ip}:4321`);
    const t0 = performance.now();
    await agent({ layout: "services", hostName: `${run}-svc2` });
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(await value(`/services/pre/${pre}`)).toBe(
      `${host.ip}:${(await publishedPort(host.docker, id)).port}`,
    );
    expect(await value(ghost)).toBeUndefined();
  });

  it("survives a hung dockerd: keeps the keys, reconnects when it answers, follows new events", async () => {
    const prefix = `/app/${run}-hang`;
    const { lines } = await agent({ prefix, hostName: `${run}-hang` });
    const before = `${run}-hang-before`;
    const id = await runDemoContainer(host.docker, before);
    const key = `${prefix}/${before}`;
    await waitFor("key", async () => (await value(key)) !== undefined, 2000, 10);
    host.pause();
    try {
      await waitFor(
        "hang noticed",
        () => lines.find((l) => l.msg === "docker unreachable; keeping this host's keys until it answers"),
        20_000,
      );
      expect(await value(key)).toBeDefined();
      // the container keeps serving while its daemon hangs
      expect(await httpAnswer((await value(key))!)).toBe(before);
    } finally {
      host.resume();
    }
    await waitFor(
      "stream back",
      () => lines.find((l) => l.msg === "docker event stream reconnected"),
      15_000,
    );
    const after = `${run}-hang-after`;
    await runDemoContainer(host.docker, after);
    await timeUntil(
      "new container registered",
      async () => (await value(`${prefix}/${after}`)) !== undefined,
      2000,
    );
    await host.docker.getContainer(id).kill();
    await timeUntil("killed container dropped", async () => (await value(key)) === undefined, 1000);
  });

  it("survives a dockerd crash: resyncs when it is back (dead containers dropped), follows new events", async () => {
    const prefix = `/app/${run}-crash`;
    const { agent: a, lines } = await agent({ prefix, hostName: `${run}-crash` });
    try {
      const before = `${run}-crash-before`;
      await runDemoContainer(host.docker, before);
      await waitFor("key", async () => (await value(`${prefix}/${before}`)) !== undefined, 2000, 10);
      await host.kill(); // dockerd, containerd and the shims: the container dies with them
      await waitFor(
        "outage noticed",
        () => lines.find((l) => l.msg === "docker event stream lost; reconnecting"),
        10_000,
      );
      await host.start();
      await waitFor(
        "stream back",
        () => lines.find((l) => l.msg === "docker event stream reconnected"),
        15_000,
      );
      await timeUntil(
        "dead container dropped by the resync",
        async () => (await value(`${prefix}/${before}`)) === undefined,
        3000,
      );
      const after = `${run}-crash-after`;
      await runDemoContainer(host.docker, after);
      await timeUntil(
        "new container registered",
        async () => (await value(`${prefix}/${after}`)) !== undefined,
        2000,
      );
      // The key can be read before the agent's own put has resolved in this process.
      await waitFor("agent counts it", () => a.status().registered === 1, 2000, 10);
      expect(a.status().registered).toBe(1);
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\nagent log:\n${lines.map((l) => JSON.stringify(l)).join("\n")}`,
        { cause: e },
      );
    }
  });
});
