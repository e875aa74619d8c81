import { describe, expect, it } from "vitest";
import { pause } from "../../src/util/pause.js";

describe("pause", () => {
  it("waits about the time asked for without a signal", async () => {
    const t0 = performance.now();
    await pause(30);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
  });

  it("ends early when the signal aborts", async () => {
    const ac = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 10);
    await pause(5_000, ac.signal);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it("resolves at once when the signal has already aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    const t0 = performance.now();
    await pause(5_000, ac.signal);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});
