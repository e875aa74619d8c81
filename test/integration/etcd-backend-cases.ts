// Cases the etcd (v2) and etcdv3 backends must both pass; each test file calls these inside its
// own describe, with its own way of writing keys.
import { expect, it } from "vitest";
import type { Backend } from "../../src/backends/index.js";
import type { EtcdServer } from "../harness/etcd.js";
import { within } from "../harness/ports.js";

export interface WatchCaseContext {
  backend(): Backend;
  etcd(): EtcdServer;
  /** Writes a key; resolves to the revision (v3) or modifiedIndex (v2) of the write. */
  put(key: string, value: string): Promise<bigint>;
  del(key: string): Promise<bigint>;
  /** A key next to /app/servers whose name starts the same but is not below it. */
  sibling: { key: string; value: string };
}

/** What reading ["/app/servers", "/app/db"] returns after putAppTree. */
export const APP_TREE: Readonly<Record<string, string>> = {
  "/app/servers/web1": "10.0.0.1:80",
  "/app/servers/web2": "10.0.0.2:80",
  "/app/db/main/host": "db1",
  "/app/db/main/port": "5432",
};

/** Writes APP_TREE's keys, in its order. */
export async function putAppTree(put: WatchCaseContext["put"]): Promise<void> {
  for (const [key, value] of Object.entries(APP_TREE)) await put(key, value);
}

/** Puts, deletes, several prefixes, resuming from a returned revision, and the snapshot gap. */
export function watchChangeCases(ctx: WatchCaseContext): void {
  const { put, del } = ctx;

  it("resolves on a put and on a delete under the prefix, not on other keys", async () => {
    const backend = ctx.backend();
    const snap = await backend.getValues(["/app/servers"]);
    const signal = new AbortController().signal;
    const w = backend.watch(["/app/servers"], snap.revision, signal);
    await put("/other/y", "unrelated");
    await put(ctx.sibling.key, ctx.sibling.value);
    expect(await within(w, 300)).toBe("pending");
    const rev = await put("/app/servers/web3", "10.0.0.3:80");
    expect(await w).toBe(rev);

    const snap2 = await backend.getValues(["/app/servers"]);
    const w2 = backend.watch(["/app/servers"], snap2.revision, signal);
    const delRev = await del("/app/servers/web3");
    expect(await w2).toBe(delRev);
  });

  it("watches several prefixes at once", async () => {
    const backend = ctx.backend();
    const snap = await backend.getValues(["/app/servers", "/app/db"]);
    const w = backend.watch(["/app/servers", "/app/db"], snap.revision, new AbortController().signal);
    const rev = await put("/app/db/main/port", "5433");
    expect(await w).toBe(rev);
  });

  it("watching again from the revision a watch returned reports later changes only", async () => {
    const backend = ctx.backend();
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

  it("rejects with an AbortError when the signal aborts, and at once when it already has", async () => {
    const backend = ctx.backend();
    const snap = await backend.getValues(["/app"]);
    const ac = new AbortController();
    const w = backend.watch(["/app"], snap.revision, ac.signal);
    setTimeout(() => ac.abort(), 100);
    await expect(w).rejects.toMatchObject({ name: "AbortError" });
    await expect(backend.watch(["/app"], snap.revision, ac.signal)).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("never misses a change made between the snapshot and the watch", async () => {
    const backend = ctx.backend();
    const snap = await backend.getValues(["/app"]);
    const rev = await put("/app/servers/web1", "10.0.0.9:80");
    await put("/other/z", "later, unrelated");
    const w = backend.watch(["/app"], snap.revision, new AbortController().signal);
    expect(await within(w, 2000)).toBe(rev);
  });
}

/** An etcd restart, and a write that lands while the watch is reconnecting. */
export function watchRestartCases(ctx: WatchCaseContext): void {
  const { put } = ctx;

  it("survives an etcd restart and reports the next change", async () => {
    const backend = ctx.backend();
    const snap = await backend.getValues(["/app/servers"]);
    const w = backend.watch(["/app/servers"], snap.revision, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 200)); // let the watch attach before the server goes away
    await ctx.etcd().restart();
    expect(await within(w, 500)).toBe("pending");
    const rev = await put("/app/servers/after-restart", "10.0.0.4:80");
    expect(await within(w, 15_000)).toBe(rev);
    const again = await backend.getValues(["/app/servers"]);
    expect(again.values.get("/app/servers/after-restart")).toBe("10.0.0.4:80");
  });

  it("reports a change made while etcd was down and the watch was reconnecting", async () => {
    const backend = ctx.backend();
    const etcd = ctx.etcd();
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
}
