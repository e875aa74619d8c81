import { describe, expect, it } from "vitest";
import {
  type MergedService,
  type ServiceSpec,
  backendName,
  conflictsAcrossServices,
  mergeReplicas,
  routeKey,
  routesFromLabels,
  tcpBackendName,
} from "../../src/routing/index.js";

function c(name: string, created: number | undefined, labels: Record<string, string>): ServiceSpec {
  return routesFromLabels({ name, ...(created !== undefined ? { created } : {}), labels, env: [] });
}
const keys = (s: MergedService) => s.routes.map(routeKey);

describe("backendName", () => {
  it("is svc_<name> for valid names, stable, and distinct for different services", () => {
    expect(backendName("web")).toBe("svc_web");
    expect(backendName("web.v2_a-b")).toBe("svc_web.v2_a-b");
    expect(tcpBackendName("db")).toBe("tcp_db");
    const odd = backendName("we b");
    expect(odd).toMatch(/^svc_we_b_[0-9a-f]{8}$/);
    expect(backendName("we b")).toBe(odd);
    expect(backendName("we#b")).not.toBe(odd);
    expect(backendName("we#b")).toMatch(/^svc_[A-Za-z0-9_.-]+$/);
  });
});

describe("mergeReplicas", () => {
  it("groups by service, sorted, with the backend name and every replica", () => {
    const merged = mergeReplicas([
      c("web-2", 20, { "hecd.service": "web", "hecd.http.host": "a.com" }),
      c("app-1", 5, {}),
      c("web-1", 10, { "hecd.service": "web", "hecd.http.host": "a.com" }),
      c("bad", 1, { "hecd.service": "no good" }),
    ]);
    expect(merged.map((m) => [m.service, m.backend, m.containers, m.status])).toEqual([
      ["app", "svc_app", ["app-1"], "unrouted"],
      ["web", "svc_web", ["web-1", "web-2"], "routed"],
    ]);
    expect(merged[1]!.source.name).toBe("web-2");
    expect(merged[1]!.warnings).toEqual([]);
  });

  it("replicas that disagree: the newest container's labels win, with a warning listing who says what", () => {
    const specs = [
      c("web-1", 10, { "hecd.service": "web", "hecd.http.host": "old.com", "hecd.balance": "leastconn" }),
      c("web-3", 30, { "hecd.service": "web", "hecd.http.host": "new.com" }),
      c("web-2", 10, { "hecd.service": "web", "hecd.http.host": "old.com", "hecd.balance": "leastconn" }),
    ];
    const [web] = mergeReplicas(specs);
    expect(keys(web!)).toEqual(["new.com/"]);
    expect(web!.options).toEqual({});
    expect(web!.source.name).toBe("web-3");
    expect(web!.warnings).toEqual([
      {
        code: "replica-conflict",
        containers: ["web-1", "web-2", "web-3"],
        services: ["web"],
        message:
          'service "web": replicas disagree on routes, hecd.balance; the newest container "web-3" wins. ' +
          '"web-3": routes new.com/; hecd.balance (unset) | "web-2", "web-1": routes old.com/; hecd.balance leastconn. ' +
          "Give every replica the same labels (hecd scale copies them).",
      },
    ]);
  });

  it("is independent of input order; equal created times fall back to the name, unknown times count as oldest", () => {
    const a = c("web-a", 10, { "hecd.service": "web", "hecd.http.host": "a.com" });
    const b = c("web-b", 10, { "hecd.service": "web", "hecd.http.host": "b.com" });
    const u = c("web-z", undefined, { "hecd.service": "web", "hecd.http.host": "z.com" });
    for (const order of [
      [a, b, u],
      [u, b, a],
      [b, u, a],
    ]) {
      const [web] = mergeReplicas(order);
      expect(keys(web!)).toEqual(["b.com/"]);
      expect(web!.warnings[0]!.code).toBe("replica-conflict");
    }
  });

  it("a disagreement on routing status or TCP port is a conflict too; a differing container port is not", () => {
    const [db] = mergeReplicas([
      c("db-1", 1, { "hecd.service": "db", "hecd.tcp.port": "5432", "hecd.port": "5432" }),
      c("db-2", 2, { "hecd.service": "db", "hecd.tcp.port": "5433", "hecd.port": "6000" }),
    ]);
    expect(db!.tcpPort).toBe(5433);
    expect(db!.warnings[0]!.message).toContain("disagree on hecd.tcp.port;");
    const [web] = mergeReplicas([
      c("w-1", 1, { "hecd.service": "w", "hecd.http.host": "a.com" }),
      c("w-2", 2, { "hecd.service": "w", "hecd.http.host": "a b.com" }),
    ]);
    expect(web!.status).toBe("refused");
    expect(web!.routes).toEqual([]);
    expect(web!.warnings[0]!.message).toContain("disagree on routing, routes;");
  });
});

describe("conflictsAcrossServices", () => {
  it("two services claiming one host and path: the earlier claim keeps it, the other loses only that route", () => {
    const merged = mergeReplicas([
      c("shop-1", 100, { "hecd.service": "shop", "hecd.http.host": "a.com,b.com" }),
      c("web-1", 50, { "hecd.service": "web", "hecd.http.host": "a.com", "hecd.http.path": "/,/api" }),
    ]);
    const { services, warnings } = conflictsAcrossServices(merged);
    expect(services.map((s) => [s.service, keys(s)])).toEqual([
      ["shop", ["b.com/"]],
      ["web", ["a.com/", "a.com/api"]],
    ]);
    expect(warnings).toEqual([
      {
        code: "route-conflict",
        services: ["web", "shop"],
        containers: ["web-1", "shop-1"],
        message:
          'services "web" and "shop" both claim a.com/: "web" keeps it (its claim, from container "web-1", is the earlier one); ' +
          '"shop" (container "shop-1") does not get it. Remove the route labels from one of them or give it another host or path.',
      },
    ]);
  });

  it("a tie in claim time goes to the service name that sorts first, whatever the input order", () => {
    const x = mergeReplicas([c("b-1", 7, { "hecd.service": "b", "hecd.http.path": "/x" })]);
    const y = mergeReplicas([c("a-1", 7, { "hecd.service": "a", "hecd.http.path": "/x" })]);
    for (const input of [
      [...x, ...y],
      [...y, ...x],
    ]) {
      const { services, warnings } = conflictsAcrossServices(input);
      expect(services.find((s) => s.service === "a")!.routes).toHaveLength(1);
      expect(services.find((s) => s.service === "b")!.routes).toHaveLength(0);
      expect(warnings.map((w) => w.services)).toEqual([["a", "b"]]);
    }
  });

  it("same host with a different path, or a wildcard over an exact host, is no conflict", () => {
    const merged = mergeReplicas([
      c("a-1", 1, { "hecd.service": "a", "hecd.http.host": "x.com", "hecd.http.path": "/a" }),
      c("b-1", 2, { "hecd.service": "b", "hecd.http.host": "x.com", "hecd.http.path": "/b" }),
      c("c-1", 3, { "hecd.service": "c", "hecd.http.host": "*.x.com" }),
      c("d-1", 4, { "hecd.service": "d", "hecd.http.host": "w.x.com" }),
    ]);
    const r = conflictsAcrossServices(merged);
    expect(r.warnings).toEqual([]);
    expect(r.services).toEqual(merged);
  });

  it("unrouted, disabled and refused services claim no routes", () => {
    const merged = mergeReplicas([
      c("a-1", 1, { "hecd.service": "a", "traefik.enable": "false", "hecd.http.host": "x.com" }),
      c("b-1", 2, { "hecd.service": "b", "hecd.http.host": "x.com" }),
    ]);
    const r = conflictsAcrossServices(merged);
    expect(r.warnings).toEqual([]);
    expect(keys(r.services[1]!)).toEqual(["x.com/"]);
  });

  it("two services on one TCP port: the earlier claim keeps it", () => {
    const merged = mergeReplicas([
      c("pg-1", 1, { "hecd.service": "pg", "hecd.tcp.port": "5432" }),
      c("pg2-1", 2, { "hecd.service": "pg2", "hecd.tcp.port": "5432" }),
    ]);
    const { services, warnings } = conflictsAcrossServices(merged);
    expect(services.map((s) => s.tcpPort)).toEqual([5432, undefined]);
    expect(warnings).toEqual([
      expect.objectContaining({
        code: "tcp-port-conflict",
        services: ["pg", "pg2"],
        label: "hecd.tcp.port",
        message: expect.stringContaining("both claim TCP port 5432"),
      }),
    ]);
  });
});
