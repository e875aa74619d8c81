// End to end: `hecd up --demo 3` as a real process, against a real dockerd, with the etcd
// and HAProxy it starts itself; scaling under load must not fail a single request.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import autocannon from "autocannon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDockerHosts, type DockerHost } from "../harness/docker.js";
import { freePort, waitFor } from "../harness/ports.js";
import { requireTool } from "../harness/tools.js";
import { MasterCli } from "../../src/haproxy/master.js";
import { Registry } from "../../src/registry/registry.js";
import type { StackInfo } from "../../src/stack/state.js";

const execFileP = promisify(execFile);
const CLI = ["--import", "tsx", "src/cli/main.ts"];

function hecd(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileP(process.execPath, [...CLI, ...args], { timeout: 120_000 });
}

async function get(url: string): Promise<string> {
  const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return (await r.text()).trim();
}

/** GETs through HAProxy that never throw: each attempt is counted, and each failure kept. */
class CountingProbe {
  sent = 0;
  readonly failures: string[] = [];

  async get(url: string): Promise<string | undefined> {
    this.sent++;
    try {
      return await get(url);
    } catch (e) {
      this.failures.push(`request ${this.sent}: ${(e as Error).message}`);
      return undefined;
    }
  }
}

describe("hecd up --demo 3", () => {
  let host: DockerHost;
  let stateDir: string;
  let up: ChildProcess;
  let output = "";
  let port: number;
  let metricsPort: number;
  let url: string;
  let info: StackInfo;
  let common: string[];

  beforeAll(async () => {
    requireTool("haproxy", "apt-get install -y haproxy");
    requireTool("etcd", "apt-get install -y etcd-server");
    [host] = await startDockerHosts(1);
    stateDir = mkdtempSync(join(tmpdir(), "hecd-up-"));
    port = await freePort();
    metricsPort = await freePort();
    common = ["--state-dir", stateDir];
    up = spawn(
      process.execPath,
      [
        ...CLI,
        "up",
        "--demo",
        "3",
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--state-dir",
        stateDir,
        "--docker-host",
        host.endpoint,
        "--ttl",
        "5",
        "--log-level",
        "warn",
        "--metrics",
        `127.0.0.1:${metricsPort}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    up.stdout!.on("data", (d) => (output += d));
    up.stderr!.on("data", (d) => (output += d));
    await waitFor(
      "hecd up to print its URL",
      () =>
        output.includes("Press Ctrl-C") ||
        (up.exitCode !== null ? Promise.reject(new Error(output)) : undefined),
      120_000,
      100,
    );
    url = `http://127.0.0.1:${port}/`;
    info = JSON.parse(readFileSync(join(stateDir, "stack.json"), "utf8")) as StackInfo;
  }, 240_000);

  afterAll(async () => {
    if (up && up.exitCode === null) {
      up.kill("SIGTERM");
      await new Promise((r) => up.once("exit", r));
    }
    await host?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  it("prints the URL, the stats URL and a password stored 0600 once", () => {
    expect(output).toContain(`service URL:  http://127.0.0.1:${port}/`);
    expect(output).toContain("/admin-status");
    const pw = readFileSync(join(stateDir, "stats-password"), "utf8").trim();
    expect(pw.length).toBeGreaterThanOrEqual(16);
    expect(output).toContain(pw);
    expect(statSync(join(stateDir, "stats-password")).mode & 0o777).toBe(0o600);
  });

  it("serves all three replicas through HAProxy, and the stats page needs the password", async () => {
    const seen = new Set<string>();
    await waitFor(
      "all 3 replicas answering",
      async () => {
        seen.add(await get(url));
        return seen.size === 3 ? true : undefined;
      },
      30_000,
      20,
    );
    expect(seen.size).toBe(3);
    const stats = await fetch(`${url}admin-status`);
    expect(stats.status).toBe(401);
    const pw = readFileSync(join(stateDir, "stats-password"), "utf8").trim();
    const ok = await fetch(`${url}admin-status`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${pw}`).toString("base64")}` },
    });
    expect(ok.status).toBe(200);
  });

  it("serves its metrics: the agent's registrations and the servers HAProxy balances across", async () => {
    expect(output).toContain(`metrics:      http://127.0.0.1:${metricsPort}/metrics`);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/^hecd_agent_registered_containers 3$/m);
    expect(text).toMatch(/^hecd_lb_desired_servers 3$/m);
    expect(text).toMatch(/^hecd_lb_applies_total [1-9]/m);
    expect(text).toMatch(/^hecd_haproxy_restarts_total 0$/m);
  });

  it("ps finds the stack through --state-dir alone", async () => {
    const { stdout } = await hecd(["ps", "--output", "json", ...common]);
    const rows = JSON.parse(stdout) as { service: string; registered: string; state: string }[];
    expect(
      rows.filter((r) => r.service === "web" && r.state === "running" && r.registered === "yes"),
    ).toHaveLength(3);
  });

  it("scales 6 -> 1 -> 4 under load with zero failed requests", async () => {
    const load = autocannon({ url, connections: 8, duration: 600, timeout: 5 });
    // The probe's own requests go through HAProxy during the scale events too: a failed one
    // counts as a failed request, it is not retried away.
    const probe = new CountingProbe();
    const counts: number[] = [];
    try {
      for (const n of [6, 1, 4]) {
        await hecd(["scale", "web", String(n), ...common]);
        await waitFor(
          `HAProxy to serve ${n} replicas`,
          async () => {
            const seen = new Set<string>();
            for (let i = 0; i < n * 6; i++) {
              const name = await probe.get(url);
              if (name !== undefined) seen.add(name);
            }
            return seen.size === n ? true : undefined;
          },
          30_000,
          100,
        ).catch((e: Error) => {
          throw new Error(`${e.message}; failed probe requests: ${probe.failures.join("; ") || "none"}`);
        });
        counts.push(n);
      }
    } finally {
      (load as unknown as { stop(): void }).stop();
    }
    const result = await load;
    expect(counts).toEqual([6, 1, 4]);
    expect(probe.failures).toEqual([]);
    expect(probe.sent).toBeGreaterThanOrEqual((6 + 1 + 4) * 6);
    expect(result.requests.total).toBeGreaterThan(1000);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
  }, 300_000);

  it("docker kill of a replica: traffic stops going to it and its key is gone", async () => {
    const registry = await Registry.connect({ endpoints: info.etcdEndpoints, ttlSeconds: 0 });
    try {
      const keys = await registry.list("/app/servers");
      const victim = [...keys.keys()][0]!.split("/").pop()!;
      await host.docker.getContainer(victim).kill();
      const t0 = Date.now();
      await waitFor(
        "key removed",
        async () => ((await registry.list("/app/servers")).has(`/app/servers/${victim}`) ? undefined : true),
        5_000,
        20,
      );
      const keyGoneMs = Date.now() - t0;
      expect(keyGoneMs).toBeLessThan(2_000);
      // After the health-check window nothing reaches the dead replica.
      await new Promise((r) => setTimeout(r, 4_500));
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) seen.add(await get(url));
      expect(seen.has(victim)).toBe(false);
      expect(seen.size).toBe(3);
    } finally {
      await registry.close();
    }
  });

  it("HAProxy killed outright is restarted by hecd up and serves again", async () => {
    const master = new MasterCli(info.haproxy.masterSocket);
    const before = (await master.showProc()).master.pid;
    process.kill(before, "SIGKILL");
    const after = await waitFor(
      "a new HAProxy master",
      async () => {
        const pid = (await master.showProc()).master.pid;
        return pid !== before ? pid : undefined;
      },
      30_000,
      100,
    );
    expect(after).not.toBe(before);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) seen.add(await get(url));
    expect(seen.size).toBe(3);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/^hecd_haproxy_restarts_total 1$/m);
  }, 60_000);

  it("SIGTERM stops everything it started", async () => {
    up.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => up.once("exit", (c) => r(c)));
    expect(code).toBe(0);
    const procs = (await execFileP("ps", ["-eo", "args"])).stdout
      .split("\n")
      .filter((l) => l.includes(stateDir));
    expect(procs).toEqual([]);
    const left = await host.docker.listContainers({ all: true, filters: { label: ["hecd.service=web"] } });
    expect(left).toEqual([]);
    await expect(fetch(url, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
  }, 60_000);
});
