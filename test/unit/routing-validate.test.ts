import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkBalance,
  checkBool,
  checkHost,
  checkInterval,
  checkMaxconn,
  checkPath,
  checkPort,
  checkService,
} from "../../src/routing/index.js";

const value = <T>(r: { ok: true; value: T } | { ok: false; reason: string }): T | undefined =>
  r.ok ? r.value : undefined;
const reason = (r: { ok: boolean; reason?: string }): string => (r.ok ? "" : r.reason!);

// What may reach a map file, a config line or a runtime command.
const HOST_OUT = /^(\*\.)?[a-z0-9.-]+$/;
const PATH_OUT = /^\/[A-Za-z0-9._~!$&()*+,=:@/%-]*$/;
const FORBIDDEN = /[\s"'`#;\\\x00-\x1f\x7f]/;

describe("checkHost", () => {
  it("accepts RFC 1123 names and a leading wildcard, lower-cased", () => {
    expect(value(checkHost("Shop.Example.COM"))).toBe("shop.example.com");
    expect(value(checkHost("*.example.com"))).toBe("*.example.com");
    expect(value(checkHost("localhost"))).toBe("localhost");
    expect(value(checkHost("a-1.b2.example"))).toBe("a-1.b2.example");
    expect(value(checkHost(`${"a".repeat(63)}.com`))).toBe(`${"a".repeat(63)}.com`);
  });

  it.each([
    ["a b.example.com", "space"],
    ["a.example.com\n", "control"],
    ["a.example.com\nbackend evil", "control"],
    ["a.example.com;", "not a host name"],
    ["a.example.com#x", "not a host name"],
    ['"a.example.com"', "not a host name"],
    ["-a.example.com", "not a host name"],
    ["a-.example.com", "not a host name"],
    ["a..example.com", "not a host name"],
    ["a.example.com.", "not a host name"],
    ["*.", "not a host name"],
    ["a.*.example.com", "not a host name"],
    ["**.example.com", "not a host name"],
    ["a_b.example.com", "not a host name"],
    [`${"a".repeat(64)}.com`, "not a host name"],
    ["a.example.com:8080", "carries a port"],
    ["~^www\\.example\\.com$", "regular expression"],
    ["\u212Aa.example.com", "non-ASCII"],
    ["", "empty"],
  ])("refuses %j (%s)", (raw, why) => {
    const r = checkHost(raw);
    expect(r.ok).toBe(false);
    expect(reason(r)).toContain(why);
    expect(reason(r)).toContain('"*.example.com"');
  });

  it("refuses names longer than 253 characters", () => {
    const long = Array.from({ length: 64 }, () => "abc").join(".");
    expect(long.length).toBeGreaterThan(253);
    expect(reason(checkHost(long))).toContain("253");
  });
});

describe("checkPath", () => {
  it("accepts / followed by URL-safe characters and %XX escapes", () => {
    for (const p of ["/", "/api", "/api/v2/", "/a-b_c.d~e", "/x%2Fy", "/a:b@c!$&()*+,="])
      expect(value(checkPath(p))).toBe(p);
  });

  it.each([
    ["/a#b", "not allowed"],
    ["/a;b", "not allowed"],
    ["/a b", "not allowed"],
    ["/a\nb", "not allowed"],
    ["/a'b", "not allowed"],
    ['/a"b', "not allowed"],
    ["/a\\b", "not allowed"],
    ["/a?b", "not allowed"],
    ["/a%zz", "not allowed"],
    ["/a%2", "not allowed"],
    ["/ä", "not allowed"],
    ["api", 'start with "/"'],
    ["", "empty"],
  ])("refuses %j (%s)", (raw, why) => {
    const r = checkPath(raw);
    expect(r.ok).toBe(false);
    expect(reason(r)).toContain(why);
    expect(reason(r)).toContain('"/api"');
  });
});

describe("checkPort and the options", () => {
  it("ports are 1..65535, optionally /tcp", () => {
    expect(value(checkPort("1"))).toBe(1);
    expect(value(checkPort("65535"))).toBe(65535);
    expect(value(checkPort("8080/tcp"))).toBe(8080);
    for (const bad of ["0", "65536", "-1", "80/udp", " 80", "80 ", "8o", "", "1e3", "0x50"])
      expect(reason(checkPort(bad))).toContain("1..65535");
  });

  it("intervals are Go durations in whole milliseconds, 1ms..24h", () => {
    expect(value(checkInterval("2s"))).toBe(2000);
    expect(value(checkInterval("500ms"))).toBe(500);
    expect(value(checkInterval("1m30s"))).toBe(90_000);
    expect(value(checkInterval("1.5s"))).toBe(1500);
    expect(value(checkInterval("24h"))).toBe(86_400_000);
    for (const bad of ["0", "0s", "1500us", "25h", "2", "2 s", " 2s", "-2s", "2S", "2d", "s"])
      expect(reason(checkInterval(bad))).toContain("Go duration");
  });

  it("balance, sticky, maxconn, service", () => {
    expect(value(checkBalance("LeastConn"))).toBe("leastconn");
    expect(reason(checkBalance("source"))).toContain("roundrobin, leastconn, random, first");
    expect(value(checkBool("true"))).toBe(true);
    expect(value(checkBool("false"))).toBe(false);
    expect(reason(checkBool("maybe"))).toContain("true or false");
    expect(value(checkMaxconn("100"))).toBe(100);
    for (const bad of ["0", "-1", "1.5", "abc", "10000000", ""])
      expect(reason(checkMaxconn(bad))).toContain("positive integer");
    expect(value(checkService("web.v2_a-b"))).toBe("web.v2_a-b");
    for (const bad of ["", "-web", "we b", "web/x", "web\n", "_x"]) expect(checkService(bad).ok).toBe(false);
  });
});

describe("no accepted value carries a character outside the allowed sets (fuzz)", () => {
  const anyText = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.stringMatching(/^[a-zA-Z0-9.*\-_/ #;'"\n\t%:@]{0,30}$/),
  );

  it("hosts", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(anyText, fc.stringMatching(/^[a-zA-Z0-9.*-]{1,20}$/)), (raw) => {
        const r = checkHost(raw);
        if (r.ok) {
          accepted++;
          expect(r.value).toMatch(HOST_OUT);
          expect(r.value).not.toMatch(FORBIDDEN);
        }
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  it("paths", () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          anyText.map((s) => `/${s}`),
          anyText,
        ),
        (raw) => {
          const r = checkPath(raw);
          if (r.ok) {
            accepted++;
            expect(r.value).toMatch(PATH_OUT);
            expect(r.value).not.toMatch(FORBIDDEN);
          }
        },
      ),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  it("ports, intervals, maxconn are integers in range", () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const p = checkPort(raw);
        if (p.ok) expect(Number.isInteger(p.value) && p.value >= 1 && p.value <= 65535).toBe(true);
        const i = checkInterval(raw);
        if (i.ok) expect(Number.isInteger(i.value) && i.value >= 1).toBe(true);
        const m = checkMaxconn(raw);
        if (m.ok) expect(Number.isInteger(m.value) && m.value >= 1).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
