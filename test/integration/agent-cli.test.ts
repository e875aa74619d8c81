// `hecd agent` as a real process, one per simulated Docker host (two dockerd, two loopback IPs).
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgentTestEnv, type AgentTestEnv } from "../harness/agent-env.js";
import { httpAnswer, publishedPort, runDemoContainer, type DockerHost } from "../harness/docker.js";
import type { EtcdServer } from "../harness/etcd.js";
import { freePort, waitFor } from "../harness/ports.js";

const root = resolve(import.meta.dirname, "../..");
const run = `c${process.pid}`;
let env: AgentTestEnv | undefined;
let etcd: EtcdServer;
let hosts: DockerHost[] = [];
const children: ChildProcess[] = [];

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function hecd(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: root,
    env: { ...process.env, ETCDCTL_ENDPOINTS: "", DOCKER_HOST: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once("exit", (code, signal) => r({ code, signal })),
  );
  return { child, output: () => out, exited };
}

function agentArgs(h: DockerHost, extra: string[] = []): string[] {
  return [
    "agent",
    "--etcd",
    etcd.endpoint,
    "--docker-host",
    h.endpoint,
    "--ttl",
    "3",
    "--prefix",
    `/app/${run}`,
    ...extra,
  ];
}

const value = (key: string): Promise<string | undefined> => env!.value(key);

/** Waits until `key` is in etcd; on timeout the error carries the agent's output. */
async function waitForKey(key: string, p: Proc): Promise<void> {
  await waitFor("key", async () => (await value(key)) !== undefined, 15_000, 20).catch((e) => {
    throw new Error(`${(e as Error).message}\n${p.output()}`);
  });
}

/** SIGTERM, then the agent must exit 0. */
async function expectCleanStop(p: Proc): Promise<void> {
  p.child.kill("SIGTERM");
  expect((await p.exited).code).toBe(0);
}

beforeAll(async () => {
  env = await startAgentTestEnv(2, { tls: true });
  ({ etcd, hosts } = env);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await env?.stop();
});

describe("hecd agent (process, two Docker hosts)", () => {
  it("each simulated host serves its containers at its own 127.0.0.N", async () => {
    expect(new Set(hosts.map((h) => h.ip)).size).toBe(2);
    for (const h of hosts) {
      const name = `${run}-probe-${h.name}`;
      const id = await runDemoContainer(h.docker, name);
      const p = await publishedPort(h.docker, id);
      expect(p.ip).toBe(h.ip);
      expect(await httpAnswer(`${p.ip}:${p.port}`)).toBe(name);
      await h.docker.getContainer(id).remove({ force: true });
    }
  });

  it("registers per host; SIGKILL of one agent drops its keys within the TTL plus etcd's expiry sweep (3.6 s) and keeps the other's", async () => {
    const [h1, h2] = hosts as [DockerHost, DockerHost];
    const a1 = hecd(agentArgs(h1));
    const a2 = hecd(agentArgs(h2));
    const n1 = `${run}-one`;
    const n2 = `${run}-two`;
    const id1 = await runDemoContainer(h1.docker, n1);
    const id2 = await runDemoContainer(h2.docker, n2);
    const k1 = `/app/${run}/${n1}`;
    const k2 = `/app/${run}/${n2}`;
    await waitFor(
      "both keys",
      async () => (await value(k1)) !== undefined && (await value(k2)) !== undefined,
      15_000,
      20,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\nagent 1:\n${a1.output()}\nagent 2:\n${a2.output()}`);
    });
    expect(await value(k1)).toBe(`${h1.ip}:${(await publishedPort(h1.docker, id1)).port}`);
    expect(await value(k2)).toBe(`${h2.ip}:${(await publishedPort(h2.docker, id2)).port}`);
    expect(await httpAnswer((await value(k1))!)).toBe(n1);
    expect(await httpAnswer((await value(k2))!)).toBe(n2);
    // the host record follows the keys (it is written at the end of each resync or event)
    const record = await waitFor("host record", async () => value(`/hecd/hosts/${h1.ip}`), 3000, 20);
    expect(JSON.parse(record)).toMatchObject({
      address: h1.ip,
      docker: h1.endpoint,
      containers: 1,
    });

    const t0 = performance.now();
    a1.child.kill("SIGKILL");
    await a1.exited;
    await waitFor(
      "agent 1 keys expire",
      async () => (await value(k1)) === undefined && (await value(`/hecd/hosts/${h1.ip}`)) === undefined,
      5000,
      20,
    );
    const took = performance.now() - t0;
    // The lease ends at most one TTL after its last keepalive (which was before the kill); etcd
    // sweeps expired leases every 500 ms, and the probe polls every 20 ms.
    expect(took).toBeLessThanOrEqual(3000 + 500 + 100);
    expect(await value(k2)).toBeDefined();
    // the surviving agent's keys are never touched by keepalives or by the other host's loss
    await new Promise((r) => setTimeout(r, 1000));
    expect(await value(k2)).toBe(`${h2.ip}:${(await publishedPort(h2.docker, id2)).port}`);

    a2.child.kill("SIGTERM");
    expect((await a2.exited).code).toBe(0);
    expect(a2.output()).toMatch(/"msg":"agent stopped"/);
  });

  it("serves Prometheus metrics with --metrics", async () => {
    const h = hosts[0]!;
    const port = await freePort();
    const a = hecd(agentArgs(h, ["--metrics", `127.0.0.1:${port}`]));
    const name = `${run}-metrics`;
    const id = await runDemoContainer(h.docker, name);
    await waitForKey(`/app/${run}/${name}`, a);
    const scrape = async (): Promise<string> => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const text = await waitFor(
      "metrics",
      async () => {
        const t = await scrape();
        // Containers of earlier tests may still run on this host: at least this one.
        return /^hecd_agent_registered_containers [1-9]\d*$/m.test(t) ? t : undefined;
      },
      5000,
      50,
    );
    expect(text).toMatch(/^hecd_agent_docker_up 1$/m);
    expect(text).toMatch(/^hecd_agent_registrations_total [1-9]/m);
    expect(text).toMatch(/^hecd_agent_resyncs_total [1-9]/m);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
    await h.docker.getContainer(id).remove({ force: true });
    await waitFor(
      "deregistered",
      async () => /^hecd_agent_deregistrations_total [1-9]/m.test(await scrape()),
      5000,
      50,
    );
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    await expectCleanStop(a);
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it("connects to Docker over TCP with TLS client certificates", async () => {
    const h = hosts[1]!;
    const tcp = h.tcp!;
    const name = `${run}-tls`;
    await runDemoContainer(h.docker, name);
    const p = hecd([
      "agent",
      "--etcd",
      etcd.endpoint,
      "--docker-host",
      tcp.endpoint,
      "--docker-tls-verify",
      "--docker-cert-path",
      tcp.certPath,
      "--ttl",
      "3",
      "--prefix",
      `/app/${run}-tls`,
      "--host-name",
      `${run}-tls`,
    ]);
    await waitForKey(`/app/${run}-tls/${name}`, p);
    expect(await httpAnswer((await value(`/app/${run}-tls/${name}`))!)).toBe(name);
    // The host record is published right after the first resync; wait for it.
    const record = await waitFor("host record", () => value(`/hecd/hosts/${run}-tls`), 10_000, 20);
    expect(JSON.parse(record)).toMatchObject({
      docker: tcp.endpoint,
      address: h.ip,
    });
    await expectCleanStop(p);
  });

  it("stops at once (no retry) when the Docker TLS certificates do not match", async () => {
    const [h0, h1] = hosts as [DockerHost, DockerHost];
    const p = hecd([
      "agent",
      "--etcd",
      etcd.endpoint,
      "--docker-host",
      h0.tcp!.endpoint,
      "--docker-tls-verify",
      "--docker-cert-path",
      h1.tcp!.certPath, // signed by the other host's CA
    ]);
    const r = await p.exited;
    expect(r.code).toBe(1);
    expect(p.output()).toMatch(
      /hecd agent: cannot reach Docker at tcp:\/\/127\.0\.0\.\d+:2376: .*check the Docker TLS certificates/,
    );
  });

  it("refuses plain TCP to Docker with an error naming the fix", async () => {
    const p = hecd(["agent", "--etcd", etcd.endpoint, "--docker-host", "tcp://127.0.0.1:2375"]);
    const r = await p.exited;
    expect(r.code).not.toBe(0);
    expect(p.output()).toMatch(/TCP without TLS client certificates; refusing/);
    expect(p.output()).toMatch(/--docker-tls-verify --docker-cert-path/);
  });

  it("fails clearly without an etcd endpoint", async () => {
    const p = hecd(["agent", "--docker-host", hosts[0]!.endpoint]);
    const r = await p.exited;
    expect(r.code).not.toBe(0);
    expect(p.output()).toMatch(/no etcd endpoint: pass --etcd/);
  });

  it("waits for a Docker daemon that is not up yet instead of exiting", async () => {
    const h = hosts[0]!;
    await h.kill();
    const p = hecd(agentArgs(h, ["--prefix", `/app/${run}-late`]));
    await waitFor(
      "retry log",
      () => /docker not reachable; retrying/.test(p.output()) || undefined,
      15_000,
      50,
    );
    expect(p.child.exitCode).toBeNull();
    await h.start();
    const name = `${run}-late`;
    await runDemoContainer(h.docker, name);
    await waitForKey(`/app/${run}-late/${name}`, p);
    await expectCleanStop(p);
  });

  it("takes etcd endpoints from ETCDCTL_ENDPOINTS", async () => {
    const h = hosts[1]!;
    const name = `${run}-envcfg`;
    await runDemoContainer(h.docker, name);
    const p = hecd(["agent", "--docker-host", h.endpoint, "--ttl", "3", "--prefix", `/app/${run}-env`], {
      ETCDCTL_ENDPOINTS: etcd.endpoint,
    });
    await waitForKey(`/app/${run}-env/${name}`, p);
    await expectCleanStop(p);
  });
});
