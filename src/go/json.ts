// Go's encoding/json as confd's json/jsonArray and the oracle's loaders use it:
// the same accepted syntax, the same first syntax error message (from Go's
// scanner state machine), and the same decoding of strings and numbers.
import { isPrint } from "./fmt-isprint.js";
import { nilMap, nilSlice, type GoMap, type GoValue } from "./value.js";

/** A Go JSON decoding error; message is Go's. */
export class GoJSONError extends Error {}

export type JSONNode =
  | { t: "null" }
  | { t: "bool"; v: boolean }
  | { t: "num"; text: string }
  | { t: "str"; v: string }
  | { t: "arr"; v: JSONNode[] }
  | { t: "obj"; v: [string, JSONNode][] };

function quoteByte(b: number): string {
  if (b === 0x27) return "'\\''";
  if (b === 0x22) return "'\"'";
  const named: Record<number, string> = {
    7: "\\a",
    8: "\\b",
    12: "\\f",
    10: "\\n",
    13: "\\r",
    9: "\\t",
    11: "\\v",
  };
  if (named[b] !== undefined) return `'${named[b]}'`;
  if (b === 0x5c) return "'\\\\'";
  if (b < 0x20 || b === 0x7f) return `'\\x${b.toString(16).padStart(2, "0")}'`;
  if (b >= 0x80 && !isPrint(b)) return `'\\u${b.toString(16).padStart(4, "0")}'`;
  return `'${String.fromCharCode(b)}'`;
}

const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\r";
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** Parses one complete JSON text like json.Unmarshal's syntax check; throws GoJSONError. */
export function parseJSON(text: string): JSONNode {
  return new Parser(text).top();
}

const MAX_DEPTH = 10000;

type Frame = { kind: "arr"; items: JSONNode[] } | { kind: "obj"; items: [string, JSONNode][]; key: string };

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  private fail(context: string): never {
    if (this.i >= this.s.length) throw new GoJSONError("unexpected end of JSON input");
    const cp = this.s.codePointAt(this.i)!;
    const b = cp < 0x80 ? cp : Buffer.from(String.fromCodePoint(cp), "utf8")[0]!;
    throw new GoJSONError(`invalid character ${quoteByte(b)} ${context}`);
  }

  private ws(): void {
    while (isSpace(this.s[this.i])) this.i++;
  }

  // Iterative, so nesting up to Go's limit (10000) cannot overflow the JS stack.
  top(): JSONNode {
    const stack: Frame[] = [];
    for (;;) {
      this.ws();
      const c = this.s[this.i];
      let v: JSONNode;
      if (c === "[" || c === "{") {
        if (stack.length >= MAX_DEPTH) this.fail("exceeded max depth");
        this.i++;
        this.ws();
        if (c === "[") {
          if (this.s[this.i] !== "]") {
            stack.push({ kind: "arr", items: [] });
            continue;
          }
          this.i++;
          v = { t: "arr", v: [] };
        } else {
          if (this.s[this.i] !== "}") {
            stack.push({ kind: "obj", items: [], key: this.objectKey() });
            continue;
          }
          this.i++;
          v = { t: "obj", v: [] };
        }
      } else {
        v = this.scalar(c);
      }
      // A value is complete: hand it to the enclosing containers, closing them as they end.
      for (;;) {
        const top = stack[stack.length - 1];
        this.ws();
        if (top === undefined) {
          if (this.i < this.s.length) this.fail("after top-level value");
          return v;
        }
        const d = this.s[this.i];
        if (top.kind === "arr") {
          top.items.push(v);
          if (d === ",") {
            this.i++;
            break;
          }
          if (d !== "]") this.fail("after array element");
          this.i++;
          stack.pop();
          v = { t: "arr", v: top.items };
        } else {
          top.items.push([top.key, v]);
          if (d === ",") {
            this.i++;
            top.key = this.objectKey();
            break;
          }
          if (d !== "}") this.fail("after object key:value pair");
          this.i++;
          stack.pop();
          v = { t: "obj", v: top.items };
        }
      }
    }
  }

  private objectKey(): string {
    this.ws();
    if (this.s[this.i] !== '"') this.fail("looking for beginning of object key string");
    const k = this.string();
    this.ws();
    if (this.s[this.i] !== ":") this.fail("after object key");
    this.i++;
    return k;
  }

  private scalar(c: string | undefined): JSONNode {
    switch (c) {
      case '"':
        return { t: "str", v: this.string() };
      case "t":
        this.literal("true");
        return { t: "bool", v: true };
      case "f":
        this.literal("false");
        return { t: "bool", v: false };
      case "n":
        this.literal("null");
        return { t: "null" };
    }
    if (c === "-" || isDigit(c)) return { t: "num", text: this.number() };
    return this.fail("looking for beginning of value");
  }

  private literal(word: string): void {
    this.i++;
    for (let k = 1; k < word.length; k++, this.i++) {
      if (this.s[this.i] !== word[k]) this.fail(`in literal ${word} (expecting '${word[k]}')`);
    }
  }

  private number(): string {
    const start = this.i;
    if (this.s[this.i] === "-") {
      this.i++;
      if (!isDigit(this.s[this.i])) this.fail("in numeric literal");
    }
    if (this.s[this.i] === "0") this.i++;
    else while (isDigit(this.s[this.i])) this.i++;
    if (this.s[this.i] === ".") {
      this.i++;
      if (!isDigit(this.s[this.i])) this.fail("after decimal point in numeric literal");
      while (isDigit(this.s[this.i])) this.i++;
    }
    if (this.s[this.i] === "e" || this.s[this.i] === "E") {
      this.i++;
      if (this.s[this.i] === "+" || this.s[this.i] === "-") this.i++;
      if (!isDigit(this.s[this.i])) this.fail("in exponent of numeric literal");
      while (isDigit(this.s[this.i])) this.i++;
    }
    return this.s.slice(start, this.i);
  }

  private string(): string {
    this.i++;
    let out = "";
    let from = this.i;
    for (;;) {
      if (this.i >= this.s.length) this.fail("");
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) {
        out += this.s.slice(from, this.i);
        this.i++;
        return out;
      }
      if (c < 0x20) this.fail("in string literal");
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      out += this.s.slice(from, this.i);
      this.i++;
      const e = this.s[this.i];
      const simple: Record<string, string> = {
        b: "\b",
        f: "\f",
        n: "\n",
        r: "\r",
        t: "\t",
        "\\": "\\",
        "/": "/",
        '"': '"',
      };
      if (e !== undefined && simple[e] !== undefined) {
        out += simple[e];
        this.i++;
      } else if (e === "u") {
        this.i++;
        const r = this.hex4();
        if (r >= 0xd800 && r < 0xdc00 && this.s[this.i] === "\\" && this.s[this.i + 1] === "u") {
          const save = this.i;
          this.i += 2;
          const r2 = this.hex4();
          if (r2 >= 0xdc00 && r2 < 0xe000) {
            out += String.fromCodePoint(0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00));
          } else {
            out += "\ufffd";
            this.i = save;
          }
        } else if (r >= 0xd800 && r < 0xe000) {
          out += "\ufffd";
        } else {
          out += String.fromCharCode(r);
        }
      } else {
        this.fail("in string escape code");
      }
      from = this.i;
    }
  }

  private hex4(): number {
    for (let k = 0; k < 4; k++) {
      if (!isHex(this.s[this.i + k])) {
        this.i += k;
        this.fail("in \\u hexadecimal character escape");
      }
    }
    const v = parseInt(this.s.slice(this.i, this.i + 4), 16);
    this.i += 4;
    return v;
  }
}

/** The kind name Go's UnmarshalTypeError uses for a JSON value. */
export function jsonKind(n: JSONNode): string {
  switch (n.t) {
    case "arr":
      return "array";
    case "obj":
      return "object";
    case "str":
      return "string";
    case "num":
      return "number";
    case "bool":
      return "bool";
    case "null":
      return "null";
  }
}

function shallowToGo(n: JSONNode, errs: string[]): GoValue {
  switch (n.t) {
    case "null":
      return null;
    case "bool":
    case "str":
      return n.v;
    case "num": {
      const f = Number(n.text);
      if (!Number.isFinite(f))
        errs.push(`json: cannot unmarshal number ${n.text} into Go value of type float64`);
      return f;
    }
    case "arr":
      return new Array<GoValue>(n.v.length);
    case "obj":
      return new Map<string, GoValue>();
  }
}

/**
 * Converts a decoded JSON node to a Go interface{} value (numbers as float64).
 * Number overflows are appended to errs in document order, as Go reports the first.
 */
export function jsonToGo(root: JSONNode, errs: string[]): GoValue {
  const holder: GoValue[] = [null];
  // Pre-order walk with an explicit stack: document order, no recursion.
  const work: [JSONNode, GoValue[] | GoMap, string | number][] = [[root, holder, 0]];
  while (work.length > 0) {
    const [n, parent, key] = work.pop()!;
    const g = shallowToGo(n, errs);
    if (parent instanceof Map) parent.set(key as string, g);
    else parent[key as number] = g;
    if (n.t === "arr") {
      for (let i = n.v.length - 1; i >= 0; i--) work.push([n.v[i]!, g as GoValue[], i]);
    } else if (n.t === "obj") {
      // Set keys in document order first (Go keeps the last duplicate), then fill values.
      const m = g as GoMap;
      for (const [k] of n.v) m.set(k, null);
      for (let i = n.v.length - 1; i >= 0; i--) work.push([n.v[i]![1], m, n.v[i]![0]]);
    }
  }
  return holder[0];
}

/** json.Unmarshal(text, &target) where target is map[string]interface{} or []interface{}. */
export function decodeJSONAs(text: string, want: "obj" | "arr"): GoValue {
  const node = parseJSON(text);
  const typeName = want === "obj" ? "map[string]interface {}" : "[]interface {}";
  // Unmarshal of null leaves the nil map / nil slice untouched.
  if (node.t === "null") return want === "obj" ? nilMap(typeName) : nilSlice(typeName);
  if (node.t !== want)
    throw new GoJSONError(`json: cannot unmarshal ${jsonKind(node)} into Go value of type ${typeName}`);
  const errs: string[] = [];
  const v = jsonToGo(node, errs);
  if (errs.length > 0) throw new GoJSONError(errs[0]);
  return v;
}
