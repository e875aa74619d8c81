import { rmSync } from "node:fs";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackend, type Backend } from "../../src/backends/index.js";
import { createConfdBackend } from "../../src/cli/commands/confd.js";
import { EtcdUnreachableError } from "../../src/etcd/index.js";
import { goBytes } from "../../src/go/gostring.js";
import { startEtcd, type EtcdServer } from "../harness/etcd.js";
import { freePort, waitFor, within } from "../harness/ports.js";
import {
  APP_TREE,
  putAppTree,
  watchChangeCases,
  watchRestartCases,
  type WatchCaseContext,
} from "./etcd-backend-cases.js";

let etcd: EtcdServer;
let admin: Etcd3;
let backend: Backend;

async function put(key: string, value: string): Promise<bigint> {
  return BigInt((await admin.put(key).value(value).exec()).header.revision);
}
async function del(key: string): Promise<bigint> {
  return BigInt((await admin.delete().key(key).exec()).header.revision);
}
const cases: WatchCaseContext = {
  backend: () => backend,
  etcd: () => etcd,
  put,
  del,
  sibling: { key: "/app/servers2/y", value: "a sibling, not under /app/servers" },
};

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
    await putAppTree(put);
    await put("/other/x", "no");
    await put("/app/servers2/x", "a sibling, not under /app/servers");
    const last = await put("/apple", "not under /app/");
    const snap = await backend.getValues(["/app/servers", "/app/db"]);
    expect(Object.fromEntries(snap.values)).toEqual(APP_TREE);
    expect(snap.revision).toBe(last);
  });

  it("a value that is not UTF-8 keeps its bytes, as Go's string does", async () => {
    await admin
      .put("/bytes/raw")
      .value(Buffer.from([0x61, 0xff, 0xc3, 0x62]))
      .exec();
    const snap = await backend.getValues(["/bytes"]);
    expect(goBytes(snap.values.get("/bytes/raw")!)).toEqual(Buffer.from([0x61, 0xff, 0xc3, 0x62]));
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
    const dead = await createConfdBackend({ backend: "etcdv3", nodes: [`127.0.0.1:${port}`] });
    try {
      await expect(dead.getValues(["/app"])).rejects.toBeInstanceOf(EtcdUnreachableError);
      await expect(dead.getValues(["/app"])).rejects.toThrow(
        new RegExp(`cannot reach etcd at http://127\\.0\\.0\\.1:${port}: .*; is etcd running\\? pass -node`),
      );
    } finally {
      await dead.close();
    }
  });
});

describe("etcdv3 backend: watch", () => {
  watchChangeCases(cases);

  it("keeps its watch stream open between successive watch() calls, and close() ends it", async () => {
    const streams = async (): Promise<number> => {
      const text = await (await fetch(`${etcd.endpoint}/metrics`)).text();
      const m = /^etcd_debugging_mvcc_watch_stream_total (\d+)/m.exec(text);
      if (!m) throw new Error("etcd /metrics has no etcd_debugging_mvcc_watch_stream_total");
      return Number(m[1]);
    };
    const before = await streams();
    const own = await createBackend({ backend: "etcdv3", nodes: [etcd.endpoint] });
    try {
      let rev = (await own.getValues(["/keep"])).revision;
      for (let i = 0; i < 3; i++) {
        const w = own.watch(["/keep"], rev, new AbortController().signal);
        await new Promise((r) => setTimeout(r, 50));
        await put(`/keep/k${i}`, String(i));
        rev = await w;
        // Between calls the finished call's watcher still holds the stream open.
        await new Promise((r) => setTimeout(r, 300));
        expect(await streams()).toBe(before + 1);
      }
    } finally {
      await own.close();
    }
    await waitFor("the watch stream to close after close()", async () => (await streams()) === before, 5000);
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

  watchRestartCases(cases);

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
