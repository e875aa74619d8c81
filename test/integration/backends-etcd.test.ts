import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackend, type Backend } from "../../src/backends/index.js";
import { createConfdBackend } from "../../src/cli/commands/confd.js";
import { EtcdUnreachableError } from "../../src/etcd/index.js";
import { startEtcd, type EtcdServer } from "../harness/etcd.js";
import { freePort, within } from "../harness/ports.js";
import {
  APP_TREE,
  putAppTree,
  watchChangeCases,
  watchRestartCases,
  type WatchCaseContext,
} from "./etcd-backend-cases.js";

let etcd: EtcdServer;
let backend: Backend;

interface V2Reply {
  node?: { modifiedIndex: number };
}

async function v2(method: "PUT" | "DELETE", key: string, value?: string): Promise<bigint> {
  const res = await fetch(`${etcd.endpoint}/v2/keys${key}`, {
    method,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: value === undefined ? undefined : new URLSearchParams({ value }).toString(),
  });
  const body = (await res.json()) as V2Reply;
  if (!res.ok || !body.node) throw new Error(`${method} ${key}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return BigInt(body.node.modifiedIndex);
}
const put = (key: string, value: string) => v2("PUT", key, value);
const del = (key: string) => v2("DELETE", key);

const cases: WatchCaseContext = {
  backend: () => backend,
  etcd: () => etcd,
  put,
  del,
  sibling: { key: "/apple", value: "sibling, not below /app/servers" },
};

beforeAll(async () => {
  etcd = await startEtcd({ enableV2: true });
  backend = await createBackend({ backend: "etcd", nodes: [etcd.endpoint] });
});

afterAll(async () => {
  await backend?.close();
  await etcd?.destroy();
});

describe("etcd (v2 API) backend: getValues", () => {
  it("flattens nested directories under several prefixes", async () => {
    await putAppTree(put);
    await put("/apple", "not under /app");
    const last = await put("/other/x", "no");
    const snap = await backend.getValues(["/app/servers", "/app/db"]);
    expect(Object.fromEntries(snap.values)).toEqual(APP_TREE);
    expect(snap.revision).toBe(last);
  });

  it("reads a single key, the whole tree, and a missing prefix (empty, not an error)", async () => {
    expect(Object.fromEntries((await backend.getValues(["/app/db/main/host"])).values)).toEqual({
      "/app/db/main/host": "db1",
    });
    const all = await backend.getValues(["/"]);
    expect(all.values.get("/apple")).toBe("not under /app");
    expect(all.values.get("/other/x")).toBe("no");
    expect(all.values.size).toBe(6);
    expect(Object.fromEntries((await backend.getValues([""])).values)).toEqual(
      Object.fromEntries(all.values),
    );
    const missing = await backend.getValues(["/does/not/exist"]);
    expect(missing.values.size).toBe(0);
    expect(missing.revision).toBe(all.revision);
  });

  it("names the endpoint and the fix when etcd is not there", async () => {
    const port = await freePort();
    const dead = await createConfdBackend({ backend: "etcd", nodes: [`127.0.0.1:${port}`] });
    try {
      await expect(dead.getValues(["/app"])).rejects.toBeInstanceOf(EtcdUnreachableError);
      await expect(dead.getValues(["/app"])).rejects.toThrow(
        new RegExp(
          `cannot reach etcd at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*; is etcd running\\? pass -node`,
        ),
      );
    } finally {
      await dead.close();
    }
  });

  it("fails over to the next -node", async () => {
    const port = await freePort();
    const two = await createBackend({ backend: "etcd", nodes: [`127.0.0.1:${port}`, etcd.endpoint] });
    try {
      expect((await two.getValues(["/app/db/main/host"])).values.get("/app/db/main/host")).toBe("db1");
    } finally {
      await two.close();
    }
  });
});

describe("etcd (v2 API) backend: watch", () => {
  watchChangeCases(cases);

  it("resolves at once when etcd cleared the event index (over 1000 events since)", async () => {
    const snap = await backend.getValues(["/app/servers"]);
    for (let i = 0; i < 1100; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => put(`/noise/k${(i + j) % 10}`, String(i + j))));
    }
    // No change under /app/servers at all: only the index-cleared path can resolve this.
    const w = backend.watch(["/app/servers"], snap.revision, new AbortController().signal);
    const got = await within(w, 5000);
    expect(got).not.toBe("pending");
    expect(got as bigint).toBeGreaterThan(snap.revision + 1000n);
  });

  watchRestartCases(cases);
});

describe("etcd (v2 API) backend: data loss", () => {
  it("resolves when etcd comes back with its data lost (index behind the snapshot)", async () => {
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

describe("etcd (v2 API) backend against an etcd without v2", () => {
  it("says how to fix it", async () => {
    const v3only = await startEtcd({ enableV2: false });
    const b = await createBackend({ backend: "etcd", nodes: [v3only.endpoint] });
    try {
      await expect(b.getValues(["/app"])).rejects.toThrow(
        /does not serve the v2 keys API.*--enable-v2.*-backend etcdv3/,
      );
    } finally {
      await b.close();
      await v3only.destroy();
    }
  });
});
