import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { resolve } from "node:path";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { runLifecycle, type LifecycleOptions, type Service } from "../../src/stack/lifecycle.js";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

class FakeProcess extends EventEmitter {
  readonly exits: number[] = [];
  exit(code: number): void {
    this.exits.push(code);
  }
  signal(s: NodeJS.Signals): void {
    this.emit(s);
  }
  listening(): number {
    return this.listenerCount("SIGINT") + this.listenerCount("SIGTERM");
  }
}

function lifecycle(proc: FakeProcess, over: Partial<LifecycleOptions> & Pick<LifecycleOptions, "start">) {
  return runLifecycle({
    what: "the service",
    stopTimeoutMs: 1000,
    log: pino({ level: "silent" }),
    process: proc,
    ...over,
  });
}

/** A service that records its stop and runs until stopped. */
function service(log: string[], stopMs = 0): Service {
  return {
    stop: async () => {
      log.push("stop");
      await tick(stopMs);
      log.push("stopped");
    },
  };
}

describe("runLifecycle", () => {
  it("on SIGTERM stops the service gracefully, then exits 0", async () => {
    const proc = new FakeProcess();
    const log: string[] = [];
    const run = lifecycle(proc, { start: async () => service(log, 10) });
    await tick();
    expect(proc.listening()).toBe(2);
    proc.signal("SIGTERM");
    expect(await run).toBe(0);
    expect(log).toEqual(["stop", "stopped"]);
    expect(proc.exits).toEqual([0]);
    expect(proc.listening()).toBe(0);
  });

  it("returns the code of a service that ends by itself, without exiting or stopping it", async () => {
    const proc = new FakeProcess();
    const log: string[] = [];
    const code = await lifecycle(proc, {
      start: async () => ({ ...service(log), ended: Promise.resolve(3) }),
    });
    expect(code).toBe(3);
    expect(log).toEqual([]);
    expect(proc.exits).toEqual([]);
    expect(proc.listening()).toBe(0);
  });

  it("after a signal, exits with the code the service ends with", async () => {
    const proc = new FakeProcess();
    let end: (code: number) => void = () => {};
    const ended = new Promise<number>((r) => (end = r));
    const run = lifecycle(proc, {
      start: async (stopping) => {
        stopping.addEventListener("abort", () => end(0));
        return { stop: () => ended.then(() => undefined), ended };
      },
    });
    await tick();
    proc.signal("SIGINT");
    expect(await run).toBe(0);
    expect(proc.exits).toEqual([0]);
  });

  it("a signal during start aborts `stopping` with the signal's name, waits for the start, then stops", async () => {
    const proc = new FakeProcess();
    const log: string[] = [];
    let reason: unknown;
    const run = lifecycle(proc, {
      start: async (stopping) => {
        log.push("starting");
        await tick(20);
        reason = stopping.reason;
        log.push("started");
        return service(log);
      },
    });
    await tick(5);
    proc.signal("SIGINT");
    expect(await run).toBe(0);
    expect(reason).toBe("SIGINT");
    expect(log).toEqual(["starting", "started", "stop", "stopped"]);
  });

  it("a second signal while stopping exits at once with 128 + the signal's number", async () => {
    for (const [sig, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const) {
      const proc = new FakeProcess();
      const log: string[] = [];
      const run = lifecycle(proc, { start: async () => service(log, 50) });
      await tick();
      proc.signal("SIGTERM");
      await tick(5);
      proc.signal(sig);
      expect(proc.exits).toEqual([code]);
      expect(log).toEqual(["stop"]);
      await run;
    }
  });

  it("exits 1 when the stop overruns its bound", async () => {
    const proc = new FakeProcess();
    const run = lifecycle(proc, {
      stopTimeoutMs: 30,
      start: async () => ({ stop: () => tick(200).then(() => undefined) }),
    });
    await tick();
    proc.signal("SIGTERM");
    await tick(100);
    expect(proc.exits).toEqual([1]);
    await run;
  });

  it("exits 1 when the stop fails", async () => {
    const proc = new FakeProcess();
    const run = lifecycle(proc, { start: async () => ({ stop: () => Promise.reject(new Error("stuck")) }) });
    await tick();
    proc.signal("SIGTERM");
    expect(await run).toBe(1);
    expect(proc.exits).toEqual([1]);
  });

  it("a failed start rejects with its error and leaves no signal handler behind", async () => {
    const proc = new FakeProcess();
    await expect(lifecycle(proc, { start: () => Promise.reject(new Error("no etcd")) })).rejects.toThrow(
      "no etcd",
    );
    expect(proc.listening()).toBe(0);
    expect(proc.exits).toEqual([]);
  });
});

describe("runLifecycle in a real process", () => {
  const child = resolve(import.meta.dirname, "../harness/lifecycle-child.ts");

  function start(stopMs: number) {
    const p = spawn(process.execPath, ["--import", "tsx", child, String(stopMs)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
    const started = (async () => {
      while (!out.includes("started")) {
        if (p.exitCode !== null) throw new Error(`child exited: ${out}`);
        await tick(20);
      }
    })();
    return { p, out: () => out, exited, started };
  }

  it("SIGTERM: the stop runs to its end and the process exits 0", async () => {
    const c = start(50);
    await c.started;
    c.p.kill("SIGTERM");
    expect(await c.exited).toBe(0);
    expect(c.out()).toBe("started\nstopping\nstopped\n");
  }, 20_000);

  it("SIGINT twice: the process exits 130 without waiting for the stop", async () => {
    const c = start(10_000);
    await c.started;
    c.p.kill("SIGINT");
    while (!c.out().includes("stopping")) await tick(10);
    c.p.kill("SIGINT");
    expect(await c.exited).toBe(130);
    expect(c.out()).toBe("started\nstopping\n");
  }, 20_000);
});
