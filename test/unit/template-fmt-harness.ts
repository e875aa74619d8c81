// Differential harness for fmt/escape: builds text/template cases for the Go oracle
// (`{{printf .f ARGS}}` with the format in data.json so any format string is representable),
// runs them all in one `-batch` call, and returns the oracle's outputs.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sprint, sprintf, sprintln } from "../../src/go/fmt.js";
import { htmlEscaper, jsEscaper, urlQueryEscaper } from "../../src/template/escape.js";
import { fromJSON, KVPair, tagSlice, type GoValue } from "../../src/go/value.js";

/** One operand: how the template writes it, and the Go value our side receives. */
export interface Arg {
  /** Template text for the operand; undefined means "put `json` into data.json". */
  lit?: string;
  json?: unknown;
  value: GoValue;
  kv?: Record<string, string>;
}

export const int = (n: bigint | number): Arg => ({ lit: String(n), value: BigInt(n) });
export const float = (x: number): Arg => {
  let lit = Object.is(x, -0) ? "-0" : String(x);
  if (!/[.e]/.test(lit)) lit += ".0";
  return { lit, value: x };
};
export const bool = (b: boolean): Arg => ({ lit: String(b), value: b });
export const data = (x: unknown): Arg => ({
  json: x,
  value: fromJSON(JSON.parse(JSON.stringify(x) ?? "null")),
});
export const str = (s: string): Arg => data(s);
export const kvPair = (key: string, value: string): Arg => ({
  lit: `(get ${JSON.stringify(key)})`,
  value: new KVPair(key, value),
  kv: { [key]: value },
});
/** A `gets` result (memkv.KVPairs); prefix must be unique within one case. */
export const kvPairs = (prefix: string, pairs: [string, string][]): Arg => {
  pairs = pairs.map(([k, v]) => [`/${prefix}/${k}`, v]);
  const sorted = [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    lit: `(gets "/${prefix}/*")`,
    value: tagSlice(
      sorted.map(([k, v]) => new KVPair(k, v)),
      "memkv.KVPairs",
    ),
    kv: Object.fromEntries(pairs),
  };
};
export const strings = (parts: string[]): Arg => ({
  lit: `(split ${JSON.stringify(parts.join(","))} ",")`,
  value: tagSlice([...parts], "[]string"),
});

export interface TemplateCase {
  template: string;
  data?: Record<string, unknown>;
  kv?: Record<string, string>;
}

/** A template calling FUNC (printf, print, println, html, js, urlquery) with the operands. */
export function callCase(func: string, args: readonly Arg[], format?: string): TemplateCase {
  const d: Record<string, unknown> = {};
  const kv: Record<string, string> = {};
  const parts: string[] = [func];
  if (format !== undefined) {
    d.f = format;
    parts.push(".f");
  }
  args.forEach((a, i) => {
    if (a.kv) Object.assign(kv, a.kv);
    if (a.lit !== undefined) parts.push(a.lit);
    else {
      d[`a${i}`] = a.json;
      parts.push(`.a${i}`);
    }
  });
  return { template: `{{${parts.join(" ")}}}`, data: d, kv };
}

export interface OracleResult {
  out?: string;
  err?: string;
}

export function oraclePath(): string {
  const bin = process.env.GOTMPL_ORACLE;
  if (!bin)
    throw new Error("GOTMPL_ORACLE is not set: run through vitest (its globalSetup builds the Go oracle)");
  return bin;
}

/** Renders every case with Go's text/template in one batch run. */
export function runOracle(cases: readonly TemplateCase[]): OracleResult[] {
  const root = mkdtempSync(join(tmpdir(), "hecd-fmt-oracle-"));
  try {
    cases.forEach((c, i) => {
      const dir = join(root, String(i).padStart(6, "0"));
      mkdirSync(dir);
      writeFileSync(join(dir, "template.tmpl"), c.template);
      if (c.data) writeFileSync(join(dir, "data.json"), JSON.stringify(c.data));
      if (c.kv && Object.keys(c.kv).length > 0) writeFileSync(join(dir, "kv.json"), JSON.stringify(c.kv));
    });
    execFileSync(oraclePath(), ["-batch", root], { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 });
    return cases.map((_, i) => {
      const dir = join(root, String(i).padStart(6, "0"));
      const out = join(dir, "expected.out");
      if (existsSync(out)) return { out: readFileSync(out, "utf8") };
      return { err: readFileSync(join(dir, "expected.err"), "utf8") };
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export interface Case {
  func: "printf" | "print" | "println" | "html" | "js" | "urlquery";
  format?: string;
  args: Arg[];
}

const FUNCS: Record<Case["func"], (args: readonly GoValue[]) => string> = {
  printf: () => "",
  print: sprint,
  println: sprintln,
  html: htmlEscaper,
  js: jsEscaper,
  urlquery: urlQueryEscaper,
};

function ours(c: Case): string {
  const values = c.args.map((a) => a.value);
  return c.func === "printf" ? sprintf(c.format!, values) : FUNCS[c.func](values);
}

/** Runs all cases through the oracle and returns the mismatches (empty when all agree). */
export function differences(cases: readonly Case[]): string[] {
  const tcs: TemplateCase[] = cases.map((c) => callCase(c.func, c.args, c.format));
  const results = runOracle(tcs);
  const bad: string[] = [];
  cases.forEach((c, i) => {
    const r = results[i]!;
    const mine = ours(c);
    if (r.out !== mine) {
      bad.push(
        `${tcs[i]!.template} data=${JSON.stringify(tcs[i]!.data)}\n  go:   ${JSON.stringify(r.out ?? r.err)}\n  ours: ${JSON.stringify(mine)}`,
      );
    }
  });
  return bad;
}
