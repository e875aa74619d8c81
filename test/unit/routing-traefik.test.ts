import { describe, expect, it } from "vitest";
import { MAX_RULE_ROUTES, parseTraefikRule, routeKey } from "../../src/routing/index.js";

function keys(rule: string): string[] {
  const r = parseTraefikRule(rule);
  if (!r.ok) throw new Error(`refused: ${r.error.code}: ${r.error.reason}`);
  return r.routes.map(routeKey).sort();
}

function refusal(rule: string): { code: string; reason: string } {
  const r = parseTraefikRule(rule);
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(r.routes)}`);
  return r.error;
}

describe("parseTraefikRule: the supported subset", () => {
  it("Host with one or several names, backquotes or double quotes, lower-cased", () => {
    expect(keys("Host(`a.example.com`)")).toEqual(["a.example.com/"]);
    expect(keys('Host("A.example.com", `b.example.com`)')).toEqual(["a.example.com/", "b.example.com/"]);
    expect(keys("Host(`*.example.com`)")).toEqual(["*.example.com/"]);
  });

  it("PathPrefix alone routes any host", () => {
    expect(keys("PathPrefix(`/api`)")).toEqual(["*/api"]);
    expect(parseTraefikRule("PathPrefix(`/api`)")).toEqual({ ok: true, routes: [{ pathPrefix: "/api" }] });
  });

  it("&& combines host and path; || and parentheses expand to every host x path pair", () => {
    expect(keys("Host(`a.example.com`) && PathPrefix(`/api`)")).toEqual(["a.example.com/api"]);
    expect(keys("(Host(`a.com`) || Host(`b.com`)) && (PathPrefix(`/x`) || PathPrefix(`/y`))")).toEqual([
      "a.com/x",
      "a.com/y",
      "b.com/x",
      "b.com/y",
    ]);
    expect(keys("Host(`a.com`) && PathPrefix(`/x`) || Host(`b.com`)")).toEqual(["a.com/x", "b.com/"]);
    expect(keys("Host(`a.com`) || Host(`b.com`) && PathPrefix(`/x`)")).toEqual(["a.com/", "b.com/x"]);
    expect(keys("((Host(`a.com`)))")).toEqual(["a.com/"]);
    expect(keys("  Host(`a.com`)\t&&PathPrefix(`/x`)  ")).toEqual(["a.com/x"]);
  });

  it("a repeated Host or nested PathPrefix in one conjunction narrows, not refuses", () => {
    expect(keys("Host(`a.com`) && Host(`A.com`)")).toEqual(["a.com/"]);
    expect(keys("PathPrefix(`/api`) && PathPrefix(`/api/v2`)")).toEqual(["*/api/v2"]);
    expect(keys("PathPrefix(`/api/v2`) && PathPrefix(`/api`)")).toEqual(["*/api/v2"]);
  });
});

describe("parseTraefikRule: refusals", () => {
  it.each([
    ["Headers(`X-Env`, `prod`)", "Headers"],
    ["HeadersRegexp(`X`, `.*`)", "HeadersRegexp"],
    ["HostRegexp(`{sub:[a-z]+}.example.com`)", "HostRegexp"],
    ["Path(`/exact`)", "Path"],
    ["PathRegexp(`^/api`)", "PathRegexp"],
    ["Host(`a.com`) && Method(`GET`)", "Method"],
    ["Host(`a.com`) || Query(`a=b`)", "Query"],
    ["ClientIP(`10.0.0.0/8`)", "ClientIP"],
    ["HostHeader(`a.com`)", "HostHeader"],
  ])("%s is outside the subset", (rule, matcher) => {
    const e = refusal(rule);
    expect(e.code).toBe("unsupported-rule");
    expect(e.reason).toBe(`the matcher ${matcher}(...) is not supported`);
  });

  it("negation is outside the subset", () => {
    expect(refusal("!Host(`a.com`)")).toEqual({
      code: "unsupported-rule",
      reason: 'negation ("!") is not supported',
    });
    expect(refusal("Host(`a.com`) && !PathPrefix(`/x`)").code).toBe("unsupported-rule");
  });

  it("two different Hosts in one conjunction match nothing and are refused", () => {
    const e = refusal("Host(`a.com`) && Host(`b.com`)");
    expect(e.code).toBe("rule-matches-nothing");
    expect(e.reason).toBe("Host(`a.com`) && Host(`b.com`) matches nothing");
    expect(refusal("(Host(`a.com`) || Host(`b.com`)) && Host(`a.com`)").code).toBe("rule-matches-nothing");
    expect(refusal("PathPrefix(`/a`) && PathPrefix(`/b`)").code).toBe("rule-matches-nothing");
  });

  it.each([
    ["", "expected a matcher"],
    ["Host", 'expected "("'],
    ["Host()", "expected a quoted string"],
    ["Host(a.com)", 'unexpected character "."'],
    ["Host(`a.com`", 'expected "," or ")"'],
    ["Host(`a.com)", "not closed"],
    ["(Host(`a.com`)", 'expected ")"'],
    ["Host(`a.com`))", 'unexpected ")"'],
    ["Host(`a.com`) &&", "expected a matcher"],
    ["Host(`a.com`) & PathPrefix(`/x`)", 'unexpected character "&"'],
    ["Host(`a.com`) PathPrefix(`/x`)", 'unexpected "PathPrefix"'],
    ["Host(`a.com`)\nPathPrefix(`/x`)", 'unexpected character "\\n"'],
    ['Host("a\\".com")', "escapes"],
  ])("%j is a syntax error", (rule, why) => {
    const e = refusal(rule);
    expect(e.code).toBe("rule-syntax");
    expect(e.reason).toContain(why);
  });

  it("bad host or path values inside a rule are refused with their own codes", () => {
    expect(refusal("Host(`a b.com`)").code).toBe("bad-host");
    expect(refusal("Host(`a.com\n`)").code).toBe("bad-host");
    expect(refusal("Host(`a.com`) && PathPrefix(`/a#b`)").code).toBe("bad-path");
    expect(refusal("PathPrefix(`/a;b`)").reason).toContain('"/a;b"');
  });

  it("a rule that expands past the limit is refused, without building the product", () => {
    const hosts = Array.from({ length: 20 }, (_, i) => `\`h${i}.com\``).join(", ");
    const paths = Array.from({ length: 20 }, (_, i) => `\`/p${i}\``).join(", ");
    expect(MAX_RULE_ROUTES).toBeLessThan(400);
    const e = refusal(`Host(${hosts}) && PathPrefix(${paths})`);
    expect(e.code).toBe("rule-too-large");
    expect(keys(`Host(${hosts}) && PathPrefix(\`/x\`)`)).toHaveLength(20);
  });
});
