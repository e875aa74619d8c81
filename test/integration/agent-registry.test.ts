// Registry against a real etcd: leased writes, idempotence, keepalives that never rewrite keys,
// prompt detection of a lost lease, and survival of an etcd restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Etcd3 } from "etcd3";
import { startEtcd, type EtcdServer } from "../harness/etcd.js";
import { waitFor } from "../harness/ports.js";
import { Registry } from "../../src/registry/registry.js";
import { serverKey } from "../../src/registry/keys.js";

let etcd: EtcdServer;
let raw: Etcd3;
const open: Registry[] = [];

async function connect(ttlSeconds = 3): Promise<Registry> {
  const r = await Registry.connect({ endpoints: [etcd.endpoint], ttlSeconds });
  open.push(r);
  return r;
}

async function getKv(key: string) {
  const r = await raw.get(key).exec();
  return r.kvs[0];
}

beforeAll(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: etcd.endpoint });
});

afterAll(async () => {
  for (const r of open) await r.close().catch(() => {});
  raw?.close();
  await etcd?.destroy();
});

describe("Registry", () => {
  it("writes under its lease, and a second identical register does not write", async () => {
    const reg = await connect();
    const key = serverKey("/app/servers", "idem-1");
    expect(await reg.register(key, "127.0.0.2:32768")).toBe(true);
    const first = await getKv(key);
    expect(first?.value.toString()).toBe("127.0.0.2:32768");
    expect(String(first?.lease)).toBe(reg.lease);
    expect(await reg.register(key, "127.0.0.2:32768")).toBe(false);
    expect((await getKv(key))?.mod_revision).toBe(first?.mod_revision);
    expect(await reg.register(key, "127.0.0.2:32769")).toBe(true);
    expect((await getKv(key))?.value.toString()).toBe("127.0.0.2:32769");
    expect((await reg.list("/app/servers")).get(key)).toBe("127.0.0.2:32769");
  });

  it("registerMany writes only what differs, in batches, under the lease", async () => {
    const reg = await connect();
    const items = Array.from({ length: 250 }, (_, i) => ({
      key: serverKey("/bulk", `c${i}`),
      address: `127.0.0.8:${10000 + i}`,
    }));
    expect(await reg.registerMany(items, await reg.entries("/bulk"))).toHaveLength(250);
    const all = await reg.entries("/bulk");
    expect(all).toHaveLength(250);
    expect(all.every((e) => e.lease === reg.lease)).toBe(true);
    const rev = (await getKv(items[0]!.key))?.mod_revision;
    items[7] = { ...items[7]!, address: "127.0.0.8:9999" };
    const again = await reg.registerMany(items, await reg.entries("/bulk"));
    expect(again).toEqual([items[7]!.key]);
    expect((await getKv(items[0]!.key))?.mod_revision).toBe(rev);
    expect((await getKv(items[7]!.key))?.value.toString()).toBe("127.0.0.8:9999");
    await expect(reg.registerMany([{ key: "/bulk/x", address: "bad value" }])).rejects.toThrow(/whitespace/);
  });

  it("refuses invalid values with a clear error and writes nothing", async () => {
    const reg = await connect();
    const key = serverKey("/app/servers", "bad-1");
    await expect(reg.register(key, "10.0.0.1:80\nserver evil 1.2.3.4:80")).rejects.toThrow(
      /whitespace or control/,
    );
    await expect(reg.register(key, "10.0.0.1")).rejects.toThrow(/no port/);
    await expect(reg.register(key, "10.0.0.1:70000")).rejects.toThrow(/1\.\.65535/);
    expect(await getKv(key)).toBeUndefined();
  });

  it("keeps keys alive with keepalives only: no rewrite over 3x TTL", async () => {
    const reg = await connect(2);
    const key = serverKey("/app/servers", "alive-1");
    await reg.register(key, "127.0.0.3:40000");
    const before = await getKv(key);
    await new Promise((r) => setTimeout(r, 6500));
    const after = await getKv(key);
    expect(after?.value.toString()).toBe("127.0.0.3:40000");
    expect(after?.mod_revision).toBe(before?.mod_revision);
  });

  it("detects a lost lease and registers again under a new one within 1.5 s", async () => {
    const reg = await connect(3);
    const key = serverKey("/app/servers", "lost-1");
    await reg.register(key, "127.0.0.4:40001");
    const old = reg.lease;
    const regranted = new Promise<string>((r) => reg.once("lease-regranted", r));
    const t0 = Date.now();
    await raw.leaseClient.leaseRevoke({ ID: old });
    expect(await getKv(key)).toBeUndefined();
    const id = await regranted;
    await waitFor(
      "key back",
      async () => (await getKv(key))?.value.toString() === "127.0.0.4:40001",
      5000,
      20,
    );
    const took = Date.now() - t0;
    expect(id).not.toBe(old);
    expect(String((await getKv(key))?.lease)).toBe(id);
    expect(took).toBeLessThan(1500);
  });

  it("deregister with a value deletes only while the key still holds it", async () => {
    const reg = await connect();
    const key = serverKey("/app/servers", "cond-1");
    await reg.register(key, "127.0.0.5:40002");
    await raw.put(key).value("127.0.0.9:1");
    expect(await reg.deregister(key, "127.0.0.5:40002")).toBe(false);
    expect((await getKv(key))?.value.toString()).toBe("127.0.0.9:1");
    expect(await reg.deregister(key)).toBe(true);
    expect(await getKv(key)).toBeUndefined();
  });

  it("close() lets keys expire after the TTL; close({revoke}) deletes them at once", async () => {
    const a = await connect(2);
    const b = await connect(2);
    const ka = serverKey("/app/servers", "close-a");
    const kb = serverKey("/app/servers", "close-b");
    await a.register(ka, "127.0.0.6:40003");
    await b.register(kb, "127.0.0.6:40004");
    await b.close({ revoke: true });
    expect(await getKv(kb)).toBeUndefined();
    await a.close();
    expect(await getKv(ka)).toBeDefined();
    await waitFor("expiry", async () => (await getKv(ka)) === undefined, 4000, 50);
  });

  it("keeps its keys through an etcd restart", async () => {
    const reg = await connect(3);
    const key = serverKey("/app/servers", "restart-1");
    await reg.register(key, "127.0.0.7:40005");
    await etcd.restart();
    raw.close();
    raw = new Etcd3({ hosts: etcd.endpoint });
    await new Promise((r) => setTimeout(r, 4000));
    expect((await getKv(key))?.value.toString()).toBe("127.0.0.7:40005");
    // and it still writes afterwards
    expect(await reg.register(serverKey("/app/servers", "restart-2"), "127.0.0.7:40006")).toBe(true);
  });

  it("fails to connect with a clear error when etcd is unreachable", async () => {
    await expect(Registry.connect({ endpoints: ["http://127.0.0.1:1"], ttlSeconds: 3 })).rejects.toThrow(
      /cannot reach etcd at http:\/\/127\.0\.0\.1:1/,
    );
  });
});
