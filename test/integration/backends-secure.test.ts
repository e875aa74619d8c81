// TLS (server + client certificates) and authentication for the etcdv3 and etcd (v2) backends.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Backend } from "../../src/backends/index.js";
import { createConfdBackend } from "../../src/cli/commands/confd.js";
import { etcdctl, mutualTls, startEtcd, type EtcdServer } from "../harness/etcd.js";
import { within } from "../harness/ports.js";
import { makeTestCerts, type TestCerts } from "../harness/tls.js";

let dir: string;
let certs: TestCerts;
let tlsEtcd: EtcdServer;
let tlsPort: number;
let tlsAdmin: Etcd3;
let authEtcd: EtcdServer;
const open: Backend[] = [];

/** A backend as `hecd confd` builds it (its errors name confd's flags). */
async function make(config: Parameters<typeof createConfdBackend>[0]): Promise<Backend> {
  const b = await createConfdBackend(config);
  open.push(b);
  return b;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hecd-backends-secure-"));
  certs = makeTestCerts(dir, { ips: ["127.0.0.1"], dualUse: true });
  tlsEtcd = await startEtcd({ tls: mutualTls(certs) });
  tlsPort = tlsEtcd.clientPort;
  tlsAdmin = new Etcd3({
    hosts: tlsEtcd.endpoint,
    credentials: {
      rootCertificate: readFileSync(certs.ca),
      certChain: readFileSync(certs.client.cert),
      privateKey: readFileSync(certs.client.key),
    },
  });
  authEtcd = await startEtcd();
});

afterAll(async () => {
  await Promise.all(open.map((b) => b.close()));
  tlsAdmin?.close();
  await tlsEtcd?.destroy();
  await authEtcd?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe("TLS", () => {
  const tlsFiles = () => ({
    clientCaKeys: certs.ca,
    clientCert: certs.client.cert,
    clientKey: certs.client.key,
  });

  it("etcdv3 reads and watches with a CA and a client certificate", async () => {
    const b = await make({
      backend: "etcdv3",
      nodes: [`127.0.0.1:${tlsPort}`],
      scheme: "https",
      ...tlsFiles(),
    });
    await tlsAdmin.put("/tls/a").value("1");
    const snap = await b.getValues(["/tls"]);
    expect(Object.fromEntries(snap.values)).toEqual({ "/tls/a": "1" });
    const w = b.watch(["/tls"], snap.revision, new AbortController().signal);
    const rev = BigInt((await tlsAdmin.put("/tls/b").value("2").exec()).header.revision);
    expect(await within(w, 5000)).toBe(rev);
  });

  it("etcd (v2) reads and watches with a CA and a client certificate", async () => {
    const b = await make({ backend: "etcd", nodes: [`https://127.0.0.1:${tlsPort}`], ...tlsFiles() });
    const agent = new https.Agent({
      ca: readFileSync(certs.ca),
      cert: readFileSync(certs.client.cert),
      key: readFileSync(certs.client.key),
    });
    const v2put = (key: string, value: string) =>
      new Promise<bigint>((resolve, reject) => {
        const req = https.request(
          `https://127.0.0.1:${tlsPort}/v2/keys${key}`,
          { method: "PUT", agent, headers: { "content-type": "application/x-www-form-urlencoded" } },
          (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () =>
              resolve(BigInt((JSON.parse(body) as { node: { modifiedIndex: number } }).node.modifiedIndex)),
            );
          },
        );
        req.on("error", reject);
        req.end(`value=${encodeURIComponent(value)}`);
      });
    try {
      await v2put("/tls/a", "1");
      const snap = await b.getValues(["/tls"]);
      expect(Object.fromEntries(snap.values)).toEqual({ "/tls/a": "1" });
      const w = b.watch(["/tls"], snap.revision, new AbortController().signal);
      const idx = await v2put("/tls/b", "2");
      expect(await within(w, 5000)).toBe(idx);
    } finally {
      agent.destroy();
    }
  });

  it("without the CA, both say to check the TLS flags", async () => {
    const v2 = await make({ backend: "etcd", nodes: [`https://127.0.0.1:${tlsPort}`] });
    await expect(v2.getValues(["/tls"])).rejects.toThrow(
      new RegExp(
        `cannot reach etcd at https://127\\.0\\.0\\.1:${tlsPort}: .*certificate.*; check -client-ca-keys`,
      ),
    );
    const v3 = await make({ backend: "etcdv3", nodes: [`https://127.0.0.1:${tlsPort}`] });
    await expect(v3.getValues(["/tls"])).rejects.toThrow(
      new RegExp(`cannot reach etcd at https://127\\.0\\.0\\.1:${tlsPort}: .*; check -client-ca-keys`),
    );
  });

  it("the v2 backend without a client certificate says to check the TLS flags", async () => {
    const v2 = await make({
      backend: "etcd",
      nodes: [`https://127.0.0.1:${tlsPort}`],
      clientCaKeys: certs.ca,
    });
    await expect(v2.getValues(["/tls"])).rejects.toThrow(
      /cannot reach etcd at https:.*; check -client-ca-keys, -client-cert/,
    );
  });
});

describe("authentication", () => {
  it("etcdv3 uses -username/-password and names the fix when they are wrong", async () => {
    const ctl = (...args: string[]) => etcdctl(authEtcd, ...args);
    ctl("put", "/auth/a", "1");
    ctl("user", "add", "root:rootpw");
    ctl("role", "add", "root");
    ctl("user", "grant-role", "root", "root");
    ctl("auth", "enable");
    const good = await make({
      backend: "etcdv3",
      nodes: [authEtcd.endpoint],
      username: "root",
      password: "rootpw",
    });
    expect(Object.fromEntries((await good.getValues(["/auth"])).values)).toEqual({ "/auth/a": "1" });
    const bad = await make({
      backend: "etcdv3",
      nodes: [authEtcd.endpoint],
      username: "root",
      password: "wrong",
    });
    await expect(bad.getValues(["/auth"])).rejects.toThrow(
      /refused the request: .*; pass -username and -password/,
    );
    const none = await make({ backend: "etcdv3", nodes: [authEtcd.endpoint] });
    await expect(none.getValues(["/auth"])).rejects.toThrow(
      /refused the request: .*; pass -username and -password/,
    );
  });

  it("etcd (v2) sends basic auth and names the fix when it is missing", async () => {
    const base = `${authEtcd.endpoint}/v2`;
    const root = { authorization: "Basic " + Buffer.from("root:rootpw").toString("base64") };
    const call = async (method: string, path: string, body: string, headers: Record<string, string> = {}) => {
      const res = await fetch(base + path, { method, body, headers });
      if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    };
    await call("PUT", "/auth/users/root", JSON.stringify({ user: "root", password: "rootpw" }), {
      "content-type": "application/json",
    });
    await call("PUT", "/auth/enable", "", root);
    await call(
      "PUT",
      "/auth/roles/guest",
      JSON.stringify({ role: "guest", revoke: { kv: { read: ["/*"], write: ["/*"] } } }),
      { ...root, "content-type": "application/json" },
    );
    await call("PUT", "/keys/auth/a", "value=1", {
      ...root,
      "content-type": "application/x-www-form-urlencoded",
    });

    const good = await make({
      backend: "etcd",
      nodes: [authEtcd.endpoint],
      basicAuth: true,
      username: "root",
      password: "rootpw",
    });
    expect(Object.fromEntries((await good.getValues(["/auth"])).values)).toEqual({ "/auth/a": "1" });
    const none = await make({ backend: "etcd", nodes: [authEtcd.endpoint] });
    await expect(none.getValues(["/auth"])).rejects.toThrow(
      /refused the request: .*; pass -basic-auth -username and -password/,
    );
    await expect(none.watch(["/auth"], 1n, new AbortController().signal)).rejects.toThrow(
      /refused the request/,
    );
  });
});
