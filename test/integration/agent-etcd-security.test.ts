// The registry against etcd with user auth, and against etcd serving TLS with client certificates.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEtcd, type EtcdServer } from "../harness/etcd.js";
import { freePort, waitFor } from "../harness/ports.js";
import { requireTool } from "../harness/tools.js";
import { Registry } from "../../src/registry/registry.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe("etcd with user auth", () => {
  let etcd: EtcdServer;
  beforeAll(async () => {
    const etcdctl = requireTool("etcdctl", "apt-get install -y etcd-client");
    etcd = await startEtcd();
    cleanups.push(() => etcd.destroy());
    const ctl = (...args: string[]) =>
      execFileSync(etcdctl, ["--endpoints", etcd.endpoint, ...args], {
        env: { ...process.env, ETCDCTL_API: "3" },
        stdio: "pipe",
      });
    ctl("user", "add", "root:rootpw");
    ctl("user", "add", "hecd:s3cret");
    ctl("role", "add", "hecd-rw");
    ctl("role", "grant-permission", "hecd-rw", "--prefix=true", "readwrite", "/");
    ctl("user", "grant-role", "hecd", "hecd-rw");
    ctl("auth", "enable");
  });

  it("registers with a user and password", async () => {
    const reg = await Registry.connect({
      endpoints: [etcd.endpoint],
      ttlSeconds: 3,
      auth: { username: "hecd", password: "s3cret" },
    });
    cleanups.push(() => reg.close());
    expect(await reg.register("/app/servers/auth-1", "127.0.0.2:8080")).toBe(true);
    expect((await reg.list("/app/servers")).get("/app/servers/auth-1")).toBe("127.0.0.2:8080");
  });

  it("fails with a clear error on a wrong password", async () => {
    await expect(
      Registry.connect({
        endpoints: [etcd.endpoint],
        ttlSeconds: 3,
        auth: { username: "hecd", password: "wrong" },
      }),
    ).rejects.toThrow(
      /cannot reach etcd at .*(authentication failed|invalid user ID or password).*check --etcd-user/i,
    );
  });
});

describe("etcd over TLS with client certificates", () => {
  let endpoint = "";
  let dir = "";
  beforeAll(async () => {
    const openssl = requireTool("openssl", "apt-get install -y openssl");
    const etcdBin = requireTool("etcd", "apt-get install -y etcd-server");
    dir = mkdtempSync(join(tmpdir(), "hecd-etcd-tls-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ssl = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: "pipe" });
    ssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=hecd-test-ca",
    );
    writeFileSync(
      join(dir, "san.ext"),
      "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n",
    );
    for (const who of ["server", "client"]) {
      ssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        `${who}.key`,
        "-out",
        `${who}.csr`,
        "-subj",
        `/CN=${who}`,
      );
      ssl(
        "x509",
        "-req",
        "-in",
        `${who}.csr`,
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        `${who}.pem`,
        "-days",
        "2",
        "-extfile",
        "san.ext",
      );
    }
    const port = await freePort();
    const peer = await freePort();
    endpoint = `https://127.0.0.1:${port}`;
    const proc: ChildProcess = spawn(
      etcdBin,
      [
        "--name",
        "tls",
        "--data-dir",
        join(dir, "data"),
        "--listen-client-urls",
        endpoint,
        "--advertise-client-urls",
        endpoint,
        "--listen-peer-urls",
        `http://127.0.0.1:${peer}`,
        "--initial-advertise-peer-urls",
        `http://127.0.0.1:${peer}`,
        "--initial-cluster",
        `tls=http://127.0.0.1:${peer}`,
        "--cert-file",
        join(dir, "server.pem"),
        "--key-file",
        join(dir, "server.key"),
        "--client-cert-auth",
        "--trusted-ca-file",
        join(dir, "ca.pem"),
        "--log-level",
        "error",
      ],
      { stdio: "ignore" },
    );
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          if (proc.exitCode !== null) return r();
          proc.once("exit", () => r());
          proc.kill("SIGTERM");
        }),
    );
    await waitFor("TLS etcd", async () => {
      const r = await Registry.connect({ endpoints: [endpoint], ttlSeconds: 3, tls: tlsFiles() });
      await r.close({ revoke: true });
      return true;
    });
  });

  const tlsFiles = () => ({
    ca: join(dir, "ca.pem"),
    cert: join(dir, "client.pem"),
    key: join(dir, "client.key"),
  });

  it("registers over https with a client certificate", async () => {
    const reg = await Registry.connect({ endpoints: [endpoint], ttlSeconds: 3, tls: tlsFiles() });
    cleanups.push(() => reg.close());
    expect(await reg.register("/app/servers/tls-1", "127.0.0.3:8081")).toBe(true);
    expect((await reg.list("/app/servers")).get("/app/servers/tls-1")).toBe("127.0.0.3:8081");
  });

  it("refuses https endpoints without a CA, and a CA with http endpoints, naming the fix", async () => {
    await expect(Registry.connect({ endpoints: [endpoint], ttlSeconds: 3 })).rejects.toThrow(
      /pass --etcd-cacert FILE/,
    );
    await expect(
      Registry.connect({
        endpoints: ["http://127.0.0.1:2379"],
        ttlSeconds: 3,
        tls: { ca: join(dir, "ca.pem") },
      }),
    ).rejects.toThrow(/write them as https:\/\/HOST:PORT/);
    await expect(
      Registry.connect({ endpoints: [endpoint], ttlSeconds: 3, tls: { ca: join(dir, "missing.pem") } }),
    ).rejects.toThrow(/cannot read etcd CA file .*missing\.pem/);
  });
});
