// A fast path for the common shape of confd templates: the tree is translated
// once into one JavaScript function, so rendering thousands of servers runs
// straight-line code instead of walking nodes (which matters most in a short,
// not yet JIT-warmed `hecd template` process).
//
// Only a subset compiles: text, actions, if/range without variables in the
// range clause, `$x :=` declarations, .Key/.Value of memkv pairs, variables,
// string and integer literals, parenthesised pipelines, pure functions whose
// parameters are all strings, index of a slice by an int literal, eq/ne of
// strings, and printf with only %s/%v/%d verbs. Everything else (and every
// value outside these types at run time) makes the compiled function give up
// and return undefined, before anything is output; the interpreter in exec.ts
// then renders from scratch and is the one that reports Go's errors.

import { isTrue } from "./builtins.js";
import type { ExecContext } from "./exec.js";
import type { ActionNode, BranchFields, CommandNode, ListNode, Node, PipeNode, Tree } from "./parse/node.js";
import { KVPair, type GoFunc, type GoValue } from "../go/value.js";

/** Renders with the compiled function; undefined when it had to give up. */
export type CompiledTemplate = (dot: GoValue) => string | undefined;

class Unsupported extends Error {}

/** Thrown by the generated code when a value is not what the fast path handles. */
const BAIL = Symbol("bail");

interface Runtime {
  KVPair: typeof KVPair;
  isTrue: (v: GoValue) => boolean;
  fns: GoFunc[];
  bail: () => never;
}

const RUNTIME_BAIL = (): never => {
  throw BAIL;
};

class Compiler {
  private nextId = 0;
  readonly fns: GoFunc[] = [];
  private readonly fnIndex = new Map<GoFunc, number>();
  /** Visible template variables, innermost last: Go name -> JS name. */
  private scope: [string, string][] = [["$", "root"]];

  constructor(
    private readonly ctx: ExecContext,
    private readonly pure: ReadonlySet<string>,
  ) {}

  private id(prefix: string): string {
    return `${prefix}${this.nextId++}`;
  }

  list(list: ListNode, dot: string): string {
    const mark = this.scope.length;
    let code = "";
    for (const n of list.nodes) code += this.node(n, dot);
    this.scope.length = mark;
    return code;
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
        return this.ifNode(n, dot);
      case "range":
        return this.range(n, dot);
      default:
        throw new Unsupported(n.type);
    }
  }

  private action(n: ActionNode, dot: string): string {
    const v = this.pipeline(n.pipe, dot);
    if (n.pipe.decl.length === 1 && !n.pipe.isAssign) {
      const name = this.id("v");
      // A nil interface result is stored as "no value", as exec does.
      const code = `const ${name} = nv(${v});\n`;
      this.scope.push([n.pipe.decl[0]!.ident[0]!, name]);
      return code;
    }
    if (n.pipe.decl.length !== 0) throw new Unsupported("assignment");
    return `out += show(${v});\n`;
  }

  private ifNode(n: BranchFields, dot: string): string {
    if (n.pipe.decl.length !== 0) throw new Unsupported("if with a declaration");
    const mark = this.scope.length;
    const cond = this.pipeline(n.pipe, dot);
    let code = `if (rt.isTrue(nv(${cond}))) {\n${this.list(n.list, dot)}}`;
    if (n.elseList !== null) code += ` else {\n${this.list(n.elseList, dot)}}`;
    this.scope.length = mark;
    return code + "\n";
  }

  private range(n: BranchFields, dot: string): string {
    if (n.pipe.decl.length !== 0) throw new Unsupported("range with variables");
    const mark = this.scope.length;
    const items = this.id("r");
    const i = this.id("i");
    const elem = this.id("d");
    let code = `const ${items} = ${this.pipeline(n.pipe, dot)};\n`;
    code += `if (!Array.isArray(${items})) rt.bail();\n`;
    code += `for (let ${i} = 0; ${i} < ${items}.length; ${i}++) {\nconst ${elem} = ${items}[${i}];\n`;
    code += this.list(n.list, elem) + "}\n";
    if (n.elseList !== null) code += `if (${items}.length === 0) {\n${this.list(n.elseList, dot)}}\n`;
    this.scope.length = mark;
    return `{\n${code}}\n`;
  }

  private pipeline(p: PipeNode, dot: string): string {
    if (p.cmds.length !== 1) throw new Unsupported("chained pipeline");
    return this.command(p.cmds[0]!, dot);
  }

  private command(cmd: CommandNode, dot: string): string {
    const first = cmd.args[0]!;
    if (first.type === "identifier") return this.call(first.ident, cmd.args.slice(1), dot);
    if (cmd.args.length !== 1) throw new Unsupported("arguments to a non-function");
    return this.operand(first, dot);
  }

  /** An operand: a value that is never "no value" unless the interpreter would agree. */
  private operand(n: Node, dot: string): string {
    switch (n.type) {
      case "string":
        return JSON.stringify(n.text);
      case "dot":
        return dot;
      case "field":
        return this.fields(dot, n.ident);
      case "variable": {
        const v = this.variable(n.ident[0]!);
        return n.ident.length === 1 ? v : this.fields(v, n.ident.slice(1));
      }
      case "pipe":
        if (n.decl.length !== 0) throw new Unsupported("declaration in parentheses");
        return `nv(${this.pipeline(n, dot)})`;
      case "identifier":
        return this.call(n.ident, [], dot);
      default:
        throw new Unsupported(n.type);
    }
  }

  private fields(receiver: string, ident: readonly string[]): string {
    if (ident.length !== 1 || (ident[0] !== "Key" && ident[0] !== "Value")) throw new Unsupported("field");
    return `kv(${receiver}).${ident[0]}`;
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

  private call(name: string, args: readonly Node[], dot: string): string {
    const resolved = this.ctx.lookupFunc(name);
    if (resolved === undefined) throw new Unsupported("function");
    if (resolved.builtin) return this.builtin(name, args, dot);
    const f = resolved.fn;
    if (!this.pure.has(name) || f.variadic !== undefined || f.params.length !== args.length)
      throw new Unsupported(name);
    if (!f.params.every((p) => p === "string")) throw new Unsupported(name);
    const argv = args.map((a) => `str(${this.operand(a, dot)})`);
    return `${this.fn(f)}.call(${argv.join(", ")})`;
  }

  private builtin(name: string, args: readonly Node[], dot: string): string {
    switch (name) {
      case "index": {
        const idx = args[1];
        // Plain decimal ints only: 1.0 or 1e3 are float64 to Go, 'a' a rune.
        if (args.length !== 2 || idx?.type !== "number" || !idx.isInt || !/^[0-9]+$/.test(idx.text))
          throw new Unsupported("index");
        if (idx.int64 > 1_000_000n) throw new Unsupported("index");
        return `at(${this.operand(args[0]!, dot)}, ${Number(idx.int64)})`;
      }
      case "eq":
      case "ne": {
        if (args.length !== 2) throw new Unsupported(name);
        const op = name === "eq" ? "===" : "!==";
        return `(str(${this.operand(args[0]!, dot)}) ${op} str(${this.operand(args[1]!, dot)}))`;
      }
      case "printf":
        return this.printf(args, dot);
      default:
        throw new Unsupported(name);
    }
  }

  private printf(args: readonly Node[], dot: string): string {
    const format = args[0];
    if (format?.type !== "string") throw new Unsupported("printf format");
    const f = format.text;
    const parts: string[] = [];
    let last = 0;
    let argNum = 1;
    for (let i = f.indexOf("%"); i >= 0; i = f.indexOf("%", last)) {
      const verb = f[i + 1];
      if (verb !== "s" && verb !== "v" && verb !== "d") throw new Unsupported("printf verb");
      if (argNum >= args.length) throw new Unsupported("printf arguments");
      if (i > last) parts.push(JSON.stringify(f.slice(last, i)));
      const a = this.operand(args[argNum++]!, dot);
      parts.push(verb === "s" ? `str(${a})` : verb === "d" ? `int(${a})` : `strOrInt(${a})`);
      last = i + 2;
    }
    if (argNum !== args.length) throw new Unsupported("printf arguments");
    if (last < f.length) parts.push(JSON.stringify(f.slice(last)));
    return parts.length === 0 ? '""' : `(${parts.join(" + ")})`;
  }
}

// Helpers the generated code calls; each gives up on anything but the simple case.
const PRELUDE = `
const bail = rt.bail;
const nv = (v) => (v === null ? undefined : v);
const str = (v) => (typeof v === "string" ? v : bail());
const int = (v) => (typeof v === "bigint" ? v.toString() : bail());
const strOrInt = (v) => (typeof v === "string" ? v : typeof v === "bigint" ? v.toString() : bail());
const kv = (v) => (v instanceof rt.KVPair ? v : bail());
const at = (s, i) => (Array.isArray(s) && i < s.length ? s[i] : bail());
const show = (v) => (typeof v === "string" ? v : typeof v === "bigint" ? v.toString() : bail());
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
  // The source is generated above from the parse tree; every literal goes through JSON.stringify.
  const render = new Function("rt", "root", `${PRELUDE}${body}return out;`) as (
    rt: Runtime,
    root: GoValue,
  ) => string;
  const rt: Runtime = { KVPair, isTrue, fns: c.fns, bail: RUNTIME_BAIL };
  return (dot) => {
    try {
      return render(rt, dot);
    } catch {
      // A value outside the subset, or an error the interpreter will report in Go's words.
      return undefined;
    }
  };
}
