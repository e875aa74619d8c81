// Pure helpers of confd's file backend: scalars become strings the way Go formats
// them (strconv.Itoa, FormatBool, FormatFloat(f, 'f', -1, 64)), and -filter globs.
/** Go's formatting of a decoded YAML scalar; undefined for anything that is not a scalar. */
export function scalarToString(v: unknown): string | undefined {
  switch (typeof v) {
    case "string":
      return v;
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      return v.toString();
    case "number":
      return formatFloatF(v);
  }
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  return undefined;
}

/** strconv.FormatFloat(f, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatFloatF(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (Object.is(f, -0)) return "-0";
  const s = String(f);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = "", expStr] = m;
  const digits = lead + frac;
  const exp = Number(expStr);
  const point = 1 + exp; // position of the decimal point within `digits`
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Go's filepath.Match on one name: `*`, `?`, `[...]` (with `^` negation, ranges) and `\` escapes. */
export function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "\\") {
      i++;
      if (i >= pattern.length)
        throw new Error(`bad filter pattern ${JSON.stringify(pattern)}: trailing backslash`);
      re += escapeRe(pattern[i]!);
    } else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) throw new Error(`bad filter pattern ${JSON.stringify(pattern)}: unclosed [`);
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith("^");
      if (negate) body = body.slice(1);
      re += `[${negate ? "^" : ""}${body.replace(/[\]\\^]/g, (x) => "\\" + x)}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, "s");
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
