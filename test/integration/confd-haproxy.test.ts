// The seed architecture end to end: /app/servers/<name> = ip:port in etcd, the example
// template rendered by hecd confd, checked by `haproxy -c`, and a real HAProxy reloaded.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../harness/ports.js";
import { requireTool } from "../harness/tools.js";
import { startEtcd, type EtcdServer } from "../harness/etcd.js";
import { confdInProcess, eventually, makeConfdir, REPO } from "./confd-helpers.js";

const EXAMPLE = join(REPO, "examples/haproxy");
let etcd: EtcdServer;
let client: Etcd3;
let dir: string;
let haproxy: ChildProcess | undefined;
let haproxyOut = "";
const backends: { name: string; port: number; server: Server }[] = [];
let env: NodeJS.ProcessEnv;
let frontPort: number;

async function startBackend(name: string) {
  const server = createServer((_req, res) => res.end(name));
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  backends.push({ name, port, server });
  return port;
}

/** Who answers on the HAProxy frontend over a few round-robin requests. */
async function served(n = 8): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const r = await fetch(`http://127.0.0.1:${frontPort}/`, { headers: { connection: "close" } });
    seen.add(await r.text());
  }
  return [...seen].sort();
}

function stats(socket: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const s = connect(socket, () => s.end(cmd + "\n"));
    s.on("data", (d) => (out += d));
    s.on("end", () => resolve(out));
    s.on("error", reject);
  });
}

beforeAll(async () => {
  requireTool("haproxy", "apt-get install -y haproxy");
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  const toml = readFileSync(join(EXAMPLE, "conf.d/haproxy.toml"), "utf8")
    .replace("/etc/haproxy/haproxy.cfg", "{{DIR}}/out/haproxy.cfg")
    .replace(
      "systemctl reload haproxy",
      "kill -USR2 $(cat {{DIR}}/haproxy.pid) && echo reload >> {{DIR}}/reloads",
    );
  dir = makeConfdir([{ name: "haproxy", toml, tmpl: "" }]);
  writeFileSync(
    join(dir, "templates/haproxy.cfg.tmpl"),
    readFileSync(join(EXAMPLE, "templates/haproxy.cfg.tmpl")),
  );
  rmSync(join(dir, "templates/haproxy.tmpl"));
  frontPort = await freePort();
  env = {
    HAPROXY_BIND: `127.0.0.1:${frontPort}`,
    HAPROXY_STATS_SOCKET: join(dir, "stats.sock"),
    PATH: process.env.PATH,
  };
});

afterAll(async () => {
  if (haproxy && haproxy.exitCode === null) {
    const gone = new Promise((r) => haproxy!.once("exit", r));
    haproxy.kill("SIGTERM");
    await gone;
  }
  for (const b of backends) b.server.close();
  client?.close();
  await etcd?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const args = () => ["-backend", "etcdv3", "-node", etcd.endpoint, "-confdir", dir];
const dest = () => join(dir, "out/haproxy.cfg");
const reloads = () =>
  existsSync(join(dir, "reloads"))
    ? readFileSync(join(dir, "reloads"), "utf8").split("\n").filter(Boolean).length
    : 0;

describe("the seed example with a real HAProxy", () => {
  it("renders /app/servers into a config haproxy -c accepts, and HAProxy serves it", async () => {
    await client
      .put("/app/servers/backstabbing_rosalind")
      .value(`127.0.0.1:${await startBackend("rosalind")}`);
    await client.put("/app/servers/cocky_morse").value(`127.0.0.1:${await startBackend("morse")}`);
    // The first render has no HAProxy to reload yet: sync only.
    const r = await confdInProcess(["-onetime", "-sync-only", ...args()], { env });
    expect(r.code, JSON.stringify(r.logs)).toBe(0);
    const cfg = readFileSync(dest(), "utf8");
    expect(cfg).toContain("server backstabbing_rosalind 127.0.0.1:");
    expect(cfg).toContain("check inter 5000 fall 1 rise 2");
    expect(cfg).not.toContain("admin:123456");
    expect(cfg).not.toContain("stats auth");

    haproxy = spawn(
      "haproxy",
      ["-W", "-db", "-S", join(dir, "master.sock"), "-p", join(dir, "haproxy.pid"), "-f", dest()],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    haproxy.stdout!.on("data", (d) => (haproxyOut += d));
    haproxy.stderr!.on("data", (d) => (haproxyOut += d));
    await eventually("haproxy serving", async () => (await served()).length === 2, 15_000);
    expect(await served()).toEqual(["morse", "rosalind"]);
  });

  it("reloads HAProxy after a change (watch mode), and only then", async () => {
    const ac = new AbortController();
    const run = confdInProcess(["-watch", ...args()], { env, signal: ac.signal });
    try {
      await new Promise((r) => setTimeout(r, 500));
      expect(reloads()).toBe(0);
      await client.put("/app/servers/goofy_goldstine").value(`127.0.0.1:${await startBackend("goldstine")}`);
      await eventually("goldstine served", async () => (await served(12)).includes("goldstine"), 15_000);
      expect(reloads()).toBe(1);
      const state = await eventually("stats socket", () =>
        stats(join(dir, "stats.sock"), "show servers state app"),
      );
      expect(state).toContain("goofy_goldstine");

      await client.delete().key("/app/servers/backstabbing_rosalind");
      await eventually(
        "rosalind gone",
        async () => {
          const s = await served(12);
          return s.length === 2 && !s.includes("rosalind");
        },
        15_000,
      );
      expect(reloads()).toBe(2);
      expect(haproxy!.exitCode, haproxyOut).toBeNull();
    } finally {
      ac.abort();
    }
    expect((await run).code).toBe(0);
  });

  it("a value HAProxy rejects fails the check: the old config stays and HAProxy keeps serving", async () => {
    const before = readFileSync(dest(), "utf8");
    await client.put("/app/servers/prickly_blackwell").value("127.0.0.1:99999");
    const r = await confdInProcess(["-onetime", ...args()], { env });
    expect(r.code).toBe(1);
    expect(r.logs.some((l) => l.level === 50 && String(l.msg).includes("invalid port '99999'"))).toBe(true);
    expect(readFileSync(dest(), "utf8")).toBe(before);
    expect(reloads()).toBe(2);
    expect(await served(12)).toEqual(["goldstine", "morse"]);
    await client.delete().key("/app/servers/prickly_blackwell");
  });

  it("a value or key with a newline or spaces never injects directives into dest", async () => {
    await client.put("/app/servers/evil").value("1.2.3.4:80\n  stats auth x:y");
    await client.put("/app/servers/evil2").value("1.2.3.4:80 backup");
    await client.put("/app/servers/evil3\n  stats enable").value("1.2.3.4:80");
    const r = await confdInProcess(["-onetime", ...args()], { env });
    expect(r.code).toBe(0);
    const cfg = readFileSync(dest(), "utf8");
    expect(cfg).not.toContain("stats auth x:y");
    expect(cfg).not.toContain("backup");
    expect(cfg).not.toContain("stats enable");
    expect(cfg).not.toContain("1.2.3.4");
    expect(cfg.match(/an entry under \/app\/servers was skipped/g)).toHaveLength(3);
    expect(await served(12)).toEqual(["goldstine", "morse"]);
    for (const k of ["/app/servers/evil", "/app/servers/evil2", "/app/servers/evil3\n  stats enable"])
      await client.delete().key(k);
  });

  it("turns the stats page on only with HAPROXY_STATS_AUTH", async () => {
    const r = await confdInProcess(["-onetime", ...args()], {
      env: { ...env, HAPROXY_STATS_AUTH: "ops:s3cret" },
    });
    expect(r.code).toBe(0);
    expect(readFileSync(dest(), "utf8")).toContain("stats auth ops:s3cret");
    await eventually(
      "stats page",
      async () => {
        // connection: close, or a kept-alive connection would still talk to the old worker.
        const denied = await fetch(`http://127.0.0.1:${frontPort}/admin-status`, {
          headers: { connection: "close" },
        });
        const ok = await fetch(`http://127.0.0.1:${frontPort}/admin-status`, {
          headers: {
            connection: "close",
            authorization: "Basic " + Buffer.from("ops:s3cret").toString("base64"),
          },
        });
        return denied.status === 401 && ok.status === 200;
      },
      15_000,
    );
  });
});
