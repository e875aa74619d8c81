import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createBackend, type Backend } from "../../src/backends/index.js";
import { within } from "../harness/ports.js";

let dir: string;
const open: Backend[] = [];

async function make(files: string[], filter?: string): Promise<Backend> {
  const b = await createBackend({ backend: "file", nodes: [], files, filter });
  open.push(b);
  return b;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "hecd-backends-file-"));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("file backend", () => {
  it("reads YAML and JSON files with nested maps and lists, filtered by prefix", async () => {
    const yamlFile = join(dir, "app.yaml");
    const jsonFile = join(dir, "db.json");
    writeFileSync(
      yamlFile,
      "app:\n  servers:\n    web1: 10.0.0.1:80\n    web2: 10.0.0.2:80\n  ports: [80, 443]\n  tls: true\nother: x\n",
    );
    writeFileSync(
      jsonFile,
      JSON.stringify({ app: { db: { hosts: ["db1", "db2"], pool: { size: 10, ratio: 0.5 } } } }),
    );
    const b = await make([yamlFile, jsonFile]);
    const snap = await b.getValues(["/app/servers", "/app/db"]);
    expect(Object.fromEntries(snap.values)).toEqual({
      "/app/servers/web1": "10.0.0.1:80",
      "/app/servers/web2": "10.0.0.2:80",
      "/app/db/hosts/0": "db1",
      "/app/db/hosts/1": "db2",
      "/app/db/pool/size": "10",
      "/app/db/pool/ratio": "0.5",
    });
    const all = await b.getValues(["/"]);
    expect(all.values.get("/app/ports/1")).toBe("443");
    expect(all.values.get("/app/tls")).toBe("true");
    expect(all.values.get("/other")).toBe("x");
    expect((await b.getValues(["/missing"])).values.size).toBe(0);
  });

  it("walks directories, applying -filter to file names, later files winning", async () => {
    const conf = join(dir, "conf.d");
    mkdirSync(join(conf, "sub"), { recursive: true });
    writeFileSync(join(conf, "a.yaml"), "k: from-a\nonly_a: 1\n");
    writeFileSync(join(conf, "sub", "b.yaml"), "k: from-b\n");
    writeFileSync(join(conf, "notes.txt"), "k: from-txt\n");
    const b = await make([conf], "*.yaml");
    expect(Object.fromEntries((await b.getValues(["/"])).values)).toEqual({ "/k": "from-b", "/only_a": "1" });
  });

  it("reports a bad file clearly", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "a: [unclosed\n");
    await expect(make([bad])).rejects.toThrow(/cannot parse .*bad\.yaml/);
  });

  it("watch resolves when a file's content changes (in place and by rename), not on a touch", async () => {
    const f = join(dir, "watched.yaml");
    writeFileSync(f, "app:\n  servers:\n    web1: 10.0.0.1:80\n");
    const b = await make([f]);
    const signal = new AbortController().signal;

    const s1 = await b.getValues(["/app"]);
    const w1 = b.watch(["/app"], s1.revision, signal);
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(f, "app:\n  servers:\n    web1: 10.0.0.1:80\n"); // same content
    expect(await within(w1, 400)).toBe("pending");
    writeFileSync(f, "app:\n  servers:\n    web1: 10.0.0.9:80\n");
    const r1 = await within(w1, 3000);
    expect(r1).not.toBe("pending");
    const s2 = await b.getValues(["/app"]);
    expect(s2.revision).toBe(r1);
    expect(s2.values.get("/app/servers/web1")).toBe("10.0.0.9:80");

    // Editors and config managers replace files atomically.
    const w2 = b.watch(["/app"], s2.revision, signal);
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(f + ".tmp", "app:\n  servers:\n    web2: 10.0.0.2:80\n");
    renameSync(f + ".tmp", f);
    expect(await within(w2, 3000)).not.toBe("pending");
    expect(Object.fromEntries((await b.getValues(["/app"])).values)).toEqual({
      "/app/servers/web2": "10.0.0.2:80",
    });
  });

  it("watch never misses a change made between the snapshot and the watch", async () => {
    const f = join(dir, "race.yaml");
    writeFileSync(f, "a: 1\n");
    const b = await make([f]);
    const snap = await b.getValues(["/"]);
    writeFileSync(f, "a: 2\n");
    expect(await within(b.watch(["/"], snap.revision, new AbortController().signal), 2000)).not.toBe(
      "pending",
    );
  });

  it("watch sees a new file in a watched directory", async () => {
    const d = join(dir, "newfiles");
    mkdirSync(d);
    writeFileSync(join(d, "one.yaml"), "a: 1\n");
    const b = await make([d], "*.yaml");
    const snap = await b.getValues(["/"]);
    const w = b.watch(["/"], snap.revision, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(join(d, "ignored.txt"), "b: 2\n");
    expect(await within(w, 400)).toBe("pending");
    writeFileSync(join(d, "two.yaml"), "b: 2\n");
    expect(await within(w, 3000)).not.toBe("pending");
    expect((await b.getValues(["/"])).values.get("/b")).toBe("2");
  });

  it("watch resolves when a watched file disappears, and the re-read names it", async () => {
    const f = join(dir, "vanishing.yaml");
    writeFileSync(f, "a: 1\n");
    const b = await make([f]);
    const snap = await b.getValues(["/"]);
    const w = b.watch(["/"], snap.revision, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 100));
    rmSync(f);
    expect(await within(w, 3000)).not.toBe("pending");
    await expect(b.getValues(["/"])).rejects.toThrow(
      /file backend: cannot read .*vanishing\.yaml.*pass -file/,
    );
  });

  it("watch rejects with an AbortError when the signal aborts", async () => {
    const f = join(dir, "abort.yaml");
    writeFileSync(f, "a: 1\n");
    const b = await make([f]);
    const snap = await b.getValues(["/"]);
    const ac = new AbortController();
    const w = b.watch(["/"], snap.revision, ac.signal);
    setTimeout(() => ac.abort(), 50);
    await expect(w).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("env backend", () => {
  it("reads variables through confd's key transform", async () => {
    process.env.HECDTEST_SERVERS_WEB1 = "10.0.0.1:80";
    process.env.HECDTEST_SERVERS_WEB2 = "10.0.0.2:80";
    process.env.HECDTEST_PORT = "8080";
    try {
      const b = await createBackend({ backend: "env", nodes: [] });
      open.push(b);
      expect(Object.fromEntries((await b.getValues(["/hecdtest/servers"])).values)).toEqual({
        "/hecdtest/servers/web1": "10.0.0.1:80",
        "/hecdtest/servers/web2": "10.0.0.2:80",
      });
      expect(Object.fromEntries((await b.getValues(["/hecdtest/port", "/hecdtest/missing"])).values)).toEqual(
        {
          "/hecdtest/port": "8080",
        },
      );
      await expect(b.watch(["/hecdtest"], 0n, new AbortController().signal)).rejects.toThrow(
        /env backend cannot watch.*-onetime or -interval/,
      );
    } finally {
      delete process.env.HECDTEST_SERVERS_WEB1;
      delete process.env.HECDTEST_SERVERS_WEB2;
      delete process.env.HECDTEST_PORT;
    }
  });
});
