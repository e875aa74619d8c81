import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type MergedService,
  type RouteMaps,
  buildMaps,
  conflictsAcrossServices,
  mergeReplicas,
  renderMap,
  replaceMapCommands,
  resolveRoute,
  routesFromLabels,
} from "../../src/routing/index.js";

let seq = 0;
function svc(service: string, hosts: string | undefined, paths?: string, created = ++seq): MergedService[] {
  const labels: Record<string, string> = { "hecd.service": service };
  if (hosts !== undefined) labels["hecd.http.host"] = hosts;
  if (paths !== undefined) labels["hecd.http.path"] = paths;
  return mergeReplicas([routesFromLabels({ name: `${service}-1`, created, labels, env: [] })]);
}

/** The routing rule, stated directly: the most specific host level that has a matching
 * path (exact host, then wildcards from the most specific, then any host), then the longest
 * path prefix within that level. */
function reference(services: readonly MergedService[], host: string, path: string): string | undefined {
  const settled = conflictsAcrossServices(services).services.filter((s) => s.status === "routed");
  const all = settled.flatMap((s) => s.routes.map((r) => ({ ...r, backend: s.backend })));
  const levels: ((h: string | undefined) => boolean)[] = [(h) => h === host];
  const wild = [...new Set(all.map((r) => r.host).filter((h): h is string => !!h?.startsWith("*.")))]
    .filter((w) => host.endsWith(w.slice(1)))
    .sort((a, b) => b.length - a.length);
  for (const w of wild) levels.push((h) => h === w);
  levels.push((h) => h === undefined);
  for (const level of levels) {
    const hits = all.filter((r) => level(r.host) && path.startsWith(r.pathPrefix));
    if (hits.length > 0) return hits.sort((a, b) => b.pathPrefix.length - a.pathPrefix.length)[0]!.backend;
  }
  return undefined;
}

describe("buildMaps", () => {
  it("exact hosts, wildcards and paths, with every entry keyed by host key + path", () => {
    const maps = buildMaps([
      ...svc("shop", "shop.example.com,www.shop.example.com"),
      ...svc("api", "shop.example.com", "/api,/api/v2"),
      ...svc("tenants", "*.example.com"),
      ...svc("static", undefined, "/static"),
    ]);
    expect(renderMap(maps.routes)).toBe(
      [
        "shop.example.com/api/v2 svc_api",
        "www.shop.example.com/ svc_shop",
        "shop.example.com/api svc_api",
        "shop.example.com/ svc_shop",
        "*.example.com/ svc_tenants",
        "*/static svc_static",
        "",
      ].join("\n"),
    );
    expect(renderMap(maps.wildcards)).toBe(".example.com *.example.com\n");
  });

  it("longest path prefix first, and the most specific wildcard first (map_end takes the first match)", () => {
    const maps = buildMaps([
      ...svc("a", "*.com"),
      ...svc("b", "*.example.com"),
      ...svc("c", "*.eu.example.com"),
      ...svc("p", "x.com", "/a,/a/b/c,/a/b"),
    ]);
    expect(maps.wildcards).toEqual([
      { key: ".eu.example.com", value: "*.eu.example.com" },
      { key: ".example.com", value: "*.example.com" },
      { key: ".com", value: "*.com" },
    ]);
    const xs = maps.routes.filter((e) => e.key.startsWith("x.com")).map((e) => e.key);
    expect(xs).toEqual(["x.com/a/b/c", "x.com/a/b", "x.com/a"]);
    expect(resolveRoute(maps, "x.com", "/a/b/cd")).toBe("svc_p");
    expect(resolveRoute(maps, "shop.eu.example.com", "/")).toBe("svc_c");
    expect(resolveRoute(maps, "shop.example.com", "/")).toBe("svc_b");
    expect(resolveRoute(maps, "example.com", "/")).toBe("svc_a");
    expect(resolveRoute(maps, "example.org", "/")).toBeUndefined();
  });

  it("a wildcard carries the wider wildcards' paths its own prefixes do not hide", () => {
    const maps = buildMaps([
      ...svc("wide", "*.example.com", "/,/api,/docs/v2"),
      ...svc("narrow", "*.eu.example.com", "/docs"),
    ]);
    expect(maps.routes.filter((e) => e.key.startsWith("*.eu.")).map((e) => `${e.key} ${e.value}`)).toEqual([
      "*.eu.example.com/docs svc_narrow",
      "*.eu.example.com/api svc_wide",
      "*.eu.example.com/ svc_wide",
    ]);
    expect(resolveRoute(maps, "x.eu.example.com", "/api/x")).toBe("svc_wide");
    expect(resolveRoute(maps, "x.eu.example.com", "/docs/v2/x")).toBe("svc_narrow");
    expect(resolveRoute(maps, "x.eu.example.com", "/other")).toBe("svc_wide");
  });

  it("an exact host falls back to wildcards, then to any-host routes, for paths it does not route", () => {
    const services = [
      ...svc("exact", "a.example.com", "/x"),
      ...svc("wild", "*.example.com", "/y"),
      ...svc("any", undefined, "/"),
    ];
    const maps = buildMaps(services);
    expect(resolveRoute(maps, "a.example.com", "/x1")).toBe("svc_exact");
    expect(resolveRoute(maps, "a.example.com", "/y1")).toBe("svc_wild");
    expect(resolveRoute(maps, "a.example.com", "/z")).toBe("svc_any");
  });

  it("routes of services that lost a conflict, or are not routed, are left out; input order does not matter", () => {
    const first = svc("first", "a.com", undefined, 1);
    const second = svc("second", "a.com,b.com", undefined, 2);
    const off = mergeReplicas([
      routesFromLabels({
        name: "off-1",
        labels: { "hecd.service": "off", "traefik.enable": "false", "hecd.http.host": "c.com" },
        env: [],
      }),
    ]);
    const maps = buildMaps([...second, ...off, ...first]);
    expect(renderMap(maps.routes)).toBe("a.com/ svc_first\nb.com/ svc_second\n");
    expect(buildMaps([...first, ...off, ...second])).toEqual(maps);
  });

  it("runtime commands replace a map atomically, in order", () => {
    const maps: RouteMaps = buildMaps([...svc("a", "*.example.com"), ...svc("b", "*.eu.example.com")]);
    expect(replaceMapCommands("/etc/hecd/wildcards.map", 7, maps.wildcards)).toEqual([
      "add map @7 /etc/hecd/wildcards.map .eu.example.com *.eu.example.com",
      "add map @7 /etc/hecd/wildcards.map .example.com *.example.com",
      "commit map @7 /etc/hecd/wildcards.map",
    ]);
  });
});

describe("buildMaps + resolveRoute agree with the routing rule stated directly (fuzz)", () => {
  const HOSTS = ["a.com", "b.a.com", "x.b.a.com", "*.a.com", "*.b.a.com", "*.com", "c.com"];
  const PATHS = ["/", "/a", "/ab", "/a/b", "/b"];
  const REQ_HOSTS = [
    "a.com",
    "b.a.com",
    "x.b.a.com",
    "y.b.a.com",
    "z.a.com",
    "c.com",
    "d.com",
    "com",
    "a.org",
  ];
  const REQ_PATHS = ["/", "/a", "/abc", "/a/b/c", "/a/x", "/b", "/bb", "/c"];

  const service = fc.record({
    hosts: fc.option(fc.uniqueArray(fc.constantFrom(...HOSTS), { minLength: 1, maxLength: 3 }), {
      nil: undefined,
    }),
    paths: fc.option(fc.uniqueArray(fc.constantFrom(...PATHS), { minLength: 1, maxLength: 3 }), {
      nil: undefined,
    }),
    created: fc.integer({ min: 0, max: 5 }),
  });

  it("for every request", () => {
    let routed = 0;
    fc.assert(
      fc.property(fc.array(service, { minLength: 1, maxLength: 6 }), (defs) => {
        const services = defs.flatMap((d, i) =>
          svc(
            `s${i}`,
            d.hosts?.join(","),
            d.hosts === undefined && d.paths === undefined ? "/" : d.paths?.join(","),
            d.created,
          ),
        );
        const maps = buildMaps(services);
        for (const h of REQ_HOSTS)
          for (const p of REQ_PATHS) {
            const want = reference(services, h, p);
            if (want !== undefined) routed++;
            expect(resolveRoute(maps, h, p), `${h}${p}`).toBe(want);
          }
      }),
      { numRuns: 400 },
    );
    expect(routed).toBeGreaterThan(1000);
  });

  it("map keys and values carry only allowed characters, whatever the label values", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.stringMatching(/^[a-zA-Z0-9.*,/ #;'"\n%-]{0,30}$/),
    );
    let entries = 0;
    fc.assert(
      fc.property(text, text, text, (host, path, rule) => {
        const specs = [
          routesFromLabels({
            name: "a",
            labels: { "hecd.service": "a", "hecd.http.host": host, "hecd.http.path": path },
            env: [],
          }),
          routesFromLabels({ name: "b", labels: { "hecd.service": "b" }, env: [`VIRTUAL_HOST=${host}`] }),
          routesFromLabels({
            name: "c",
            labels: {
              "hecd.service": "c",
              "traefik.http.routers.r.rule": `Host(\`${host}\`) && PathPrefix(\`${rule}\`)`,
            },
            env: [],
          }),
        ];
        const maps = buildMaps(mergeReplicas(specs));
        for (const e of [...maps.routes, ...maps.wildcards]) {
          entries++;
          expect(e.key).toMatch(/^[a-z0-9.*-]*\/?[A-Za-z0-9._~!$&()*+,=:@/%-]*$/);
          expect(e.value).toMatch(/^[A-Za-z0-9_.*-]+$/);
        }
        expect(
          renderMap([...maps.routes, ...maps.wildcards])
            .split("\n")
            .every((l) => !/[\s#;"']/.test(l.replace(" ", ""))),
        ).toBe(true);
      }),
      { numRuns: 2000 },
    );
    expect(entries).toBeGreaterThan(100);
  });
});
