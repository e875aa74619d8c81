// A fast path for the shapes real confd templates use: the tree is translated
// once into one JavaScript function, so rendering thousands of servers runs
// straight-line code instead of walking nodes (which matters most in a short,
// not yet JIT-warmed `hecd template` process).
//
// What compiles: text, actions, if/else-if/else, with, range (over slices and
// maps, with or without `$i, $v :=`, break/continue, else), `$x :=` and
// `$x =`, `$`, fields of memkv pairs and of maps (json data), literals
// (strings, decimal ints and floats, booleans), parenthesised and chained (`|`)
// pipelines, the pure functions of the map whose parameters are string, int,
// []string or interface{} (variadic too: getv's default, map), index (slices by int, maps
// by present key), len, and/or/not (lazy, as Go), eq/ne/lt/le/gt/ge of two
// values of the same basic type, printf/print/println (simple %s/%v/%d with
// `-` and width inline, every other format through the Go fmt port exec uses).
//
// Everything else (other nodes, functions with side effects or outside state,
// argument counts Go rejects) is refused at compile time; every run-time value
// outside these types (no value, nil, a type Go would convert or reject, an
// error returned by a function) makes the compiled function give up and
// return undefined before anything is output. The interpreter in exec.ts then
// renders from scratch and is the one that reports Go's errors, so the fast
// path never produces an output or error the interpreter would not.

import { byteLength, isTrue } from "./builtins.js";
import type { ExecContext } from "./exec.js";
import { sprint, sprintf, sprintln } from "../go/fmt.js";
import { compareGoStrings } from "../go/sort.js";
import { GO_TYPE, type GoFunc, type GoValue } from "../go/value.js";
import type { ActionNode, BranchFields, CommandNode, ListNode, Node, PipeNode, Tree } from "./parse/node.js";
import { KVPair } from "./kvpair.js";

/** Renders with the compiled function; undefined when it had to give up. */
export type CompiledTemplate = (dot: GoValue) => string | undefined;

class Unsupported extends Error {}

/** Thrown by the generated code when a value is not what the fast path handles. */
const BAIL = Symbol("bail");

interface Runtime {
  KVPair: typeof KVPair;
  GO_TYPE: typeof GO_TYPE;
  isTrue: (v: GoValue) => boolean;
  byteLength: (s: string) => number;
  compare: (a: string, b: string) => number;
  sprintf: (format: string, args: readonly GoValue[]) => string;
  sprint: (args: readonly GoValue[]) => string;
  sprintln: (args: readonly GoValue[]) => string;
  fns: GoFunc[];
  bail: () => never;
}

const RUNTIME_BAIL = (): never => {
  throw BAIL;
};

/** The run-time check for an argument of a map function's parameter type, or null if not handled. */
const PARAM_CHECK: Readonly<Record<string, string>> = {
  string: "str",
  int: "int",
  "[]string": "strs",
  // Go hands an interface{} parameter any value; "no value" would become nil.
  "interface {}": "def",
};

/** A decimal int literal (without float syntax): int64 for Go as int, interface{} argument or command, when it fits. */
const PLAIN_INT = /^-?(0|[1-9][0-9]*)$/;

/** A decimal float literal: a point or an exponent is what makes Go take it as float64. */
const PLAIN_FLOAT = /^-?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+|\.[0-9]+[eE][-+]?[0-9]+)$/;

/** One piece of a printf format the inline path handles: text, or a verb with `-` and width at most. */
type FormatPiece = string | { verb: "s" | "v" | "d"; width: number; left: boolean };

/** Splits a format into inline pieces, or null when it needs the fmt port. */
function simpleFormat(f: string): FormatPiece[] | null {
  const pieces: FormatPiece[] = [];
  let text = "";
  for (let i = 0; i < f.length; i++) {
    if (f[i] !== "%") {
      text += f[i];
      continue;
    }
    i++;
    if (f[i] === "%") {
      text += "%";
      continue;
    }
    let left = false;
    if (f[i] === "-") {
      left = true;
      i++;
    }
    let digits = "";
    while (i < f.length && f[i]! >= "0" && f[i]! <= "9") digits += f[i++];
    // A leading 0 is the zero-padding flag, not part of the width.
    if (digits.startsWith("0") || digits.length > 4) return null;
    const verb = f[i];
    if (verb !== "s" && verb !== "v" && verb !== "d") return null;
    if (text !== "") pieces.push(text);
    text = "";
    pieces.push({ verb, width: digits === "" ? 0 : Number(digits), left });
  }
  if (text !== "") pieces.push(text);
  return pieces;
}

class Compiler {
  private nextId = 0;
  readonly fns: GoFunc[] = [];
  private readonly fnIndex = new Map<GoFunc, number>();
  /** Visible template variables, innermost last: Go name -> JS name. */
  private scope: [string, string][] = [["$", "root"]];
  /** Labels of the enclosing range loops, innermost last; null inside a range's else list. */
  private loops: (string | null)[] = [];
  /** Temporaries the generated code assigns (declared once at the top). */
  readonly temps: string[] = [];

  constructor(
    private readonly ctx: ExecContext,
    private readonly pure: ReadonlySet<string>,
  ) {}

  private id(prefix: string): string {
    return `${prefix}${this.nextId++}`;
  }

  private temp(): string {
    const t = this.id("t");
    this.temps.push(t);
    return t;
  }

  list(list: ListNode, dot: string): string {
    const mark = this.scope.length;
    let code = "";
    for (const n of list.nodes) code += this.node(n, dot);
    this.scope.length = mark;
    return `{\n${code}}\n`;
  }

  private node(n: Node, dot: string): string {
    switch (n.type) {
      case "text":
        return `out += ${JSON.stringify(n.text)};\n`;
      case "comment":
        return "";
      case "action":
        return this.action(n, dot);
      case "if":
        return this.branch(n, dot, false);
      case "with":
        return this.branch(n, dot, true);
      case "range":
        return this.range(n, dot);
      case "break":
      case "continue": {
        const label = this.loops[this.loops.length - 1];
        // Outside a loop body (a range's else list) Go's break has its own rules.
        if (label === undefined || label === null) throw new Unsupported(n.type);
        return `${n.type} ${label};\n`;
      }
      default:
        throw new Unsupported(n.type);
    }
  }

  /** Declares or assigns the pipeline's variables to `value` (a JS name). */
  private bind(p: PipeNode, value: string): string {
    if (p.decl.length === 0) return "";
    if (p.decl.length !== 1) throw new Unsupported("several variables");
    const name = p.decl[0]!.ident[0]!;
    if (p.isAssign) return `${this.variable(name)} = ${value};\n`;
    const js = this.id("v");
    this.scope.push([name, js]);
    return `let ${js} = ${value};\n`;
  }

  private action(n: ActionNode, dot: string): string {
    const v = this.pipeline(n.pipe, dot);
    if (n.pipe.decl.length === 0) return `out += show(${v});\n`;
    const tmp = this.id("a");
    return `const ${tmp} = ${v};\n${this.bind(n.pipe, tmp)}`;
  }

  private branch(n: BranchFields, dot: string, isWith: boolean): string {
    const mark = this.scope.length;
    const cond = this.id("c");
    let code = `const ${cond} = ${this.pipeline(n.pipe, dot)};\n${this.bind(n.pipe, cond)}`;
    code += `if (rt.isTrue(${cond})) ${this.list(n.list, isWith ? cond : dot)}`;
    if (n.elseList !== null) code += `else ${this.list(n.elseList, dot)}`;
    this.scope.length = mark;
    return `{\n${code}}\n`;
  }

  private range(n: BranchFields, dot: string): string {
    const p = n.pipe;
    if (p.decl.length > 2 || p.isAssign) throw new Unsupported("range variables");
    const mark = this.scope.length;
    const items = this.id("r");
    const i = this.id("i");
    const elem = this.id("d");
    const label = this.id("L");
    const keys = this.id("k");
    let code = `const ${items} = ${this.pipeline(p, dot)};\n`;
    // Go's range variables first hold the whole value (what the else list sees).
    const vars = p.decl.map((d) => {
      const js = this.id("v");
      this.scope.push([d.ident[0]!, js]);
      code += `let ${js} = ${items};\n`;
      return js;
    });
    const setVars = (index: string): string =>
      vars.length === 0
        ? ""
        : vars.length === 1
          ? `${vars[0]} = ${elem};\n`
          : `${vars[0]} = ${index};\n${vars[1]} = ${elem};\n`;
    this.loops.push(label);
    const body = this.list(n.list, elem);
    this.loops.pop();
    code += `let ${i} = 0;\n`;
    code += `if (Array.isArray(${items})) {\n${label}: for (; ${i} < ${items}.length; ${i}++) {\n`;
    code += `const ${elem} = ${items}[${i}];\n${setVars(`BigInt(${i})`)}${body}}\n`;
    code += `} else if (${items} instanceof Map) {\n`;
    code += `const ${keys} = [...${items}.keys()].sort(rt.compare);\n`;
    code += `${label}: for (; ${i} < ${keys}.length; ${i}++) {\n`;
    code += `const ${elem} = ${items}.get(${keys}[${i}]);\n${setVars(`${keys}[${i}]`)}${body}}\n`;
    code += `} else if (${items} !== undefined) bail();\n`;
    if (n.elseList !== null) {
      this.loops.push(null);
      const empty = `${items} === undefined || (Array.isArray(${items}) ? ${items}.length : ${items}.size) === 0`;
      code += `if (${empty}) ${this.list(n.elseList, dot)}`;
      this.loops.pop();
    }
    this.scope.length = mark;
    return `{\n${code}}\n`;
  }

  /** A pipeline's value, "no value" for a nil result as in exec's evalPipeline. */
  private pipeline(p: PipeNode, dot: string): string {
    if (p.cmds.length === 1) return `nv(${this.command(p.cmds[0]!, dot, null)})`;
    // Go evaluates each command before the next one's arguments: keep that order.
    const parts: string[] = [];
    let final: string | null = null;
    for (const cmd of p.cmds) {
      const t = this.temp();
      parts.push(`${t} = nv(${this.command(cmd, dot, final)})`);
      final = t;
    }
    return `(${parts.join(", ")}, ${final})`;
  }

  private command(cmd: CommandNode, dot: string, final: string | null): string {
    const first = cmd.args[0]!;
    if (first.type === "identifier") return this.call(first.ident, cmd.args.slice(1), dot, final);
    if (cmd.args.length !== 1 || final !== null) throw new Unsupported("arguments to a non-function");
    return this.operand(first, dot);
  }

  /** An argument's value before Go's type check: null, undefined and any type are possible. */
  private operand(n: Node, dot: string): string {
    switch (n.type) {
      case "string":
        return JSON.stringify(n.text);
      case "number":
        if (n.isInt && PLAIN_INT.test(n.text)) return `${n.int64}n`;
        // A decimal float literal is float64 wherever it is not converted to an int parameter.
        if (n.isFloat && !n.isComplex && PLAIN_FLOAT.test(n.text))
          return Object.is(n.float64, -0) ? "-0" : String(n.float64);
        throw new Unsupported("number");
      case "bool":
        return n.value ? "true" : "false";
      case "dot":
        return dot;
      case "field":
        return this.fields(dot, n.ident);
      case "variable": {
        const v = this.variable(n.ident[0]!);
        return n.ident.length === 1 ? v : this.fields(v, n.ident.slice(1));
      }
      case "chain":
        if (n.node.type === "nil") throw new Unsupported("chain");
        return this.fields(this.operand(n.node, dot), n.field);
      case "pipe":
        if (n.decl.length !== 0) throw new Unsupported("declaration in parentheses");
        return this.pipeline(n, dot);
      case "identifier":
        return this.call(n.ident, [], dot, null);
      default:
        throw new Unsupported(n.type);
    }
  }

  private fields(receiver: string, ident: readonly string[]): string {
    let code = receiver;
    for (const name of ident) {
      code =
        name === "Key" || name === "Value"
          ? `kvf(${code}, ${JSON.stringify(name)})`
          : `fld(${code}, ${JSON.stringify(name)})`;
    }
    return code;
  }

  private variable(name: string): string {
    for (let i = this.scope.length - 1; i >= 0; i--) if (this.scope[i]![0] === name) return this.scope[i]![1];
    throw new Unsupported("variable");
  }

  private fn(f: GoFunc): string {
    let k = this.fnIndex.get(f);
    if (k === undefined) {
      k = this.fns.length;
      this.fns.push(f);
      this.fnIndex.set(f, k);
    }
    return `rt.fns[${k}]`;
  }

  private call(name: string, args: readonly Node[], dot: string, final: string | null): string {
    const resolved = this.ctx.lookupFunc(name);
    if (resolved === undefined) throw new Unsupported("function");
    if (resolved.builtin) return this.builtin(name, args, dot, final);
    const f = resolved.fn;
    if (!this.pure.has(name)) throw new Unsupported(name);
    const numIn = args.length + (final !== null ? 1 : 0);
    if (f.variadic === undefined ? numIn !== f.params.length : numIn < f.params.length)
      throw new Unsupported(name);
    const typeAt = (i: number): string => (i < f.params.length ? f.params[i]! : f.variadic!);
    const check = (i: number): string => {
      const c = PARAM_CHECK[typeAt(i)];
      if (c === undefined) throw new Unsupported(name);
      return c;
    };
    const argv = args.map((a, i) => `${check(i)}(${this.operand(a, dot)})`);
    if (final !== null) argv.push(`${check(numIn - 1)}(${final})`);
    return `${this.fn(f)}.call(${argv.join(", ")})`;
  }

  /** Arguments of a builtin with reflect.Value parameters: any value but "no value". */
  private values(args: readonly Node[], dot: string, final: string | null): string[] {
    const vs = args.map((a) => `def(${this.operand(a, dot)})`);
    if (final !== null) vs.push(`def(${final})`);
    return vs;
  }

  private builtin(name: string, args: readonly Node[], dot: string, final: string | null): string {
    const n = args.length + (final !== null ? 1 : 0);
    switch (name) {
      case "index": {
        if (n < 2) throw new Unsupported(name);
        const [item, ...idx] = this.values(args, dot, final);
        return idx.reduce((acc, i) => `ix(${acc}, ${i})`, item!);
      }
      case "len":
        if (n !== 1) throw new Unsupported(name);
        return `len(${this.values(args, dot, final)[0]})`;
      case "not":
        if (n !== 1) throw new Unsupported(name);
        return `!rt.isTrue(${this.values(args, dot, final)[0]})`;
      case "and":
      case "or":
        return this.andOr(name === "or", args, dot, final);
      case "eq": {
        if (n < 2) throw new Unsupported(name);
        const [a, ...rest] = this.values(args, dot, final);
        return rest.length === 1 ? `eq(${a}, ${rest[0]})` : `eqAny(${a}, [${rest.join(", ")}])`;
      }
      case "ne":
      case "lt":
      case "le":
      case "gt":
      case "ge": {
        if (n !== 2) throw new Unsupported(name);
        const [a, b] = this.values(args, dot, final);
        return `${name}(${a}, ${b})`;
      }
      case "printf":
        return this.printf(args, dot, final);
      case "print":
      case "println": {
        const vs = args.map((a) => `basic(${this.operand(a, dot)})`);
        if (final !== null) vs.push(`basic(${final})`);
        return `rt.${name === "print" ? "sprint" : "sprintln"}([${vs.join(", ")}])`;
      }
      default:
        throw new Unsupported(name);
    }
  }

  /** Go's and/or: arguments evaluated left to right until one decides; the final (piped) value last. */
  private andOr(isOr: boolean, args: readonly Node[], dot: string, final: string | null): string {
    if (args.length === 0) throw new Unsupported("and/or");
    const t = this.temp();
    const decides = isOr ? `rt.isTrue(${t})` : `!rt.isTrue(${t})`;
    const vs = args.map((a) => `def(${this.operand(a, dot)})`);
    // The piped value was computed before this command, so it is only returned, never re-evaluated.
    const last = final !== null ? `def(${final})` : vs.pop()!;
    let code = last;
    for (let i = vs.length - 1; i >= 0; i--) code = `((${t} = ${vs[i]}), ${decides} ? ${t} : ${code})`;
    return code;
  }

  private printf(args: readonly Node[], dot: string, final: string | null): string {
    const format = args[0];
    if (format === undefined) throw new Unsupported("printf");
    const operands = args.slice(1).map((a) => this.operand(a, dot));
    if (final !== null) operands.push(final);
    const pieces = format.type === "string" ? simpleFormat(format.text) : null;
    const verbs = pieces?.filter((p) => typeof p !== "string").length;
    if (pieces === null || verbs !== operands.length) {
      const f = format.type === "string" ? JSON.stringify(format.text) : `str(${this.operand(format, dot)})`;
      return `rt.sprintf(${f}, [${operands.map((o) => `basic(${o})`).join(", ")}])`;
    }
    let k = 0;
    const parts = pieces.map((p) => {
      if (typeof p === "string") return JSON.stringify(p);
      const o = operands[k++]!;
      const s = p.verb === "s" ? `str(${o})` : p.verb === "d" ? `istr(${o})` : `strOrInt(${o})`;
      return p.width === 0 ? s : `pad(${s}, ${p.width}, ${p.left})`;
    });
    return parts.length === 0 ? '""' : `(${parts.join(" + ")})`;
  }
}

// Helpers the generated code calls; each gives up on anything but the simple case.
const PRELUDE = `
const bail = rt.bail;
const KVPair = rt.KVPair;
const GO_TYPE = rt.GO_TYPE;
const nv = (v) => (v === null ? undefined : v);
const def = (v) => (v === undefined ? bail() : v);
const str = (v) => (typeof v === "string" ? v : bail());
const int = (v) => (typeof v === "bigint" ? v : bail());
const istr = (v) => (typeof v === "bigint" ? v.toString() : bail());
const strOrInt = (v) => (typeof v === "string" ? v : typeof v === "bigint" ? v.toString() : bail());
const strs = (v) => (Array.isArray(v) && v[GO_TYPE] === "[]string" ? v : bail());
const isBasic = (t) => t === "string" || t === "bigint" || t === "boolean" || t === "number";
const basic = (v) => (isBasic(typeof v) ? v : bail());
const kvf = (r, name) => (r instanceof KVPair ? r[name] : fld(r, name));
const fld = (r, name) => {
  if (r === undefined) return undefined;
  if (r instanceof Map) return r.get(name);
  if (r instanceof KVPair && (name === "Key" || name === "Value")) return r[name];
  return bail();
};
const ix = (s, i) => {
  if (Array.isArray(s)) return typeof i === "bigint" && i >= 0n && i < BigInt(s.length) ? s[Number(i)] : bail();
  if (s instanceof Map && typeof i === "string" && s.has(i)) return s.get(i);
  return bail();
};
const len = (v) => {
  if (typeof v === "string") return BigInt(rt.byteLength(v));
  if (Array.isArray(v)) return BigInt(v.length);
  if (v instanceof Map) return BigInt(v.size);
  return bail();
};
const eq = (a, b) => {
  const t = typeof a;
  if (t !== typeof b || !isBasic(t)) return bail();
  if (a === b) return true;
  // Strings holding escaped bytes (go/gostring.ts) may be equal as bytes though not as JS strings.
  return t === "string" && !(a.isWellFormed() && b.isWellFormed()) ? bail() : false;
};
const eqAny = (a, bs) => {
  for (const b of bs) if (eq(a, b)) return true;
  return false;
};
const ne = (a, b) => !eq(a, b);
const lt = (a, b) => {
  const t = typeof a;
  if (t !== typeof b) return bail();
  if (t === "string") return rt.compare(a, b) < 0;
  return t === "bigint" || t === "number" ? a < b : bail();
};
const le = (a, b) => lt(a, b) || eq(a, b);
const gt = (a, b) => !le(a, b);
const ge = (a, b) => !lt(a, b);
const show = (v) => {
  switch (typeof v) {
    case "string":
      return v;
    case "bigint":
      return v.toString();
    case "boolean":
      return v ? "true" : "false";
    case "number":
      return rt.sprint([v]);
  }
  return bail();
};
// fmt pads to a width in runes; surrogates (astral characters or raw bytes) go through the fmt port.
const pad = (s, w, left) => {
  if (s.length >= w) {
    let plain = true;
    for (let i = 0; i < s.length && plain; i++) plain = (s.charCodeAt(i) & 0xf800) !== 0xd800;
    if (plain) return s;
    return rt.sprintf(left ? "%-" + w + "s" : "%" + w + "s", [s]);
  }
  for (let i = 0; i < s.length; i++)
    if ((s.charCodeAt(i) & 0xf800) === 0xd800) return rt.sprintf(left ? "%-" + w + "s" : "%" + w + "s", [s]);
  return left ? s.padEnd(w) : s.padStart(w);
};
let out = "";
`;

/**
 * Compiles a tree for the fast path, or returns null when it uses anything
 * outside the subset. `pure` names the functions of the map that may be
 * called again by the interpreter after the fast path gives up.
 */
export function compileTree(
  tree: Tree,
  ctx: ExecContext,
  pure: ReadonlySet<string>,
): CompiledTemplate | null {
  const c = new Compiler(ctx, pure);
  let body: string;
  try {
    body = c.list(tree.root, "root");
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  }
  const temps = c.temps.length > 0 ? `let ${c.temps.join(", ")};\n` : "";
  // The source is generated above from the parse tree; every literal goes through JSON.stringify.
  const render = new Function(
    "rt",
    "dot",
    // As in exec: a nil dot is "no value".
    `${PRELUDE}${temps}const root = dot === null ? undefined : dot;\n${body}return out;`,
  ) as (rt: Runtime, dot: GoValue) => string;
  const rt: Runtime = {
    KVPair,
    GO_TYPE,
    isTrue,
    byteLength,
    compare: compareGoStrings,
    sprintf,
    sprint,
    sprintln,
    fns: c.fns,
    bail: RUNTIME_BAIL,
  };
  return (dot) => {
    try {
      return render(rt, dot);
    } catch {
      // A value outside the subset, or an error the interpreter will report in Go's words.
      return undefined;
    }
  };
}
