import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./ports.js";
import { stopChild } from "./process.js";
import type { TestCerts } from "./tls.js";
import { requireTool } from "./tools.js";

export interface EtcdTlsOptions {
  /** Server certificate and key etcd serves its client port with. */
  certFile: string;
  keyFile: string;
  /** CA that client certificates must be signed by. */
  trustedCaFile: string;
  /** Require a client certificate (`--client-cert-auth`). */
  clientCertAuth: boolean;
  /** Client certificate and key the health probe presents; required with clientCertAuth. */
  probeCertFile?: string;
  probeKeyFile?: string;
}

/** etcd serving `certs.server`, requiring client certificates signed by `certs.ca`; probed with `certs.client`. */
export function mutualTls(certs: TestCerts): EtcdTlsOptions {
  return {
    certFile: certs.server.cert,
    keyFile: certs.server.key,
    trustedCaFile: certs.ca,
    clientCertAuth: true,
    probeCertFile: certs.client.cert,
    probeKeyFile: certs.client.key,
  };
}

export interface EtcdOptions {
  enableV2?: boolean;
  /** Serve the client port over https with these files instead of plain http. */
  tls?: EtcdTlsOptions;
}

export interface EtcdServer {
  /** e.g. http://127.0.0.1:23791 (https:// with `tls`) */
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

/** GET <endpoint>/health over https, presenting the probe certificate when one is given. */
function httpsHealth(url: string, tls: EtcdTlsOptions): Promise<true | undefined> {
  const agent = new https.Agent({
    ca: readFileSync(tls.trustedCaFile),
    ...(tls.probeCertFile ? { cert: readFileSync(tls.probeCertFile) } : {}),
    ...(tls.probeKeyFile ? { key: readFileSync(tls.probeKeyFile) } : {}),
  });
  return new Promise<true | undefined>((resolve, reject) => {
    const req = https.get(url, { agent, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? true : undefined);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within 2 s`)));
    req.on("error", reject);
  }).finally(() => agent.destroy());
}

function tlsArgs(tls: EtcdTlsOptions | undefined): string[] {
  if (!tls) return [];
  if (tls.clientCertAuth && !(tls.probeCertFile && tls.probeKeyFile))
    throw new Error(
      "startEtcd: tls.clientCertAuth needs tls.probeCertFile and tls.probeKeyFile for the health probe",
    );
  return [
    "--cert-file",
    tls.certFile,
    "--key-file",
    tls.keyFile,
    "--trusted-ca-file",
    tls.trustedCaFile,
    ...(tls.clientCertAuth ? ["--client-cert-auth"] : []),
  ];
}

/**
 * Starts a single-member etcd 3.4 on free loopback ports, v2 API enabled, own data dir;
 * with `tls`, the client port serves https.
 */
export async function startEtcd(opts: EtcdOptions = {}): Promise<EtcdServer> {
  const bin = requireTool("etcd", "apt-get install -y etcd-server etcd-client");
  const extraArgs = tlsArgs(opts.tls);
  const dataDir = mkdtempSync(join(tmpdir(), "hecd-etcd-"));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `${opts.tls ? "https" : "http"}://127.0.0.1:${clientPort}`;
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
        ...extraArgs,
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
        if (opts.tls) return httpsHealth(`${endpoint}/health`, opts.tls);
        const r = await fetch(`${endpoint}/health`);
        return r.ok ? true : undefined;
      }),
      exited,
    ]);
  };

  const stop = async () => {
    const p = proc;
    proc = undefined;
    await stopChild(p, "SIGTERM", 5000);
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

/** Runs etcdctl (v3 API) against `server` with `args`; returns its stdout. Throws on a non-zero exit. */
export function etcdctl(server: Pick<EtcdServer, "endpoint">, ...args: string[]): string {
  const bin = requireTool("etcdctl", "apt-get install -y etcd-client");
  return execFileSync(bin, ["--endpoints", server.endpoint, ...args], {
    env: { ...process.env, ETCDCTL_API: "3" },
    stdio: "pipe",
    encoding: "utf8",
  });
}
