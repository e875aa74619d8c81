import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./ports.js";
import { requireTool } from "./tools.js";

export interface EtcdServer {
  /** e.g. http://127.0.0.1:23791 */
  endpoint: string;
  clientPort: number;
  dataDir: string;
  /** Stops the process (SIGTERM, then SIGKILL); data dir kept until destroy(). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir. */
  restart(): Promise<void>;
  /** Stops it and removes its data dir. */
  destroy(): Promise<void>;
}

/** Starts a single-member etcd 3.4 on free loopback ports, v2 API enabled, own data dir. */
export async function startEtcd(opts: { enableV2?: boolean } = {}): Promise<EtcdServer> {
  const bin = requireTool("etcd", "apt-get install -y etcd-server etcd-client");
  const dataDir = mkdtempSync(join(tmpdir(), "hecd-etcd-"));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  let proc: ChildProcess | undefined;
  let output = "";

  const launch = async () => {
    output = "";
    proc = spawn(
      bin,
      [
        "--name",
        "test",
        "--data-dir",
        dataDir,
        "--listen-client-urls",
        endpoint,
        "--advertise-client-urls",
        endpoint,
        "--listen-peer-urls",
        `http://127.0.0.1:${peerPort}`,
        "--initial-advertise-peer-urls",
        `http://127.0.0.1:${peerPort}`,
        "--initial-cluster",
        `test=http://127.0.0.1:${peerPort}`,
        `--enable-v2=${opts.enableV2 ?? true}`,
        "--log-level",
        "error",
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === "x64" ? "" : process.arch },
      },
    );
    proc.stdout?.on("data", (d) => (output += d));
    proc.stderr?.on("data", (d) => (output += d));
    const exited = new Promise<never>((_, reject) =>
      proc!.once("exit", (code) => reject(new Error(`etcd exited with ${code}: ${output.slice(-2000)}`))),
    );
    exited.catch(() => {});
    await Promise.race([
      waitFor("etcd health", async () => {
        const r = await fetch(`${endpoint}/health`);
        return r.ok ? true : undefined;
      }),
      exited,
    ]);
  };

  const stop = async () => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill("SIGTERM");
    const t = setTimeout(() => p.kill("SIGKILL"), 5000);
    await gone;
    clearTimeout(t);
  };

  await launch();
  return {
    endpoint,
    clientPort,
    dataDir,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    destroy: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
