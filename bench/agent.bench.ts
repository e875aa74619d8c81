// `npm run bench agent`: hecd agent against a real dockerd (test harness) and a real etcd.
//  1. event -> key latency: N containers started one after another; for each, the time from the
//     Docker `start` event (daemon timestamp) to the moment an etcd watcher sees the key written,
//     and from the `die` event of `docker kill` to the key's deletion.
//  2. resync: M running containers, agent started cold; time until all M keys exist.
// Env: BENCH_AGENT_STARTS (default 100), BENCH_AGENT_RESYNC (default 200).
import { Etcd3 } from "etcd3";
import { pino } from "pino";
import { startAgent } from "../src/agent/agent.js";
import { startEtcd } from "../test/harness/etcd.js";
import { ensureTestImage, runDemoContainer, startDockerHosts } from "../test/harness/docker.js";
import { waitFor } from "../test/harness/ports.js";

const STARTS = Number(process.env.BENCH_AGENT_STARTS ?? 100);
const RESYNC = Number(process.env.BENCH_AGENT_RESYNC ?? 200);
const TTL = 15;

const now = () => performance.timeOrigin + performance.now();

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function row(what: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1);
  return `| ${what} | ${s.length} | ${f(pct(s, 50))} | ${f(pct(s, 99))} | ${f(s[s.length - 1]!)} |`;
}

const etcd = await startEtcd();
const [host] = await startDockerHosts(1);
const raw = new Etcd3({ hosts: etcd.endpoint });
const results: string[] = [];
try {
  const docker = host!.docker;
  await ensureTestImage(docker);

  // --- 1. event -> key latency -------------------------------------------------------------
  const prefix = "/bench/latency";
  const startAt = new Map<string, number>();
  const killAt = new Map<string, number>();
  const events = await docker.getEvents({ filters: { type: ["container"], event: ["start", "kill"] } });
  let evBuf = "";
  events.on("data", (d: Buffer) => {
    evBuf += d.toString();
    let nl: number;
    while ((nl = evBuf.indexOf("\n")) >= 0) {
      const line = evBuf.slice(0, nl);
      evBuf = evBuf.slice(nl + 1);
      if (!line.trim()) continue;
      const ev = JSON.parse(line) as {
        Action: string;
        Actor: { Attributes: { name: string } };
        timeNano: number;
      };
      (ev.Action === "start" ? startAt : killAt).set(ev.Actor.Attributes.name, ev.timeNano / 1e6);
    }
  });
  const putAt = new Map<string, number>();
  const delAt = new Map<string, number>();
  const watcher = await raw.watch().prefix(`${prefix}/`).create();
  watcher.on("put", (kv) => putAt.set(kv.key.toString().slice(prefix.length + 1), now()));
  watcher.on("delete", (kv) => delAt.set(kv.key.toString().slice(prefix.length + 1), now()));

  const agent = await startAgent({
    docker,
    etcd: { endpoints: [etcd.endpoint] },
    ttlSeconds: TTL,
    prefix,
    resyncIntervalMs: 0,
  });
  const ids: Array<[string, string]> = [];
  for (let i = 0; i < STARTS; i++) {
    const name = `lat-${i}`;
    ids.push([name, await runDemoContainer(docker, name)]);
    await waitFor(`key ${name}`, () => putAt.has(name), 10_000, 1);
  }
  for (const [name, id] of ids) {
    await docker.getContainer(id).kill();
    await waitFor(`delete ${name}`, () => delAt.has(name), 10_000, 1);
  }
  await waitFor("all events", () => startAt.size >= STARTS && killAt.size >= STARTS, 10_000);
  const reg = ids.map(([n]) => putAt.get(n)! - startAt.get(n)!);
  const dereg = ids.map(([n]) => delAt.get(n)! - killAt.get(n)!);
  await agent.stop({ revoke: true });
  (events as unknown as { destroy(): void }).destroy();
  await watcher.cancel();
  await Promise.all(ids.map(([, id]) => docker.getContainer(id).remove({ force: true })));

  results.push(
    `Event -> key latency, ${STARTS} containers started one at a time (ms, Docker event timestamp to etcd watch notification):`,
    "",
    "| transition | n | p50 | p99 | max |",
    "| --- | --- | --- | --- | --- |",
    row("`start` event -> key written", reg),
    row("`kill` event (docker kill, SIGKILL) -> key deleted", dereg),
    "",
  );

  // --- 2. resync of many running containers ------------------------------------------------
  const rprefix = "/bench/resync";
  const t0 = now();
  for (let i = 0; i < RESYNC; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, RESYNC - i) }, (_, k) => runDemoContainer(docker, `rs-${i + k}`)),
    );
  }
  const createMs = now() - t0;
  const count = async () => Number((await raw.getAll().prefix(`${rprefix}/`).count()) ?? 0);
  const s0 = now();
  const a2 = await startAgent({
    logger: pino({ level: process.env.BENCH_LOG ?? "silent" }, pino.destination(2)),
    docker,
    etcd: { endpoints: [etcd.endpoint] },
    ttlSeconds: TTL,
    prefix: rprefix,
    resyncIntervalMs: 0,
  });
  const startedMs = now() - s0;
  await waitFor("all resync keys", async () => (await count()) >= RESYNC, 60_000, 5);
  const coldMs = now() - s0;
  const w0 = now();
  await a2.resync();
  const warmMs = now() - w0;
  await a2.stop({ revoke: true });

  results.push(
    `Resync of ${RESYNC} running containers (creating them took ${(createMs / 1000).toFixed(1)} s):`,
    "",
    "| measure | ms |",
    "| --- | --- |",
    `| startAgent() returned (initial resync done) | ${startedMs.toFixed(0)} |`,
    `| cold start -> all ${RESYNC} keys in etcd | ${coldMs.toFixed(0)} |`,
    `| warm resync (all keys already right, no writes) | ${warmMs.toFixed(0)} |`,
    "",
  );
} finally {
  raw.close();
  await host!.stop();
  await etcd.destroy();
}
console.log(results.join("\n"));
