// Traefik's router rule language, the subset hecd routes by: Host(...), PathPrefix(...),
// &&, || and parentheses. A small tokenizer and a recursive-descent parser; the rule is then
// expanded to disjunctive normal form, one route per host x path pair. Anything else
// (Headers, HostRegexp, Path, PathRegexp, Method, Query, ClientIP, "!", ...) is refused, so
// a service is never routed by a rule hecd only half understands.
//
//   expr    := and ("||" and)*
//   and     := primary ("&&" primary)*
//   primary := "(" expr ")" | Matcher "(" string ("," string)* ")"
//   string  := `...` | "..."        (Traefik v2 writes backquotes; double quotes are accepted)
import type { RoutingCode } from "./errors.js";
import type { Route } from "./types.js";
import { checkHost, checkPath } from "./validate.js";

export const SUPPORTED_RULES = "Host(`a.example.com`, ...), PathPrefix(`/p`, ...), &&, || and parentheses";

/** DNF terms beyond this are refused (a rule is written by hand; this only bounds the work). */
export const MAX_RULE_ROUTES = 256;

type Token =
  | { t: "ident"; v: string; at: number }
  | { t: "str"; v: string; at: number }
  | { t: "(" | ")" | "," | "&&" | "||" | "!"; at: number }
  | { t: "end"; at: number };

type Node = { k: "or" | "and"; items: Node[] } | { k: "host" | "path"; values: string[]; at: number };

export interface RuleError {
  code: Extract<
    RoutingCode,
    "rule-syntax" | "unsupported-rule" | "rule-matches-nothing" | "rule-too-large" | "bad-host" | "bad-path"
  >;
  reason: string;
}

class Fail extends Error {
  constructor(readonly error: RuleError) {
    super(error.reason);
  }
}

const syntax = (reason: string): never => {
  throw new Fail({ code: "rule-syntax", reason });
};

function tokenize(rule: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const c = rule[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === "," || c === "!") {
      out.push({ t: c, at: i });
      i++;
      continue;
    }
    if ((c === "&" || c === "|") && rule[i + 1] === c) {
      out.push({ t: c === "&" ? "&&" : "||", at: i });
      i += 2;
      continue;
    }
    if (c === "`" || c === '"') {
      const end = rule.indexOf(c, i + 1);
      if (end < 0) syntax(`the string starting at character ${i + 1} is not closed with ${c}`);
      const v = rule.slice(i + 1, end);
      if (c === '"' && v.includes("\\")) syntax(`escapes in double-quoted strings are not supported`);
      out.push({ t: "str", v, at: i });
      i = end + 1;
      continue;
    }
    const m = /^[A-Za-z][A-Za-z0-9]*/.exec(rule.slice(i));
    if (m) {
      out.push({ t: "ident", v: m[0], at: i });
      i += m[0].length;
      continue;
    }
    syntax(`unexpected character ${JSON.stringify(c)} at character ${i + 1}`);
  }
  out.push({ t: "end", at: rule.length });
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.i]!;
  }

  private take(): Token {
    return this.toks[this.i++]!;
  }

  parse(): Node {
    const n = this.expr();
    const t = this.peek();
    if (t.t !== "end") syntax(`unexpected ${describe(t)} at character ${t.at + 1}`);
    return n;
  }

  private expr(): Node {
    const items = [this.and()];
    while (this.peek().t === "||") {
      this.take();
      items.push(this.and());
    }
    return items.length === 1 ? items[0]! : { k: "or", items };
  }

  private and(): Node {
    const items = [this.primary()];
    while (this.peek().t === "&&") {
      this.take();
      items.push(this.primary());
    }
    return items.length === 1 ? items[0]! : { k: "and", items };
  }

  private primary(): Node {
    const t = this.take();
    if (t.t === "(") {
      const n = this.expr();
      const close = this.take();
      if (close.t !== ")") syntax(`expected ")" at character ${close.at + 1}, found ${describe(close)}`);
      return n;
    }
    if (t.t === "!") {
      throw new Fail({ code: "unsupported-rule", reason: `negation ("!") is not supported` });
    }
    if (t.t !== "ident") return syntax(`expected a matcher at character ${t.at + 1}, found ${describe(t)}`);
    if (t.v !== "Host" && t.v !== "PathPrefix") {
      throw new Fail({ code: "unsupported-rule", reason: `the matcher ${t.v}(...) is not supported` });
    }
    const open = this.take();
    if (open.t !== "(") syntax(`expected "(" after ${t.v} at character ${open.at + 1}`);
    const values: string[] = [];
    for (;;) {
      const s = this.take();
      if (s.t !== "str") syntax(`expected a quoted string in ${t.v}(...) at character ${s.at + 1}`);
      values.push((s as { v: string }).v);
      const sep = this.take();
      if (sep.t === ")") break;
      if (sep.t !== ",") syntax(`expected "," or ")" in ${t.v}(...) at character ${sep.at + 1}`);
    }
    return { k: t.v === "Host" ? "host" : "path", values, at: t.at };
  }
}

function describe(t: Token): string {
  if (t.t === "end") return "the end of the rule";
  if (t.t === "ident") return JSON.stringify(t.v);
  if (t.t === "str") return "a string";
  return JSON.stringify(t.t);
}

interface Term {
  host?: string;
  path?: string;
}

function conj(a: Term, b: Term): Term | string {
  let host = a.host;
  if (b.host !== undefined) {
    if (host !== undefined && host !== b.host)
      return `Host(\`${host}\`) && Host(\`${b.host}\`) matches nothing`;
    host = b.host;
  }
  let path = a.path;
  if (b.path !== undefined) {
    if (path === undefined || b.path.startsWith(path)) path = b.path;
    else if (!path.startsWith(b.path))
      return `PathPrefix(\`${path}\`) && PathPrefix(\`${b.path}\`) matches nothing`;
  }
  return { ...(host !== undefined ? { host } : {}), ...(path !== undefined ? { path } : {}) };
}

function tooLarge(): never {
  throw new Fail({
    code: "rule-too-large",
    reason: `the rule expands to more than ${MAX_RULE_ROUTES} host x path pairs`,
  });
}

function dnf(n: Node): Term[] {
  switch (n.k) {
    case "host":
      return n.values.map((v) => {
        const h = checkHost(v);
        if (!h.ok) throw new Fail({ code: "bad-host", reason: `the host ${JSON.stringify(v)} ${h.reason}` });
        return { host: h.value };
      });
    case "path":
      return n.values.map((v) => {
        const p = checkPath(v);
        if (!p.ok) throw new Fail({ code: "bad-path", reason: `the path ${JSON.stringify(v)} ${p.reason}` });
        return { path: p.value };
      });
    case "or": {
      const out = n.items.flatMap(dnf);
      if (out.length > MAX_RULE_ROUTES) tooLarge();
      return out;
    }
    case "and": {
      let acc: Term[] = [{}];
      for (const item of n.items) {
        const right = dnf(item);
        if (acc.length * right.length > MAX_RULE_ROUTES) tooLarge();
        const next: Term[] = [];
        for (const a of acc)
          for (const b of right) {
            const t = conj(a, b);
            if (typeof t === "string") throw new Fail({ code: "rule-matches-nothing", reason: t });
            next.push(t);
          }
        acc = next;
      }
      return acc;
    }
  }
}

/** The routes a rule matches, or why it is refused. */
export function parseTraefikRule(
  rule: string,
): { ok: true; routes: Route[] } | { ok: false; error: RuleError } {
  try {
    const terms = dnf(new Parser(tokenize(rule)).parse());
    return {
      ok: true,
      routes: terms.map((t) => ({
        ...(t.host !== undefined ? { host: t.host } : {}),
        pathPrefix: t.path ?? "/",
      })),
    };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.error };
    throw e;
  }
}
