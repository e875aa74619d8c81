import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type AgentHandle } from "../../src/agent/agent.js";
import { openCluster } from "../../src/deploy/cluster.js";
import { connectHosts, type DeployHost } from "../../src/deploy/hosts.js";
import { listManaged } from "../../src/deploy/inventory.js";
import { listServices } from "../../src/deploy/ps.js";
import { runContainers } from "../../src/deploy/run.js";
import { scaleService } from "../../src/deploy/scale.js";
import { findByName, stopPlaced } from "../../src/deploy/stop.js";
import { Registry } from "../../src/registry/registry.js";
import { startDockerHosts, ensureTestImage, httpAnswer, type DockerHost } from "../harness/docker.js";
import { startEtcd, type EtcdServer } from "../harness/etcd.js";

const run = promisify(execFile);
const layout = { layout: "servers" as const, prefix: "/app/servers" };

describe("hecd run / stop / scale / ps across two Docker hosts", () => {
  let etcd: EtcdServer;
  let dockerHosts: DockerHost[];
  let hosts: DeployHost[];
  let registry: Registry;
  let image: string;

  beforeAll(async () => {
    [etcd, dockerHosts] = await Promise.all([startEtcd(), startDockerHosts(2)]);
    image = (await Promise.all(dockerHosts.map((h) => ensureTestImage(h.docker))))[0]!;
    hosts = connectHosts(dockerHosts.map((h) => ({ name: h.name, endpoint: h.endpoint, address: h.ip })));
    registry = await Registry.connect({ endpoints: [etcd.endpoint], ttlSeconds: 30 });
  });

  afterAll(async () => {
    await registry?.close({ revoke: true });
    await Promise.all((dockerHosts ?? []).map((h) => h.stop()));
    await etcd?.destroy();
  });

  it("spreads 6 replicas evenly, registers each, and every backend answers at its registered address", async () => {
    const launched = await runContainers({ image, service: "web", replicas: 6, hosts, registry, layout });
    expect(launched).toHaveLength(6);
    const perHost = new Map<string, number>();
    for (const l of launched) perHost.set(l.host, (perHost.get(l.host) ?? 0) + 1);
    expect([...perHost.values()]).toEqual([3, 3]);
    const keys = await registry.list("/app/servers");
    for (const l of launched) {
      expect(keys.get(`/app/servers/${l.name}`)).toBe(l.address);
      const host = dockerHosts.find((h) => h.name === l.host)!;
      expect(l.address.startsWith(`${host.ip}:`)).toBe(true);
      expect(await httpAnswer(l.address)).toContain(l.name);
    }
    const rows = await listServices({ hosts, registry, layout, service: "web" });
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.registered === "yes" && r.state === "running")).toBe(true);
  });

  it("stop deregisters, then stops and removes the container", async () => {
    const [victim] = await listManaged(hosts, { service: "web" });
    const key = `/app/servers/${victim!.name}`;
    const stopped = await stopPlaced(await findByName(hosts, [victim!.name]), {
      hosts,
      registry,
      layout,
      graceMs: 100,
    });
    expect(stopped.map((s) => s.key)).toEqual([key]);
    expect((await registry.list("/app/servers")).has(key)).toBe(false);
    expect((await listManaged(hosts, { service: "web" })).map((p) => p.name)).not.toContain(victim!.name);
  });

  it("an agent's resync while a stopped container drains does not register it again", async () => {
    const host = dockerHosts[0]!;
    const agent = await startAgent({
      docker: { host: host.endpoint },
      etcd: { endpoints: [etcd.endpoint] },
      hostIp: host.ip,
      hostName: host.name,
      ttlSeconds: 5,
      resyncIntervalMs: 0,
    });
    try {
      const [l] = await runContainers({
        image,
        service: "draining",
        replicas: 1,
        hosts: [hosts[0]!],
        registry,
        layout,
      });
      const key = `/app/servers/${l!.name}`;
      await agent.resync();
      expect((await registry.list("/app/servers")).get(key)).toBe(l!.address);
      const seenDuringDrain: (string | undefined)[] = [];
      await stopPlaced(await findByName(hosts, [l!.name]), {
        hosts,
        registry,
        layout,
        drainer: {
          drain: async () => {
            // The container still runs here: a resync must leave it out.
            await agent.resync();
            seenDuringDrain.push((await registry.list("/app/servers")).get(key));
            expect((await registry.list("/hecd/draining")).size).toBe(1);
          },
        },
      });
      expect(seenDuringDrain).toEqual([undefined]);
      expect((await registry.list("/hecd/draining")).size).toBe(0);
      await agent.resync();
      expect((await registry.list("/app/servers")).has(key)).toBe(false);
    } finally {
      await agent.stop({ revoke: true });
    }
  });

  it("scale goes up by copying a replica and down newest-first", async () => {
    const up = await scaleService("web", 8, { hosts, registry, layout, graceMs: 50 });
    expect(up.before).toBe(5);
    expect(up.after).toBe(8);
    expect(up.started).toHaveLength(3);
    const newest = new Set(up.started.map((s) => s.name));
    const down = await scaleService("web", 5, { hosts, registry, layout, graceMs: 50 });
    expect(new Set(down.stopped.map((s) => s.name))).toEqual(newest);
    expect(await listManaged(hosts, { service: "web", all: false })).toHaveLength(5);
    expect(
      [...(await registry.list("/app/servers")).keys()].filter((k) => newest.has(k.split("/").pop()!)),
    ).toEqual([]);
  });

  it("a missing image is a clear error and creates nothing", async () => {
    const before = (await listManaged(hosts)).length;
    await expect(
      runContainers({ image: "no-such-image:9", replicas: 2, hosts, registry, layout }),
    ).rejects.toThrow(/image no-such-image:9 is not present on Docker host\(s\) .*docker pull/);
    expect(await listManaged(hosts)).toHaveLength(before);
  });

  it("a container that cannot be registered (etcd gone) is removed again: no orphan", async () => {
    const doomed = await startEtcd();
    const lost = await Registry.connect({ endpoints: [doomed.endpoint], ttlSeconds: 0 });
    await doomed.destroy();
    const before = (await listManaged(hosts)).length;
    try {
      await expect(
        runContainers({ image, service: "web", hosts, registry: lost, layout, name: "orphan-check" }),
      ).rejects.toThrow(/container orphan-check on \S+ was removed again/);
    } finally {
      await lost.close();
    }
    expect(await listManaged(hosts)).toHaveLength(before);
  });

  it("finds the hosts that agents publish under /hecd/hosts/ when none is given", async () => {
    const agents: AgentHandle[] = await Promise.all(
      dockerHosts.map((h) =>
        startAgent({
          docker: { host: h.endpoint },
          etcd: { endpoints: [etcd.endpoint] },
          hostIp: h.ip,
          hostName: h.name,
          ttlSeconds: 5,
        }),
      ),
    );
    try {
      const cluster = await openCluster({ etcd: [etcd.endpoint], stateDir: "/nonexistent-hecd-state" });
      try {
        expect(cluster.hosts.map((h) => h.name).sort()).toEqual(dockerHosts.map((h) => h.name).sort());
        const launched = await runContainers({ image, service: "found", replicas: 2, ...cluster });
        const running = await listManaged(cluster.hosts, { all: false });
        const perHost = cluster.hosts.map((h) => running.filter((p) => p.host.name === h.name).length);
        expect(Math.max(...perHost) - Math.min(...perHost)).toBeLessThanOrEqual(1);
        for (const l of launched) expect(await httpAnswer(l.address)).toContain(l.name);
      } finally {
        await cluster.close();
      }
    } finally {
      await Promise.all(agents.map((a) => a.stop({ revoke: true })));
    }
  });

  it("the CLI runs and lists through the same library", async () => {
    const args = ["--import", "tsx", "src/cli/main.ts"];
    const common = [
      "--etcd",
      etcd.endpoint,
      ...hosts.flatMap((h) => ["--docker-host", `${h.endpoint}@${h.address}`]),
    ];
    const r = await run(process.execPath, [
      ...args,
      "run",
      image,
      "--service",
      "cli",
      "--name",
      "cli-one",
      ...common,
    ]);
    expect(r.stdout).toMatch(/^cli-one\t\S+\t127\.0\.0\.\d+:\d+\n$/);
    const ps = await run(process.execPath, [
      ...args,
      "ps",
      "--output",
      "json",
      "--service",
      "cli",
      ...common,
    ]);
    const rows = JSON.parse(ps.stdout) as { name: string; registered: string }[];
    expect(rows).toEqual([expect.objectContaining({ name: "cli-one", registered: "yes" })]);
    const stop = await run(process.execPath, [...args, "stop", "cli-one", "--grace", "0", ...common]);
    expect(stop.stdout).toMatch(/stopped cli-one on /);
  });
});
