// The metrics endpoint and the metric sets fed by the sync loop and confd's processor.
import { describe, expect, it } from "vitest";
import { createLbMetrics } from "../../src/lb/metrics.js";
import { newMetricsRegistry, parseListenAddress, startMetricsServer } from "../../src/metrics/server.js";
import { runConfd } from "../../src/confd/main.js";
import type { SyncReport } from "../../src/haproxy/controller.js";
import { freePort } from "../harness/ports.js";

describe("metrics endpoint", () => {
  it.each([
    ["9101", { host: "127.0.0.1", port: 9101 }],
    [":9101", { host: "127.0.0.1", port: 9101 }],
    ["0.0.0.0:80", { host: "0.0.0.0", port: 80 }],
    ["[::1]:9101", { host: "::1", port: 9101 }],
    ["localhost:9", { host: "localhost", port: 9 }],
  ])("reads %s", (value, want) => {
    expect(parseListenAddress("--metrics", value)).toEqual(want);
  });

  it.each(["", "x", "1.2.3.4", "1.2.3.4:0", "1.2.3.4:70000", "example.com:80", "1.2.3.4:80/metrics"])(
    "refuses %j naming the flag and the fix",
    (value) => {
      expect(() => parseListenAddress("--metrics", value)).toThrow(
        /--metrics .*(host:port|not an IP address)/,
      );
    },
  );

  it("serves GET /metrics in Prometheus' text format with the process metrics, 404 elsewhere", async () => {
    const port = await freePort();
    const server = await startMetricsServer("--metrics", String(port), newMetricsRegistry());
    try {
      expect(server.url).toBe(`http://127.0.0.1:${port}/metrics`);
      const r = await fetch(server.url);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toContain("text/plain; version=0.0.4");
      expect(await r.text()).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      expect((await fetch(server.url, { method: "POST" })).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("says when the port is taken", async () => {
    const port = await freePort();
    const first = await startMetricsServer("--metrics", `127.0.0.1:${port}`, newMetricsRegistry());
    try {
      await expect(
        startMetricsServer("--metrics", `127.0.0.1:${port}`, newMetricsRegistry()),
      ).rejects.toThrow(
        `--metrics 127.0.0.1:${port}: cannot listen on 127.0.0.1:${port}: the port is in use (pick another)`,
      );
    } finally {
      await first.close();
    }
  });

  it("hecd confd refuses a bad -metrics value before doing anything (exit 2)", async () => {
    let stderr = "";
    const code = await runConfd(["-onetime", "-metrics", "nowhere"], {
      env: {},
      stdout: () => {},
      stderr: (t) => (stderr += t),
      createBackend: () => Promise.reject(new Error("must not be called")),
    });
    expect(code).toBe(2);
    expect(stderr).toContain('-metrics "nowhere" is not an address to listen on');
  });
});

describe("load-balancer metrics", () => {
  it("count applies, server changes by kind, failures, reloads and restarts", async () => {
    const registry = newMetricsRegistry();
    let restarts = 0;
    const m = createLbMetrics(registry, { desiredServers: () => 3, haproxyRestarts: () => restarts });
    const report = (over: Partial<SyncReport["apply"]>, reload = false): SyncReport =>
      ({
        configWritten: true,
        ...(reload ? { reload: {} } : {}),
        apply: {
          backend: "app",
          actions: [],
          added: [],
          readdressed: [],
          repaired: [],
          removed: [],
          draining: [],
          failed: [],
          ...over,
        },
      }) as SyncReport;
    m.applied(report({ added: ["a", "b"] }), 0, 4);
    m.applied(report({ draining: ["a"] }, true), 1, 6);
    restarts = 2;
    const text = await registry.metrics();
    expect(text).toMatch(/^hecd_lb_desired_servers 3$/m);
    expect(text).toMatch(/^hecd_lb_applies_total 2$/m);
    expect(text).toMatch(/^hecd_lb_server_changes_total\{kind="added"\} 2$/m);
    expect(text).toMatch(/^hecd_lb_server_changes_total\{kind="removed"\} 1$/m);
    expect(text).toMatch(/^hecd_lb_failures_total\{kind="rejected"\} 1$/m);
    expect(text).toMatch(/^hecd_lb_reloads_total 1$/m);
    expect(text).toMatch(/^hecd_haproxy_restarts_total 2$/m);
    expect(text).toMatch(/^hecd_lb_apply_duration_seconds_count 2$/m);
  });
});
