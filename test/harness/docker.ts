// Several Docker "hosts" on one machine: each a separate dockerd with its own socket, data and
// exec roots, bridge (10.213.<slot>.0/24) and `--ip 127.0.0.<10+slot>`, so `-P` ports bind on that
// loopback address. `--iptables=false` keeps the daemons from rewriting each other's (or the
// machine's) firewall chains; published ports are served by docker-proxy. Slots are claimed with
// lock files so parallel test files never collide; a slot left behind by a dead process is reclaimed.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { ensureDemoImage } from "../../src/images/demo.js";
import { waitFor } from "./ports.js";
import { alive, stopChild } from "./process.js";
import { makeTestCerts } from "./tls.js";
import { requireTool } from "./tools.js";

export interface DockerHost {
  /** Host name, e.g. `hecd-h12` (unique per slot). */
  name: string;
  /** Path of the dockerd socket. */
  socket: string;
  /** `unix://<socket>` */
  endpoint: string;
  /** With `{ tls: true }`: `tcp://<ip>:2376`, served with --tlsverify, and the client cert dir. */
  tcp?: { endpoint: string; certPath: string };
  /** Address published ports bind to: `127.0.0.<10+slot>`. */
  ip: string;
  /** Bridge interface name. */
  bridge: string;
  docker: Docker;
  /** Removes all containers, stops dockerd, deletes its dirs and bridge. */
  stop(): Promise<void>;
  /** Kills dockerd (SIGKILL) without cleanup, for outage tests; start() brings it back. */
  kill(): Promise<void>;
  /** Starts dockerd again on the same dirs after kill(). */
  start(): Promise<void>;
  /** Freezes dockerd (SIGSTOP): its API hangs while containers keep serving. */
  pause(): void;
  /** Thaws it (SIGCONT). */
  resume(): void;
}

const SLOT_DIR = "/tmp/hecd-docker-slots";
const MAX_SLOTS = 200;

/** Pids whose command line mentions `dir` (our dockerd, its containerd and shims) or our subnet (docker-proxy). */
function pidsUsing(dir: string, subnet?: string): number[] {
  const out: number[] = [];
  for (const ent of readdirSync("/proc")) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const cmd = readFileSync(`/proc/${ent}/cmdline`, "utf8");
      if (cmd.includes(dir) || (subnet !== undefined && cmd.includes(`\0${subnet}`))) out.push(Number(ent));
    } catch {
      // exited meanwhile
    }
  }
  return out.filter((p) => p !== process.pid);
}

function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync("umount", ["-l", m], { stdio: "ignore" });
    } catch {
      // already gone
    }
  }
}

function deleteBridge(bridge: string): void {
  try {
    execFileSync("ip", ["link", "del", bridge], { stdio: "ignore" });
  } catch {
    // not there
  }
}

/** Kills everything a slot's run left behind and removes its dirs and bridge. */
function cleanupRemains(dir: string, bridge: string, subnet?: string): void {
  for (const pid of pidsUsing(dir, subnet)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  unmountUnder(dir);
  rmSync(dir, { recursive: true, force: true });
  deleteBridge(bridge);
}

interface Slot {
  index: number;
  lockFile: string;
}

function claimSlot(): Slot {
  mkdirSync(SLOT_DIR, { recursive: true });
  for (let i = 0; i < MAX_SLOTS; i++) {
    const lockFile = join(SLOT_DIR, `${i}.lock`);
    if (existsSync(lockFile)) {
      let stale = false;
      try {
        const info = JSON.parse(readFileSync(lockFile, "utf8")) as {
          pid: number;
          dir?: string;
          bridge: string;
        };
        if (!alive(info.pid)) {
          stale = true;
          if (info.dir) cleanupRemains(info.dir, info.bridge, subnetPrefix(i));
          else deleteBridge(info.bridge);
        }
      } catch {
        stale = false; // being written right now by its owner
      }
      if (!stale) continue;
      rmSync(lockFile, { force: true });
    }
    try {
      const fd = openSync(lockFile, "wx");
      writeSync(fd, JSON.stringify({ pid: process.pid, bridge: bridgeName(i) }));
      closeSync(fd);
      return { index: i, lockFile };
    } catch {
      // someone else took it
    }
  }
  throw new Error(`all ${MAX_SLOTS} docker host slots in ${SLOT_DIR} are taken`);
}

function subnetPrefix(i: number): string {
  return `10.213.${i}.`;
}

function bridgeName(i: number): string {
  return `hecdbr${i}`;
}

async function startDockerHost(slot: Slot, dockerd: string, opts: DockerHostOptions): Promise<DockerHost> {
  const i = slot.index;
  const name = `hecd-h${i}`;
  const ip = `127.0.0.${10 + i}`;
  const bridge = bridgeName(i);
  const dir = mkdtempSync(`/tmp/hd${i}-`);
  writeFileSync(slot.lockFile, JSON.stringify({ pid: process.pid, dir, bridge }));
  const socket = join(dir, "docker.sock");
  writeFileSync(join(dir, "daemon.json"), "{}\n");
  deleteBridge(bridge);
  // A fixed MAC: otherwise the bridge takes the lowest MAC of its ports, and when that
  // container stops, the others keep answering an address that no longer exists (~5 s of
  // lost replies until ARP re-probes).
  const mac = `02:68:65:63:${(i & 0xff).toString(16).padStart(2, "0")}:01`;
  execFileSync("ip", ["link", "add", bridge, "address", mac, "type", "bridge"]);
  execFileSync("ip", ["addr", "add", `${subnetPrefix(i)}1/24`, "dev", bridge]);
  execFileSync("ip", ["link", "set", bridge, "up"]);

  let tcp: DockerHost["tcp"];
  const tlsArgs: string[] = [];
  if (opts.tls) {
    const certs = makeTestCerts(join(dir, "certs"), { ips: [ip] });
    tcp = { endpoint: `tcp://${ip}:2376`, certPath: certs.client.dir };
    tlsArgs.push(
      "-H",
      tcp.endpoint,
      "--tlsverify",
      "--tlscacert",
      certs.ca,
      "--tlscert",
      certs.server.cert,
      "--tlskey",
      certs.server.key,
    );
  }
  let proc: ChildProcess | undefined;
  let log = "";
  const launch = async () => {
    log = "";
    proc = spawn(
      dockerd,
      [
        "-H",
        `unix://${socket}`,
        "--config-file",
        join(dir, "daemon.json"),
        "--data-root",
        join(dir, "data"),
        "--exec-root",
        join(dir, "exec"),
        "--pidfile",
        join(dir, "docker.pid"),
        "--storage-driver=vfs",
        "--bridge",
        bridge,
        "--ip",
        ip,
        "--iptables=false",
        "--ip-masq=false",
        "--userland-proxy=true",
        "--log-level=warn",
        ...tlsArgs,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    proc.stdout?.on("data", (d) => (log = (log + d).slice(-8000)));
    proc.stderr?.on("data", (d) => (log = (log + d).slice(-8000)));
    const p = proc;
    const exited = new Promise<never>((_, reject) =>
      p.once("exit", (code) => reject(new Error(`dockerd ${name} exited with ${code}: ${log.slice(-3000)}`))),
    );
    exited.catch(() => {});
    const probe = new Docker({ socketPath: socket, timeout: 2000 });
    await Promise.race([
      waitFor(`dockerd ${name}`, async () => (await probe.ping()) && true, 30_000, 100),
      exited,
    ]);
  };

  const stopProc = async (signal: NodeJS.Signals) => {
    const p = proc;
    proc = undefined;
    await stopChild(p, signal, 15_000);
  };

  await launch();
  const docker = new Docker({ socketPath: socket });
  let stopped = false;
  return {
    name,
    socket,
    endpoint: `unix://${socket}`,
    ...(tcp ? { tcp } : {}),
    ip,
    bridge,
    docker,
    kill: async () => {
      await stopProc("SIGKILL");
      // the managed containerd and shims keep running without dockerd; end them too
      for (const pid of pidsUsing(dir, subnetPrefix(i))) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      unmountUnder(join(dir, "exec"));
      // A killed dockerd or containerd may linger as a zombie that still "exists" for kill(pid, 0);
      // without their pid files the next dockerd neither refuses to start nor waits for that one.
      rmSync(join(dir, "exec", "containerd", "containerd.pid"), { force: true });
      rmSync(join(dir, "docker.pid"), { force: true });
      rmSync(join(dir, "exec", "containerd", "containerd.sock"), { force: true });
    },
    start: launch,
    pause: () => {
      proc?.kill("SIGSTOP");
    },
    resume: () => {
      proc?.kill("SIGCONT");
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      proc?.kill("SIGCONT");
      try {
        if (proc) {
          const all = await docker.listContainers({ all: true });
          await Promise.all(
            all.map((c) =>
              docker
                .getContainer(c.Id)
                .remove({ force: true })
                .catch(() => {}),
            ),
          );
        }
      } catch {
        // daemon already unhealthy: the kill below cleans up
      }
      await stopProc("SIGTERM");
      cleanupRemains(dir, bridge, subnetPrefix(i));
      rmSync(slot.lockFile, { force: true });
    },
  };
}

/** Starts `n` dockerd hosts in parallel; on failure, stops the ones that started and throws. */
export interface DockerHostOptions {
  /** Also serve the API on tcp://<ip>:2376 with --tlsverify and freshly made certificates. */
  tls?: boolean;
}

export async function startDockerHosts(n: number, opts: DockerHostOptions = {}): Promise<DockerHost[]> {
  const dockerd = requireTool("dockerd", "apt-get install -y docker.io");
  requireTool("ip", "apt-get install -y iproute2");
  requireTool("tar", "apt-get install -y tar");
  if (process.getuid?.() !== 0)
    throw new Error("the Docker test harness must run as root (it starts dockerd and creates bridges)");
  const slots: Slot[] = [];
  for (let k = 0; k < n; k++) slots.push(claimSlot());
  const results = await Promise.allSettled(slots.map((s) => startDockerHost(s, dockerd, opts)));
  const hosts = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r) => r.status === "rejected");
  if (failed) {
    await Promise.all(hosts.map((h) => h.stop()));
    for (const s of slots) rmSync(s.lockFile, { force: true });
    throw (failed as PromiseRejectedResult).reason;
  }
  return hosts;
}

/** Builds the busybox httpd demo image on this daemon if absent; returns NAME:TAG. */
export function ensureTestImage(docker: Docker): Promise<string> {
  return ensureDemoImage(docker);
}

/** Creates and starts a demo container publishing port 80 with `-P`; returns its id. */
export async function runDemoContainer(
  docker: Docker,
  name: string,
  opts: { labels?: Record<string, string>; env?: string[]; publish?: boolean; exposedPort?: string } = {},
): Promise<string> {
  const image = await ensureTestImage(docker);
  const port = opts.exposedPort ?? "80/tcp";
  const c = await docker.createContainer({
    name,
    Image: image,
    Hostname: name.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 63),
    Env: [`HECD_NAME=${name}`, ...(opts.env ?? [])],
    Labels: opts.labels ?? {},
    ExposedPorts: { [port]: {} },
    HostConfig: { PublishAllPorts: opts.publish ?? true },
  });
  await c.start();
  return c.id;
}

/** Host port Docker published for `containerPort` (e.g. "80/tcp"). */
export async function publishedPort(
  docker: Docker,
  id: string,
  containerPort = "80/tcp",
): Promise<{ ip: string; port: number }> {
  const info = await docker.getContainer(id).inspect();
  const b = info.NetworkSettings.Ports?.[containerPort]?.[0];
  if (!b) throw new Error(`container ${id} publishes no ${containerPort}`);
  return { ip: b.HostIp, port: Number(b.HostPort) };
}

/** GET http://address/ until it answers 200 (a just-started httpd may not listen yet); returns the trimmed body. */
export async function httpAnswer(address: string, timeoutMs = 5000): Promise<string> {
  return waitFor(
    `HTTP answer from ${address}`,
    async () => {
      const r = await fetch(`http://${address}/`, { signal: AbortSignal.timeout(2000) });
      return r.ok ? (await r.text()).trim() : undefined;
    },
    timeoutMs,
    25,
  );
}
