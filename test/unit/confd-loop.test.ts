import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { Backend, Revision, Snapshot } from "../../src/backends/types.js";
import type { CycleReport } from "../../src/confd/cycle.js";
import { runLoop, type LoopDeps } from "../../src/confd/loop.js";
import { quiesce } from "../../src/confd/quiesce.js";
import { pause } from "../../src/util/pause.js";
import type { TemplateResource } from "../../src/confd/resource.js";

/** An in-memory backend with a revision counter and prefix watches. */
class MemBackend implements Backend {
  readonly name = "mem";
  values = new Map<string, string>();
  revision = 1n;
  reads = 0;
  failReads = 0;
  private waiters = new Set<() => void>();
  put(k: string, v: string) {
    this.values.set(k, v);
    this.bump();
  }
  del(k: string) {
    this.values.delete(k);
    this.bump();
  }
  private bump() {
    this.revision++;
    for (const w of [...this.waiters]) w();
  }
  async getValues(prefixes: readonly string[]): Promise<Snapshot> {
    this.reads++;
    if (this.failReads > 0) {
      this.failReads--;
      throw new Error("connection refused");
    }
    const values = new Map(
      [...this.values].filter(([k]) => prefixes.some((p) => k === p || k.startsWith(p + "/"))),
    );
    return { values, revision: this.revision };
  }
  watch(_prefixes: readonly string[], since: Revision, signal: AbortSignal): Promise<Revision> {
    return new Promise((resolve, reject) => {
      if (this.revision > since) return resolve(this.revision);
      const w = () => {
        this.waiters.delete(w);
        resolve(this.revision);
      };
      this.waiters.add(w);
      signal.addEventListener("abort", () => {
        this.waiters.delete(w);
        reject(new DOMException("aborted", "AbortError"));
      });
    });
  }
  async close() {}
}

const root = mkdtempSync(join(tmpdir(), "hecd-confd-loop-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function setup(reloadCmd?: string) {
  const dir = mkdtempSync(join(root, "t-"));
  mkdirSync(join(dir, "out"));
  const src = join(dir, "t.tmpl");
  writeFileSync(src, "");
  const r: TemplateResource = {
    file: "r.toml",
    src,
    dest: join(dir, "out", "r"),
    keys: ["/servers"],
    prefix: "/app",
    ...(reloadCmd ? { reloadCmd } : {}),
  };
  const backend = new MemBackend();
  const ac = new AbortController();
  const reports: CycleReport[] = [];
  const deps: LoopDeps = {
    backend,
    signal: ac.signal,
    render: async (_src, values) => [...values].map(([k, v]) => `${k}=${v}\n`).join(""),
    renderCmd: (c) => c,
    run: async () => ({ ok: true, status: "0", output: "", ms: 0 }),
    log: pino({ level: "silent" }),
    euid: process.geteuid!(),
    egid: process.getegid!(),
    out: () => {},
    onCycle: (rep) => reports.push(rep),
  };
  return { r, backend, ac, reports, deps, read: () => readFileSync(r.dest, "utf8") };
}

const opts = { noop: false, syncOnly: false, keepStageFile: false };

async function until(what: string, f: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await pause(5);
  }
}

describe("processor modes", () => {
  it("-onetime renders once and exits 0, or 1 when a resource failed or the backend is down", async () => {
    const t = setup();
    t.backend.put("/app/servers/a", "1.1.1.1:80");
    expect(await runLoop([t.r], { kind: "onetime" }, opts, t.deps)).toBe(0);
    expect(t.read()).toBe("/servers/a=1.1.1.1:80\n");
    const bad = setup();
    bad.deps.render = async () => {
      throw new Error("boom");
    };
    expect(await runLoop([bad.r], { kind: "onetime" }, opts, bad.deps)).toBe(1);
    const down = setup();
    down.backend.failReads = 1;
    expect(await runLoop([down.r], { kind: "onetime" }, opts, down.deps)).toBe(1);
  });

  it("-watch re-renders on each change, deleted keys disappear, and it stops on abort", async () => {
    const t = setup();
    t.backend.put("/app/servers/a", "1");
    const done = runLoop([t.r], { kind: "watch" }, opts, t.deps);
    await until("first render", () => t.reports.length === 1);
    t.backend.put("/app/servers/b", "2");
    await until("b", () => t.read().includes("/servers/b=2"));
    t.backend.del("/app/servers/a");
    await until("a removed", () => !t.read().includes("/servers/a"));
    expect(t.read()).toBe("/servers/b=2\n");
    t.ac.abort();
    expect(await done).toBe(0);
  });

  it("-watch stops when aborted in the middle of a cycle", async () => {
    const t = setup();
    t.deps.onCycle = () => t.ac.abort();
    expect(await runLoop([t.r], { kind: "watch" }, opts, t.deps)).toBe(0);
  }, 5000);

  it("-watch keeps retrying after backend read errors", async () => {
    const t = setup();
    t.backend.failReads = 1;
    t.backend.put("/app/servers/a", "1");
    const done = runLoop([t.r], { kind: "watch" }, opts, t.deps);
    await until("render after retry", () => t.reports.length === 1, 5000);
    expect(t.backend.reads).toBe(2);
    t.ac.abort();
    await done;
  });

  it("-wait coalesces a burst into one render and one reload", async () => {
    const t = setup("reload");
    t.backend.put("/app/servers/seed", "0");
    let reloads = 0;
    t.deps.run = async () => {
      reloads++;
      return { ok: true, status: "0", output: "", ms: 0 };
    };
    const done = runLoop([t.r], { kind: "watch", wait: { minMs: 300, maxMs: 5000 } }, opts, t.deps);
    await until("first render", () => t.reports.length === 1);
    for (let i = 0; i < 50; i++) {
      t.backend.put(`/app/servers/s${i}`, String(i));
      await pause(2);
    }
    await until("burst rendered", () => t.read().includes("/servers/s49=49"));
    await pause(300);
    expect(t.reports.length).toBe(2);
    expect(reloads).toBe(2);
    t.ac.abort();
    await done;
  });

  it("-interval reads conf.d again before every poll; a broken set is logged and the old one kept", async () => {
    const t = setup();
    t.backend.put("/app/servers/a", "1");
    t.backend.put("/app/other/x", "9");
    const second: TemplateResource = { ...t.r, file: "second.toml", dest: `${t.r.dest}2`, keys: ["/other"] };
    const errors: string[] = [];
    let next: ReturnType<NonNullable<LoopDeps["reloadResources"]>> = { ok: true, resources: [t.r, second] };
    let reloads = 0;
    const deps: LoopDeps = {
      ...t.deps,
      log: pino({ level: "error" }, { write: (line: string) => errors.push(line) }),
      reloadResources: () => {
        reloads++;
        return next;
      },
    };
    const done = runLoop([t.r], { kind: "interval", seconds: 1 }, opts, deps);
    await until("first poll", () => t.reports.length === 1);
    expect(reloads).toBe(0);
    await until("second poll renders the new resource", () => t.reports.length === 2, 3000);
    expect(readFileSync(second.dest, "utf8")).toBe("/other/x=9\n");
    next = { ok: false, error: "conf.d/broken.toml: invalid TOML" };
    t.backend.put("/app/servers/a", "2");
    await until("third poll", () => t.reports.length === 3, 3000);
    expect(t.read()).toBe("/servers/a=2\n");
    expect(t.reports[2]!.outcomes.map((o) => o.resource.file)).toEqual(["r.toml", "second.toml"]);
    expect(errors.join("")).toContain(
      "conf.d/broken.toml: invalid TOML; keeping the 2 template resource(s) read before",
    );
    t.ac.abort();
    expect(await done).toBe(0);
  });

  it("-interval polls", async () => {
    const t = setup();
    t.backend.put("/app/servers/a", "1");
    const done = runLoop([t.r], { kind: "interval", seconds: 1 }, opts, t.deps);
    await until("first", () => t.reports.length === 1);
    t.backend.put("/app/servers/a", "2");
    await until("second poll", () => t.read() === "/servers/a=2\n", 3000);
    t.ac.abort();
    expect(await done).toBe(0);
  });
});

describe("quiescence", () => {
  it("returns after min of quiet, or at max while changes keep coming", async () => {
    const b = new MemBackend();
    const ac = new AbortController();
    let t0 = performance.now();
    const quiet = await quiesce(
      (s, sig) => b.watch([], s, sig),
      b.revision,
      { minMs: 50, maxMs: 1000 },
      ac.signal,
    );
    expect(quiet.changes).toBe(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    expect(performance.now() - t0).toBeLessThan(500);

    const writer = setInterval(() => b.put("/k", String(Math.random())), 10);
    t0 = performance.now();
    const busy = await quiesce(
      (s, sig) => b.watch([], s, sig),
      b.revision,
      { minMs: 50, maxMs: 300 },
      ac.signal,
    );
    clearInterval(writer);
    const took = performance.now() - t0;
    expect(busy.changes).toBeGreaterThan(5);
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(600);
    expect(busy.revision).toBeLessThanOrEqual(b.revision);
  });
});
