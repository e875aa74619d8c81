import { describe, expect, it } from "vitest";
import { KeyedSerialQueue, SerialQueue } from "../../src/util/serial.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("SerialQueue", () => {
  it("runs tasks one at a time in queue order, even when earlier ones are slower", async () => {
    const q = new SerialQueue();
    const log: string[] = [];
    const a = q.run(async () => {
      log.push("a start");
      await tick(20);
      log.push("a end");
      return 1;
    });
    const b = q.run(() => {
      log.push("b");
      return 2;
    });
    expect(await Promise.all([a, b])).toEqual([1, 2]);
    expect(log).toEqual(["a start", "a end", "b"]);
  });

  it("a failed task rejects its own promise and the next task still runs", async () => {
    const q = new SerialQueue();
    const failed = q.run(() => Promise.reject(new Error("boom")));
    const next = q.run(() => "ok");
    await expect(failed).rejects.toThrow("boom");
    expect(await next).toBe("ok");
    await expect(q.idle()).resolves.toBeUndefined();
  });

  it("idle() waits for everything queued so far", async () => {
    const q = new SerialQueue();
    let done = false;
    void q.run(async () => {
      await tick(10);
      done = true;
    });
    await q.idle();
    expect(done).toBe(true);
  });
});

describe("KeyedSerialQueue", () => {
  it("orders tasks per key and runs different keys concurrently", async () => {
    const q = new KeyedSerialQueue();
    const log: string[] = [];
    const slow = q.run("x", async () => {
      await tick(30);
      log.push("x1");
    });
    const x2 = q.run("x", () => void log.push("x2"));
    const y = q.run("y", () => void log.push("y"));
    await Promise.all([slow, x2, y]);
    expect(log).toEqual(["y", "x1", "x2"]);
  });

  it("idle() waits for every key, and failures do not stop a key's queue", async () => {
    const q = new KeyedSerialQueue();
    const bad = q.run("k", () => Promise.reject(new Error("no")));
    const good = q.run("k", () => 5);
    await expect(bad).rejects.toThrow("no");
    expect(await good).toBe(5);
    await q.idle();
  });
});
