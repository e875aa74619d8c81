// The registry against etcd with user auth, and against etcd serving TLS with client certificates.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { etcdctl, mutualTls, startEtcd, type EtcdServer } from "../harness/etcd.js";
import { makeTestCerts, type TestCerts } from "../harness/tls.js";
import { etcdFlagHint } from "../../src/cli/etcd-hints.js";
import { EtcdAuthError, EtcdConfigError, EtcdError } from "../../src/etcd/index.js";
import { Registry, type RegistryOptions } from "../../src/registry/registry.js";

/** A failed Registry.connect: the typed error, and the text `hecd agent` prints for it. */
async function connectFailure(opts: RegistryOptions): Promise<{ error: EtcdError; text: string }> {
  const error: unknown = await Registry.connect(opts).then(
    async (reg) => {
      await reg.close();
      return new Error("Registry.connect succeeded");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EtcdError);
  return { error: error as EtcdError, text: etcdFlagHint(error as EtcdError) };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe("etcd with user auth", () => {
  let etcd: EtcdServer;
  beforeAll(async () => {
    etcd = await startEtcd();
    cleanups.push(() => etcd.destroy());
    const ctl = (...args: string[]) => etcdctl(etcd, ...args);
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
    const { error, text } = await connectFailure({
      endpoints: [etcd.endpoint],
      ttlSeconds: 3,
      auth: { username: "hecd", password: "wrong" },
    });
    expect(error).toBeInstanceOf(EtcdAuthError);
    expect(error.code).toBe("ETCD_AUTH");
    expect(text).toMatch(
      /cannot reach etcd at .*(authentication failed|invalid user ID or password).*check --etcd-user/i,
    );
  });
});

describe("etcd over TLS with client certificates", () => {
  let endpoint = "";
  let dir = "";
  let certs: TestCerts;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hecd-etcd-tls-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    certs = makeTestCerts(dir, { ips: ["127.0.0.1"], dualUse: true });
    const etcd = await startEtcd({ tls: mutualTls(certs) });
    cleanups.push(() => etcd.destroy());
    endpoint = etcd.endpoint;
  });

  const tlsFiles = () => ({ ca: certs.ca, cert: certs.client.cert, key: certs.client.key });

  it("registers over https with a client certificate", async () => {
    const reg = await Registry.connect({ endpoints: [endpoint], ttlSeconds: 3, tls: tlsFiles() });
    cleanups.push(() => reg.close());
    expect(await reg.register("/app/servers/tls-1", "127.0.0.3:8081")).toBe(true);
    expect((await reg.list("/app/servers")).get("/app/servers/tls-1")).toBe("127.0.0.3:8081");
  });

  it("refuses https endpoints without a CA, and a CA with http endpoints, naming the fix", async () => {
    const noCa = await connectFailure({ endpoints: [endpoint], ttlSeconds: 3 });
    expect(noCa.error).toMatchObject({ code: "ETCD_CONFIG", problem: "https-without-ca" });
    expect(noCa.text).toMatch(/pass --etcd-cacert FILE/);
    const httpCa = await connectFailure({
      endpoints: ["http://127.0.0.1:2379"],
      ttlSeconds: 3,
      tls: { ca: certs.ca },
    });
    expect(httpCa.error).toBeInstanceOf(EtcdConfigError);
    expect(httpCa.text).toMatch(/write them as https:\/\/HOST:PORT/);
    const missing = await connectFailure({
      endpoints: [endpoint],
      ttlSeconds: 3,
      tls: { ca: join(dir, "missing.pem") },
    });
    expect(missing.error).toMatchObject({ code: "ETCD_CONFIG", problem: "unreadable-file" });
    expect(missing.text).toMatch(/cannot read etcd CA file .*missing\.pem/);
  });
});
