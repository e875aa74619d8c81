import { describe, expect, it } from "vitest";
import { type ServiceSpec, routeKey, routesFromLabels } from "../../src/routing/index.js";

function spec(labels: Record<string, string>, env: string[] = [], name = "web-1"): ServiceSpec {
  return routesFromLabels({ name, labels, env });
}
const keys = (s: ServiceSpec) => s.routes.map(routeKey);
const codes = (s: ServiceSpec) => s.warnings.map((w) => w.code);

describe("routesFromLabels: service and defaults", () => {
  it("a container without labels is in the default service, unrouted, with no warnings", () => {
    const s = routesFromLabels({ name: "/app-1", id: "abc", created: 5, labels: {}, env: ["PATH=/bin"] });
    expect(s).toEqual({
      container: { name: "app-1", id: "abc", created: 5 },
      service: "app",
      status: "unrouted",
      routes: [],
      options: {},
      warnings: [],
    });
    expect(routesFromLabels({ name: "x", labels: {}, env: [] }, { defaultService: "web" }).service).toBe(
      "web",
    );
  });

  it("hecd.service, else env SERVICE_NAME", () => {
    expect(spec({ "hecd.service": "shop" }, ["SERVICE_NAME=other"]).service).toBe("shop");
    expect(spec({}, ["SERVICE_NAME=other"]).service).toBe("other");
  });

  it("a bad service name leaves the container in no service, with a typed warning", () => {
    const s = spec({ "hecd.service": "my shop" });
    expect(s.service).toBeNull();
    expect(s.warnings).toEqual([
      {
        code: "bad-service",
        container: "web-1",
        label: "hecd.service",
        message: expect.stringMatching(
          /^container "web-1": label hecd\.service value "my shop" is not a service name; use letters/,
        ),
      },
    ]);
  });
});

describe("routesFromLabels: the three spellings", () => {
  it("hecd's own: hecd.http.host (comma-separated) x hecd.http.path", () => {
    const s = spec({ "hecd.http.host": "A.example.com,www.a.example.com", "hecd.http.path": "/api" });
    expect(s.status).toBe("routed");
    expect(s.routes).toEqual([
      { host: "a.example.com", pathPrefix: "/api" },
      { host: "www.a.example.com", pathPrefix: "/api" },
    ]);
    expect(s.warnings).toEqual([]);
    expect(keys(spec({ "hecd.http.host": "a.com" }))).toEqual(["a.com/"]);
    expect(keys(spec({ "hecd.http.path": "/api,/v2" }))).toEqual(["*/api", "*/v2"]);
    expect(keys(spec({ "hecd.http.host": "*.example.com" }))).toEqual(["*.example.com/"]);
  });

  it("nginx-proxy's VIRTUAL_HOST (comma-separated, blanks around entries) and VIRTUAL_PATH", () => {
    expect(keys(spec({}, ["VIRTUAL_HOST=a.com, b.com,"]))).toEqual(["a.com/", "b.com/"]);
    expect(keys(spec({}, ["VIRTUAL_HOST=a.com", "VIRTUAL_PATH=/app"]))).toEqual(["a.com/app"]);
    expect(keys(spec({}, ["VIRTUAL_PATH=/app"]))).toEqual(["*/app"]);
  });

  it("Traefik: every router's rule, in union; traefik.enable=true changes nothing", () => {
    const s = spec({
      "traefik.enable": "true",
      "traefik.http.routers.web.rule": "Host(`a.com`) && PathPrefix(`/x`)",
      "traefik.http.routers.web.entrypoints": "websecure",
      "traefik.http.routers.alt.rule": "Host(`b.com`) || Host(`a.com`) && PathPrefix(`/x`)",
    });
    expect(s.status).toBe("routed");
    expect(keys(s)).toEqual(["a.com/x", "b.com/"]);
    expect(s.warnings).toEqual([]);
  });

  it("duplicates collapse and routes come out sorted", () => {
    expect(keys(spec({ "hecd.http.host": "b.com,a.com,B.com" }))).toEqual(["a.com/", "b.com/"]);
  });

  it("hecd's labels win over nginx-proxy's, which win over Traefik's; a disagreement is a warning", () => {
    const s = spec({ "hecd.http.host": "a.com", "traefik.http.routers.r.rule": "Host(`t.com`)" }, [
      "VIRTUAL_HOST=v.com",
    ]);
    expect(keys(s)).toEqual(["a.com/"]);
    expect(codes(s)).toEqual(["spelling-shadowed", "spelling-shadowed"]);
    expect(s.warnings[0]!.label).toBe("VIRTUAL_HOST");
    expect(s.warnings[0]!.message).toBe(
      'container "web-1": env VIRTUAL_HOST is ignored: the hecd route labels (label hecd.http.host) take precedence (hecd, then nginx-proxy, then Traefik); give routes in one spelling.',
    );
    expect(s.warnings[1]!.label).toBe("traefik.http.routers.r.rule");
    const n = spec({ "traefik.http.routers.r.rule": "Host(`t.com`)" }, ["VIRTUAL_HOST=v.com"]);
    expect(keys(n)).toEqual(["v.com/"]);
    expect(codes(n)).toEqual(["spelling-shadowed"]);
  });

  it("spellings that agree draw no warning", () => {
    const s = spec({ "hecd.http.host": "a.com", "traefik.http.routers.r.rule": "Host(`A.com`)" }, [
      "VIRTUAL_HOST=a.com",
    ]);
    expect(keys(s)).toEqual(["a.com/"]);
    expect(s.warnings).toEqual([]);
  });
});

describe("routesFromLabels: refusals (never routed wrongly)", () => {
  it.each([
    [{ "hecd.http.host": "a b.example.com" }, [], "bad-host", "hecd.http.host", "contains a space"],
    [{ "hecd.http.host": "a.com,b.com\nbackend x" }, [], "bad-host", "hecd.http.host", "control"],
    [{ "hecd.http.host": "" }, [], "bad-host", "hecd.http.host", "is empty"],
    [
      { "hecd.http.host": "a.com", "hecd.http.path": "/a#b" },
      [],
      "bad-path",
      "hecd.http.path",
      "not allowed",
    ],
    [{ "hecd.http.path": "/a;b" }, [], "bad-path", "hecd.http.path", "not allowed"],
    [{}, ["VIRTUAL_HOST=~^a\\.com$"], "bad-host", "VIRTUAL_HOST", "regular expression"],
    [{}, ["VIRTUAL_HOST=a.com", "VIRTUAL_PATH=api"], "bad-path", "VIRTUAL_PATH", 'start with "/"'],
    [
      { "traefik.http.routers.r.rule": "Host(`a.com`) && Headers(`X`, `1`)" },
      [],
      "unsupported-rule",
      "traefik.http.routers.r.rule",
      "hecd supports Host(`a.example.com`, ...), PathPrefix(`/p`, ...), &&, || and parentheses",
    ],
    [
      { "traefik.http.routers.r.rule": "HostRegexp(`{s:.+}.a.com`)" },
      [],
      "unsupported-rule",
      "traefik.http.routers.r.rule",
      "HostRegexp(...) is not supported",
    ],
    [
      { "traefik.http.routers.r.rule": "Host(`a.com`) && Host(`b.com`)" },
      [],
      "rule-matches-nothing",
      "traefik.http.routers.r.rule",
      "matches nothing",
    ],
    [
      { "traefik.http.routers.r.rule": "Host(`a.com`" },
      [],
      "rule-syntax",
      "traefik.http.routers.r.rule",
      "hecd supports",
    ],
  ] as const)("%j %j -> %s on %s", (labels, env, code, label, text) => {
    const s = spec(labels, [...env]);
    expect(s.status).toBe("refused");
    expect(s.routes).toEqual([]);
    expect(s.warnings).toHaveLength(1);
    const w = s.warnings[0]!;
    expect(w).toMatchObject({ code, container: "web-1", label });
    expect(w.message).toContain(text);
    expect(w.message).toMatch(/^container "web-1": (label|env) /);
    expect(w.message).toContain(label);
    expect(w.message).toContain("The container is not routed until this is fixed.");
  });

  it("one refused router refuses the container's Traefik routes as a whole", () => {
    const s = spec({
      "traefik.http.routers.a.rule": "Host(`a.com`)",
      "traefik.http.routers.b.rule": "Method(`GET`)",
    });
    expect(s.status).toBe("refused");
    expect(s.routes).toEqual([]);
    expect(s.warnings[0]!.label).toBe("traefik.http.routers.b.rule");
  });

  it("a refused winning spelling is not replaced by a lower one", () => {
    const s = spec({ "hecd.http.host": "a b.com" }, ["VIRTUAL_HOST=v.com"]);
    expect(s.status).toBe("refused");
    expect(codes(s)).toEqual(["bad-host", "spelling-shadowed"]);
  });

  it("traefik.enable=false: not routed, and other route labels are named as ignored", () => {
    const quiet = spec({ "traefik.enable": "false", "traefik.http.routers.r.rule": "Host(`a.com`)" });
    expect(quiet.status).toBe("disabled");
    expect(quiet.routes).toEqual([]);
    expect(quiet.warnings).toEqual([]);
    const loud = spec({ "traefik.enable": "False", "hecd.http.host": "a.com" }, ["VIRTUAL_HOST=b.com"]);
    expect(loud.status).toBe("disabled");
    expect(loud.warnings).toEqual([
      {
        code: "disabled",
        container: "web-1",
        label: "traefik.enable",
        message:
          'container "web-1": label traefik.enable is false, so the container is not routed and label hecd.http.host, env VIRTUAL_HOST are ignored; remove traefik.enable=false to route it.',
      },
    ]);
    const bad = spec({ "traefik.enable": "nope", "hecd.http.host": "a.com" });
    expect(bad.status).toBe("refused");
    expect(codes(bad)).toEqual(["bad-option"]);
  });
});

describe("routesFromLabels: ports and options", () => {
  it("port: hecd.port, then SERVICE_PORT, then VIRTUAL_PORT, then Traefik's server port", () => {
    expect(
      spec({ "hecd.port": "8080", "traefik.http.services.s.loadbalancer.server.port": "9" }, [
        "VIRTUAL_PORT=7",
      ]).port,
    ).toBe(8080);
    expect(spec({}, ["SERVICE_PORT=81/tcp", "VIRTUAL_PORT=7"]).port).toBe(81);
    expect(spec({ "traefik.http.services.s.loadbalancer.server.port": "9" }, ["VIRTUAL_PORT=7"]).port).toBe(
      7,
    );
    expect(spec({ "traefik.http.services.s.loadbalancer.server.port": "9" }).port).toBe(9);
    expect(spec({}).port).toBeUndefined();
  });

  it("a bad port is refused, not replaced by a lower-precedence one", () => {
    const s = spec({ "hecd.port": "http" }, ["VIRTUAL_PORT=80"]);
    expect(s.port).toBeUndefined();
    expect(s.warnings).toEqual([
      {
        code: "bad-port",
        container: "web-1",
        label: "hecd.port",
        message:
          'container "web-1": label hecd.port value "http" is not a port: use a number in 1..65535 (e.g. 8080).',
      },
    ]);
    expect(codes(spec({}, ["VIRTUAL_PORT=70000"]))).toEqual(["bad-port"]);
  });

  it("Traefik services giving different ports are ambiguous", () => {
    const s = spec({
      "traefik.http.services.a.loadbalancer.server.port": "80",
      "traefik.http.services.b.loadbalancer.server.port": "81",
    });
    expect(s.port).toBeUndefined();
    expect(codes(s)).toEqual(["port-ambiguous"]);
    expect(s.warnings[0]!.message).toContain("set hecd.port");
    expect(
      spec({
        "traefik.http.services.a.loadbalancer.server.port": "80",
        "traefik.http.services.b.loadbalancer.server.port": "80",
      }).port,
    ).toBe(80);
  });

  it("hecd.tcp.port", () => {
    expect(spec({ "hecd.tcp.port": "5432" }).tcpPort).toBe(5432);
    const s = spec({ "hecd.tcp.port": "5432;" });
    expect(s.tcpPort).toBeUndefined();
    expect(s.warnings[0]).toMatchObject({ code: "bad-port", label: "hecd.tcp.port" });
  });

  it("options, each validated", () => {
    const s = spec({
      "hecd.check.path": "/healthz",
      "hecd.check.interval": "2s",
      "hecd.balance": "leastconn",
      "hecd.sticky": "true",
      "hecd.maxconn": "50",
    });
    expect(s.options).toEqual({
      checkPath: "/healthz",
      checkIntervalMs: 2000,
      balance: "leastconn",
      sticky: true,
      maxconn: 50,
    });
    expect(s.warnings).toEqual([]);
  });

  it("a bad option is left out with a warning naming the label; routing is unaffected", () => {
    const s = spec({
      "hecd.http.host": "a.com",
      "hecd.check.path": "/health z",
      "hecd.check.interval": "2",
      "hecd.balance": "source",
      "hecd.sticky": "sometimes",
      "hecd.maxconn": "0",
    });
    expect(s.status).toBe("routed");
    expect(s.options).toEqual({});
    expect(s.warnings.map((w) => [w.code, w.label])).toEqual([
      ["bad-option", "hecd.check.path"],
      ["bad-option", "hecd.check.interval"],
      ["bad-option", "hecd.balance"],
      ["bad-option", "hecd.sticky"],
      ["bad-option", "hecd.maxconn"],
    ]);
    expect(s.warnings[2]!.message).toBe(
      'container "web-1": label hecd.balance value "source" is not a supported balance algorithm: use one of roundrobin, leastconn, random, first.',
    );
  });
});
