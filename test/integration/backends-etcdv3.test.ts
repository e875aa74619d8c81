import { rmSync } from "node:fs";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackend, type Backend } from "../../src/backends/index.js";
import { startEtcd, type EtcdServer } from "../harness/etcd.js";
import { freePort } from "../harness/ports.js";

let etcd: EtcdServer;
let admin: Etcd3;
let backend: Backend;

async function put(key: string, value: string): Promise<bigint> {
  return BigInt((await admin.put(key).value(value).exec()).header.revision);
}
async function del(key: string): Promise<bigint> {
  return BigInt((await admin.delete().key(key).exec()).header.revision);
}
/** Settles to "pending" when `p` has not settled within `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | "pending"> {
  return Promise.race([p, new Promise<"pending">((r) => setTimeout(() => r("pending"), ms))]);
}

beforeAll(async () => {
  etcd = await startEtcd();
  admin = new Etcd3({ hosts: etcd.endpoint });
  backend = await createBackend({ backend: "etcdv3", nodes: [etcd.endpoint] });
});

afterAll(async () => {
  await backend?.close();
  admin?.close();
  await etcd?.destroy();
});

describe("etcdv3 backend: getValues", () => {
  it("reads nested keys under several prefixes in one revision", async () => {
    await put("/app/servers/web1", "10.0.0.1:80");
    await put("/app/servers/web2", "10.0.0.2:80");
    await put("/app/db/main/host", "db1");
    await put("/app/db/main/port", "5432");
    await put("/other/x", "no");
    await put("/app/servers2/x", "a sibling, not under /app/servers");
    const last = await put("/apple", "not under /app/");
    const snap = await backend.getValues(["/app/servers", "/app/db"]);
    expect(Object.fromEntries(snap.values)).toEqual({
      "/app/servers/web1": "10.0.0.1:80",
      "/app/servers/web2": "10.0.0.2:80",
      "/app/db/main/host": "db1",
      "/app/db/main/port": "5432",
    });
    expect(snap.revision).toBe(last);
  });

  it("empty prefix reads everything; a missing prefix is empty, not an error", async () => {
    const all = await backend.getValues([""]);
    expect(all.values.get("/other/x")).toBe("no");
    expect(all.values.get("/apple")).toBe("not under /app/");
    expect(all.values.get("/app/servers2/x")).toBe("a sibling, not under /app/servers");
    expect(all.values.size).toBeGreaterThanOrEqual(7);
    const missing = await backend.getValues(["/does/not/exist"]);
    expect(missing.values.size).toBe(0);
    expect(missing.revision).toBe(all.revision);
    const none = await backend.getValues([]);
    expect(none.values.size).toBe(0);
  });

  it("reads more prefixes than one etcd txn allows", async () => {
    const prefixes = Array.from({ length: 300 }, (_, i) => `/many/${i}/`);
    await put("/many/7/k", "seven");
    await put("/many/299/k", "last");
    const snap = await backend.getValues(prefixes);
    expect(Object.fromEntries(snap.values)).toEqual({ "/many/7/k": "seven", "/many/299/k": "last" });
  });

  it("names the endpoint and the fix when etcd is not there", async () => {
    const port = await freePort();
    const dead = await createBackend({ backend: "etcdv3", nodes: [`127.0.0.1:${port}`] });
    try {
      await expect(dead.getValues(["/app"])).rejects.toThrow(
        new RegExp(`cannot reach etcd at http://127\\.0\\.0\\.1:${port}: .*; is etcd running\\? pass -node`),
      );
    } finally {
      await dead.close();
    }
  });
});

describe("etcdv3 backend: watch", () => {
  it("resolves on a put and on a delete under the prefix, not on other keys", async () => {
    const snap = await backend.getValues(["/app/servers"]);
    const ac = new AbortController();
    const w = backend.watch(["/app/servers"], snap.revision, ac.signal);
    await put("/other/y", "unrelated");
    await put("/app/servers2/y", "a sibling, not under /app/servers");
    expect(await within(w, 300)).toBe("pending");
    const rev = await put("/app/servers/web3", "10.0.0.3:80");
    expect(await w).toBe(rev);

    const snap2 = await backend.getValues(["/app/servers"]);
    const w2 = backend.watch(["/app/servers"], snap2.revision, ac.signal);
    const delRev = await del("/app/servers/web3");
    expect(await w2).toBe(delRev);
  });

  it("watches several prefixes at once", async () => {
    const snap = await backend.getValues(["/app/servers", "/app/db"]);
    const w = backend.watch(["/app/servers", "/app/db"], snap.revision, new AbortController().signal);
    const rev = await put("/app/db/main/port", "5433");
    expect(await w).toBe(rev);
  });

  it("watching again from the revision a watch returned reports later changes only", async () => {
    const snap = await backend.getValues(["/app/servers"]);
    await put("/app/servers/c1", "1");
    await put("/other/c", "unrelated");
    await put("/app/servers/c2", "2");
    const last = await put("/app/servers/c3", "3");
    let since = snap.revision;
    for (let i = 0; i < 5; i++) {
      const ac = new AbortController();
      const next = await within(backend.watch(["/app/servers"], since, ac.signal), 300);
      ac.abort();
      if (next === "pending") break;
      expect(next).toBeGreaterThan(since);
      since = next;
    }
    expect(since).toBe(last);
    const w = backend.watch(["/app/servers"], since, new AbortController().signal);
    expect(await within(w, 300)).toBe("pending");
    const rev = await put("/app/servers/c4", "4");
    expect(await w).toBe(rev);
  });

  it("never misses a change made between the snapshot and the watch", async () => {
    const snap = await backend.getValues(["/app"]);
    const rev = await put("/app/servers/web1", "10.0.0.9:80");
    await put("/other/z", "later, unrelated");
    const w = backend.watch(["/app"], snap.revision, new AbortController().signal);
    expect(await within(w, 2000)).toBe(rev);
  });

  it("rejects with an AbortError when the signal aborts", async () => {
    const snap = await backend.getValues(["/app"]);
    const ac = new AbortController();
    const w = backend.watch(["/app"], snap.revision, ac.signal);
    setTimeout(() => ac.abort(), 100);
    await expect(w).rejects.toMatchObject({ name: "AbortError" });
    await expect(backend.watch(["/app"], snap.revision, ac.signal)).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("resolves at once when the start revision was compacted, and a re-read sees the latest", async () => {
    const snap = await backend.getValues(["/app/servers"]);
    await put("/app/servers/web1", "compacted-away");
    await put("/app/servers/web1", "latest");
    const last = await put("/other/compact", "x");
    await admin.kv.compact({ revision: last.toString(), physical: true });
    const w = backend.watch(["/app/servers"], snap.revision, new AbortController().signal);
    // The events after the snapshot are gone, so only the compaction path can resolve it,
    // with the current revision.
    expect(await within(w, 5000)).toBe(last);
    const again = await backend.getValues(["/app/servers"]);
    expect(again.values.get("/app/servers/web1")).toBe("latest");
  });

  it("survives an etcd restart and reports the next change", async () => {
    const snap = await backend.getValues(["/app/servers"]);
    const w = backend.watch(["/app/servers"], snap.revision, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 200)); // let the watch attach before the server goes away
    await etcd.restart();
    expect(await within(w, 500)).toBe("pending");
    const rev = await put("/app/servers/after-restart", "10.0.0.4:80");
    expect(await within(w, 15_000)).toBe(rev);
    const again = await backend.getValues(["/app/servers"]);
    expect(again.values.get("/app/servers/after-restart")).toBe("10.0.0.4:80");
  });

  it("reports a change made while etcd was down and the watch was reconnecting", async () => {
    const snap = await backend.getValues(["/app/servers"]);
    const w = backend.watch(["/app/servers"], snap.revision, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 200));
    await etcd.stop();
    await new Promise((r) => setTimeout(r, 300));
    await etcd.restart();
    // The write lands before the client's watch stream is back: it must still be reported.
    const rev = await put("/app/servers/during-outage", "10.0.0.5:80");
    expect(await within(w, 15_000)).toBe(rev);
  });

  it("resolves when etcd comes back with its data lost (revision behind the snapshot)", async () => {
    for (let i = 0; i < 20; i++) await put("/other/fill", String(i));
    const snap = await backend.getValues(["/app/servers"]);
    const w = backend.watch(["/app/servers"], snap.revision, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 200));
    await etcd.stop();
    rmSync(etcd.dataDir, { recursive: true, force: true });
    await etcd.restart();
    const got = await within(w, 15_000);
    expect(got).not.toBe("pending");
    expect(got as bigint).toBeLessThan(snap.revision);
    expect((await backend.getValues(["/app/servers"])).values.size).toBe(0);
  });
});
