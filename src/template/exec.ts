// Go 1.19 text/template execution (exec.go) over hecd's value model.
//
// The port keeps Go's structure so error positions match: `s.node` is moved
// at the same points as Go's s.at(), and errors are reported against it.
// Values: `undefined` is Go's invalid reflect.Value ("no value"), `null` a nil
// interface. Whether a value sits in an interface{} slot (a field of a
// map[string]interface{}, an element of []interface{}) only shows in error
// texts ("in type interface {}"), so it travels as a flag next to dot and
// variables, not in the values.

import { IfaceArg, type BuiltinFunc, SLICE_FUNC, isFuncValue, isTrue, truth } from "./builtins.js";
import { compareGoStrings } from "../go/sort.js";
import {
  GoComplex,
  assignable,
  canBeNil,
  elemIsInterface,
  isEmptyInterface,
  kindOf,
  zeroValue,
} from "./convert.js";
import { StackExhaustedError, TemplateError } from "./errors.js";
import { sprint, sprintf } from "../go/fmt.js";
import type {
  ActionNode,
  BranchFields,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  RangeNode,
  TemplateNode,
  Tree,
  VariableNode,
} from "./parse/node.js";
import { quote as goQuote } from "../go/fmt-quote.js";
import { nodeString } from "./parse/node-string.js";
import { errorContext } from "./parse/parse.js";
import { GoError, GoNumber, GoStruct, goTypeName, type GoFunc, type GoValue } from "../go/value.js";
import { KVPair } from "./kvpair.js";

/** Go's maxExecDepth (non-wasm). */
export const MAX_EXEC_DEPTH = 100000;

/** One named template of a set: its tree, or null when declared but never defined. */
export interface TemplateEntry {
  readonly name: string;
  readonly tree: Tree | null;
}

/** A function found by name: the caller's FuncMap wins over the builtins, as in Go. */
export interface ResolvedFunc {
  readonly fn: GoFunc;
  readonly builtin: boolean;
}

/** What execution needs from a template set (Go's `common`). */
export interface ExecContext {
  lookup(name: string): TemplateEntry | undefined;
  lookupFunc(name: string): ResolvedFunc | undefined;
}

/** The "no final argument" marker (Go's missingVal). */
const MISSING: unique symbol = Symbol("missing");
type Final = GoValue | typeof MISSING;

// walk results: how a list ended.
const NORMAL = 0;
const BREAK = 1;
const CONTINUE = 2;
type Flow = typeof NORMAL | typeof BREAK | typeof CONTINUE;

/** Thrown to stop execution; carries Go's full error text. */
class ExecAbort extends Error {}

function isStackOverflow(e: unknown): boolean {
  // No regular expression here: compiling one this close to the stack limit overflows too.
  return e instanceof RangeError && e.message.includes("call stack");
}

/** One template invocation on the call chain (for the depth-limit error). */
interface Frame {
  tmpl: TemplateEntry;
  node: TemplateNode;
}

class State {
  node: Node | null = null;
  /** Output: a short rope being built, and finished chunks (flat strings). */
  out = "";
  private appends = 0;
  private readonly chunks: string[] = [];
  depth = 0;
  /** Whether dot sits in an interface{} slot. */
  dotIface = false;
  /** Whether the value last returned by a field/variable evaluation sits in an interface{} slot. */
  lastIface = false;
  vnames: string[];
  vvals: GoValue[];
  viface: boolean[];
  nvars = 1;
  readonly frames: Frame[] = [];
  /** The first template node walked at each depth of the current call chain. */
  readonly firstAt: (Frame | undefined)[] = [];

  constructor(
    public tmpl: TemplateEntry,
    readonly ctx: ExecContext,
    dot: GoValue,
  ) {
    this.vnames = ["$"];
    this.vvals = [dot];
    this.viface = [false];
  }

  // ---- output

  // Thousands of small appends make a deep rope that survives young-gen GCs;
  // flattening it chunk by chunk keeps the live output compact.
  write(text: string): void {
    this.out += text;
    if (++this.appends === 512) {
      this.appends = 0;
      this.out.charCodeAt(0);
      this.chunks.push(this.out);
      this.out = "";
    }
  }

  output(): string {
    if (this.chunks.length === 0) return this.out;
    this.chunks.push(this.out);
    return this.chunks.join("");
  }

  // ---- variables

  push(name: string, value: GoValue, iface: boolean): void {
    const i = this.nvars++;
    this.vnames[i] = name;
    this.vvals[i] = value;
    this.viface[i] = iface;
  }

  pop(mark: number): void {
    for (let i = mark; i < this.nvars; i++) this.vvals[i] = undefined;
    this.nvars = mark;
  }

  setVar(name: string, value: GoValue): void {
    for (let i = this.nvars - 1; i >= 0; i--) {
      if (this.vnames[i] === name) {
        this.vvals[i] = value;
        this.viface[i] = false;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  setTopVar(n: number, value: GoValue, iface: boolean): void {
    this.vvals[this.nvars - n] = value;
    this.viface[this.nvars - n] = iface;
  }

  varValue(name: string): GoValue {
    for (let i = this.nvars - 1; i >= 0; i--) {
      if (this.vnames[i] === name) {
        this.lastIface = this.viface[i]!;
        return this.vvals[i];
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // ---- errors

  errorf(msg: string): never {
    const name = this.tmpl.name;
    let text: string;
    if (this.node === null || this.tmpl.tree === null) {
      text = `template: ${name}: ${msg}`;
    } else {
      const { location, context } = errorContext(this.tmpl.tree, this.node);
      text = `template: ${location}: executing ${goQuote(name)} at <${context}>: ${msg}`;
    }
    throw new ExecAbort(text);
  }

  // ---- walk

  walk(dot: GoValue, node: Node): Flow {
    if (node.type === "list") return this.walkList(dot, node);
    return this.walkNode(dot, node);
  }

  /** Walks a list's nodes; the common node kinds are handled inline to keep the JS stack shallow. */
  walkList(dot: GoValue, list: ListNode): Flow {
    const nodes = list.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      this.node = node;
      let r: Flow;
      switch (node.type) {
        case "text":
          this.write(node.text);
          continue;
        case "action": {
          const val = this.evalPipeline(dot, node.pipe);
          if (node.pipe.decl.length === 0) this.printValue(node, val);
          continue;
        }
        case "if":
          r = this.walkIfOrWith(false, dot, node);
          break;
        case "with":
          r = this.walkIfOrWith(true, dot, node);
          break;
        case "range":
          r = this.walkRange(dot, node);
          break;
        case "template":
          this.walkTemplate(dot, node);
          continue;
        default:
          r = this.walkNode(dot, node);
      }
      if (r !== NORMAL) return r;
    }
    return NORMAL;
  }

  walkNode(dot: GoValue, node: Node): Flow {
    this.node = node;
    switch (node.type) {
      case "action": {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return NORMAL;
      }
      case "text":
        this.write(node.text);
        return NORMAL;
      case "list":
        return this.walkList(dot, node);
      case "if":
        return this.walkIfOrWith(false, dot, node);
      case "with":
        return this.walkIfOrWith(true, dot, node);
      case "range":
        return this.walkRange(dot, node);
      case "template":
        this.walkTemplate(dot, node);
        return NORMAL;
      case "comment":
        return NORMAL;
      case "break":
        return BREAK;
      case "continue":
        return CONTINUE;
    }
    this.errorf(`unknown node: ${nodeString(node)}`);
  }

  walkIfOrWith(isWith: boolean, dot: GoValue, node: BranchFields): Flow {
    const mark = this.nvars;
    const val = this.evalPipeline(dot, node.pipe);
    let r: Flow = NORMAL;
    if (isTrue(val)) {
      if (isWith) {
        const saved = this.dotIface;
        this.dotIface = false;
        r = this.walkList(val, node.list);
        this.dotIface = saved;
      } else {
        r = this.walkList(dot, node.list);
      }
    } else if (node.elseList !== null) {
      r = this.walkList(dot, node.elseList);
    }
    this.pop(mark);
    return r;
  }

  walkRange(dot: GoValue, r: RangeNode): Flow {
    this.node = r;
    const outerMark = this.nvars;
    const val = this.evalPipeline(dot, r.pipe);
    const mark = this.nvars;
    const ndecl = r.pipe.decl.length;
    const savedIface = this.dotIface;
    let iterated = false;
    if (Array.isArray(val)) {
      if (val.length > 0) {
        iterated = true;
        const iface = elemIsInterface(val);
        for (let i = 0; i < val.length; i++) {
          const elem = val[i];
          if (ndecl > 0) this.setTopVar(1, elem, iface);
          if (ndecl > 1) this.setTopVar(2, BigInt(i), false);
          this.dotIface = iface;
          const f = this.walkList(elem, r.list);
          this.pop(mark);
          if (f === BREAK) break;
        }
      }
    } else if (val instanceof Map) {
      if (val.size > 0) {
        iterated = true;
        const iface = elemIsInterface(val);
        const keys = [...val.keys()].sort(compareGoStrings);
        for (const key of keys) {
          const elem = val.get(key);
          if (ndecl > 0) this.setTopVar(1, elem, iface);
          if (ndecl > 1) this.setTopVar(2, key, false);
          this.dotIface = iface;
          const f = this.walkList(elem, r.list);
          this.pop(mark);
          if (f === BREAK) break;
        }
      }
    } else if (val !== undefined) {
      const shown = val instanceof GoStruct && val.pointer ? derefStruct(val) : val;
      this.errorf(
        `range can't iterate over ${shown instanceof GoComplex ? formatComplex(shown) : sprintf("%v", [shown])}`,
      );
    }
    this.dotIface = savedIface;
    if (!iterated && r.elseList !== null) {
      const f = this.walkList(dot, r.elseList);
      this.pop(outerMark);
      // Go's walkRange recovers a break raised in its own else list.
      return f === BREAK ? NORMAL : f;
    }
    this.pop(outerMark);
    return NORMAL;
  }

  walkTemplate(dot: GoValue, t: TemplateNode): void {
    this.node = t;
    if (this.firstAt[this.depth] === undefined) this.firstAt[this.depth] = { tmpl: this.tmpl, node: t };
    const tmpl = this.ctx.lookup(t.name);
    if (tmpl === undefined || tmpl.tree === null) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth === MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = this.evalPipeline(dot, t.pipe);
    const saved = {
      tmpl: this.tmpl,
      vnames: this.vnames,
      vvals: this.vvals,
      viface: this.viface,
      nvars: this.nvars,
      dotIface: this.dotIface,
    };
    this.frames.push({ tmpl: this.tmpl, node: t });
    this.firstAt[this.depth + 1] = undefined;
    this.depth++;
    this.tmpl = tmpl;
    this.vnames = ["$"];
    this.vvals = [newDot];
    this.viface = [false];
    this.nvars = 1;
    this.dotIface = false;
    this.walkList(newDot, tmpl.tree.root);
    this.depth--;
    this.frames.pop();
    this.tmpl = saved.tmpl;
    this.vnames = saved.vnames;
    this.vvals = saved.vvals;
    this.viface = saved.viface;
    this.nvars = saved.nvars;
    this.dotIface = saved.dotIface;
  }

  // ---- evaluation

  evalPipeline(dot: GoValue, pipe: PipeNode | null): GoValue {
    if (pipe === null) return undefined;
    this.node = pipe;
    let value: Final = MISSING;
    const cmds = pipe.cmds;
    for (let i = 0; i < cmds.length; i++) {
      value = this.evalCommand(dot, cmds[i]!, value);
      // A nil interface{} result digs down to "no value".
      if (value === null) value = undefined;
    }
    const v = value === MISSING ? undefined : value;
    const decl = pipe.decl;
    for (let i = 0; i < decl.length; i++) {
      if (pipe.isAssign) this.setVar(decl[i]!.ident[0]!, v);
      else this.push(decl[i]!.ident[0]!, v, false);
    }
    return v;
  }

  notAFunction(args: readonly Node[] | null, final: Final): void {
    if ((args !== null && args.length > 1) || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString(args![0]!)}`);
    }
  }

  evalCommand(dot: GoValue, cmd: CommandNode, final: Final): GoValue {
    const first = cmd.args[0]!;
    switch (first.type) {
      case "field":
        return this.evalFieldNode(dot, first, cmd.args, final);
      case "chain":
        return this.evalChainNode(dot, first, cmd.args, final);
      case "identifier":
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case "variable":
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.node = first;
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case "bool":
        return first.value;
      case "dot":
        return dot;
      case "nil":
        this.errorf("nil is not a command");
      // falls through (errorf never returns)
      case "number":
        return this.idealConstant(first);
      case "string":
        return first.text;
    }
    this.errorf(`can't evaluate command ${goQuote(nodeString(first))}`);
  }

  idealConstant(c: NumberNode): GoValue {
    this.node = c;
    if (c.isComplex) return complexOf("complex128", c);
    if (c.isFloat && !isHexInt(c.text) && !isRuneInt(c.text) && hasFloatSyntax(c.text)) return c.float64;
    if (c.isInt) return c.int64;
    if (c.isUint) this.errorf(`${c.text} overflows int`);
    return undefined;
  }

  evalFieldNode(dot: GoValue, field: FieldNode, args: readonly Node[] | null, final: Final): GoValue {
    this.node = field;
    return this.evalFieldChain(dot, dot, this.dotIface, field, field.ident, 0, args, final);
  }

  evalChainNode(dot: GoValue, chain: ChainNode, args: readonly Node[] | null, final: Final): GoValue {
    this.node = chain;
    if (chain.field.length === 0) this.errorf("internal error: no fields in evalChainNode");
    if (chain.node.type === "nil") this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, false, chain, chain.field, 0, args, final);
  }

  evalVariableNode(dot: GoValue, v: VariableNode, args: readonly Node[] | null, final: Final): GoValue {
    this.node = v;
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, this.lastIface, v, v.ident, 1, args, final);
  }

  evalFieldChain(
    dot: GoValue,
    receiver: GoValue,
    recvIface: boolean,
    node: Node,
    ident: readonly string[],
    start: number,
    args: readonly Node[] | null,
    final: Final,
  ): GoValue {
    const n = ident.length;
    for (let i = start; i < n - 1; i++) {
      receiver = this.evalField(dot, ident[i]!, node, null, MISSING, receiver, recvIface);
      recvIface = this.lastIface;
    }
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver, recvIface);
  }

  evalFunction(
    dot: GoValue,
    node: IdentifierNode,
    cmd: Node,
    args: readonly Node[] | null,
    final: Final,
  ): GoValue {
    this.node = node;
    const name = node.ident;
    const f = this.ctx.lookupFunc(name);
    if (f === undefined) this.errorf(`${goQuote(name)} is not a defined function`);
    return this.evalCall(dot, f.fn, f.builtin, cmd, name, args, final);
  }

  evalField(
    dot: GoValue,
    fieldName: string,
    node: Node,
    args: readonly Node[] | null,
    final: Final,
    receiver: GoValue,
    recvIface: boolean,
  ): GoValue {
    this.lastIface = false;
    if (receiver === undefined) return undefined;
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    if (receiver instanceof KVPair && (fieldName === "Key" || fieldName === "Value")) {
      // The hot path of confd templates: no methods, two string fields.
      if ((args !== null && args.length > 1) || final !== MISSING) {
        this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
      }
      return fieldName === "Key" ? receiver.Key : receiver.Value;
    }
    if (receiver instanceof GoStruct) {
      const method = receiver.method(fieldName);
      if (method !== undefined) return this.evalCall(dot, method.fn, false, node, fieldName, args, final);
      if (receiver.hasField(fieldName)) {
        if ((args !== null && args.length > 1) || final !== MISSING) {
          this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
        }
        return receiver.field(fieldName);
      }
    } else if (receiver instanceof Map) {
      if ((args !== null && args.length > 1) || final !== MISSING) {
        this.errorf(`${fieldName} is not a method but has arguments`);
      }
      const v = receiver.get(fieldName);
      if (v === undefined) return undefined;
      this.lastIface = elemIsInterface(receiver);
      return v;
    }
    const typ = recvIface ? "interface {}" : goTypeName(receiver);
    this.errorf(`can't evaluate field ${fieldName} in type ${typ}`);
  }

  evalCall(
    dot: GoValue,
    fun: GoFunc,
    isBuiltin: boolean,
    node: Node,
    name: string,
    allArgs: readonly Node[] | null,
    final: Final,
  ): GoValue {
    // allArgs[0] is the function's own node; the rest are its arguments.
    const nargs = allArgs === null ? 0 : allArgs.length - 1;
    const params = fun.params;
    const variadic = fun.variadic;
    const numParams = params.length + (variadic !== undefined ? 1 : 0);
    const numIn = final !== MISSING ? nargs + 1 : nargs;
    let numFixed = nargs;
    if (variadic !== undefined) {
      numFixed = params.length;
      if (numIn < numFixed) {
        this.errorf(`wrong number of args for ${name}: want at least ${params.length} got ${nargs}`);
      }
    } else if (numIn !== numParams) {
      this.errorf(`wrong number of args for ${name}: want ${numParams} got ${numIn}`);
    }

    if (isBuiltin && (name === "and" || name === "or")) {
      const isOr = name === "or";
      let v: GoValue = undefined;
      for (let i = 1; i <= nargs; i++) {
        v = this.evalArg(dot, "reflect.Value", allArgs![i]!);
        if (truth(v) === isOr) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }

    const argv: GoValue[] = new Array<GoValue>(numIn);
    const wantIface = fun === SLICE_FUNC;
    let i = 0;
    for (; i < numFixed && i < nargs; i++) {
      argv[i] = this.evalArg(dot, params[i]!, allArgs![i + 1]!);
      if (wantIface && this.lastIface && argv[i] !== undefined) {
        argv[i] = new IfaceArg(argv[i]) as unknown as GoValue;
      }
    }
    if (variadic !== undefined) {
      for (; i < nargs; i++) {
        argv[i] = this.evalArg(dot, variadic, allArgs![i + 1]!);
        if (wantIface && this.lastIface && argv[i] !== undefined) {
          argv[i] = new IfaceArg(argv[i]) as unknown as GoValue;
        }
      }
    }
    if (final !== MISSING) {
      let t: string;
      if (variadic !== undefined) t = numIn - 1 < numFixed ? params[numIn - 1]! : variadic;
      else t = params[params.length - 1]!;
      argv[i] = this.validateType(final, t);
    }
    let v: GoValue;
    try {
      if (isBuiltin) {
        v = (fun as BuiltinFunc).callv(argv);
      } else {
        switch (numIn) {
          case 0:
            v = fun.call();
            break;
          case 1:
            v = fun.call(argv[0]);
            break;
          case 2:
            v = fun.call(argv[0], argv[1]);
            break;
          case 3:
            v = fun.call(argv[0], argv[1], argv[2]);
            break;
          default:
            v = fun.call(...argv);
        }
      }
    } catch (e) {
      if (e instanceof ExecAbort || isStackOverflow(e)) throw e;
      this.node = node;
      this.errorf(`error calling ${name}: ${errorText(e)}`);
    }
    this.lastIface = false;
    return v;
  }

  validateType(value: GoValue, typ: string | null): GoValue {
    if (value === undefined) {
      if (typ === null) return undefined;
      if (canBeNil(typ)) return zeroValue(typ);
      this.errorf(`invalid value; expected ${typ}`);
    }
    if (typ === null || typ === "reflect.Value") return value;
    if (value === null) {
      if (kindOf(typ) === "interface") return null;
      this.errorf(`wrong type for value; expected ${typ}; got interface {}`);
    }
    const from = goTypeName(value);
    if (from === typ || isEmptyInterface(typ) || assignable(from, typ)) return value;
    if (value instanceof GoStruct && value.pointer && value.goType === typ) return derefStruct(value);
    this.errorf(`wrong type for value; expected ${typ}; got ${from}`);
  }

  evalArg(dot: GoValue, typ: string | null, n: Node): GoValue {
    this.node = n;
    this.lastIface = false;
    switch (n.type) {
      case "dot":
        this.lastIface = this.dotIface;
        return this.validateType(dot, typ);
      case "nil":
        if (typ !== null && canBeNil(typ)) return zeroValue(typ);
        this.errorf(`cannot assign nil to ${typ}`);
      // falls through (errorf never returns)
      case "field":
        return this.validateType(this.evalFieldNode(dot, n, null, MISSING), typ);
      case "variable":
        return this.validateType(this.evalVariableNode(dot, n, null, MISSING), typ);
      case "pipe": {
        const v = this.validateType(this.evalPipeline(dot, n), typ);
        this.lastIface = false;
        return v;
      }
      case "identifier":
        return this.validateType(this.evalFunction(dot, n, n, null, MISSING), typ);
      case "chain":
        return this.validateType(this.evalChainNode(dot, n, null, MISSING), typ);
    }
    const t = typ!;
    if (t === "reflect.Value" || t === "interface {}") return this.evalEmptyInterface(dot, n);
    switch (kindOf(t)) {
      case "bool":
        this.node = n;
        if (n.type === "bool") return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      // falls through
      case "complex":
        if (n.type === "number" && n.isComplex) return complexOf(t, n);
        this.errorf(`expected complex; found ${nodeString(n)}`);
      // falls through
      case "float":
        this.node = n;
        if (n.type === "number" && n.isFloat)
          return t === "float64" ? n.float64 : new GoNumber(t, Math.fround(n.float64));
        this.errorf(`expected float; found ${nodeString(n)}`);
      // falls through
      case "int":
        this.node = n;
        if (n.type === "number" && n.isInt) return t === "int" ? n.int64 : truncInt(t, n.int64);
        this.errorf(`expected integer; found ${nodeString(n)}`);
      // falls through
      case "interface":
        if (isEmptyInterface(t)) return this.evalEmptyInterface(dot, n);
        break;
      case "reflect":
        return this.evalEmptyInterface(dot, n);
      case "string":
        this.node = n;
        if (n.type === "string") return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      // falls through
      case "uint":
        this.node = n;
        if (n.type === "number" && n.isUint) return truncInt(t, n.uint64);
        this.errorf(`expected unsigned integer; found ${nodeString(n)}`);
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${t}`);
  }

  evalEmptyInterface(dot: GoValue, n: Node): GoValue {
    this.node = n;
    switch (n.type) {
      case "bool":
        return n.value;
      case "number":
        return this.idealConstant(n);
      case "string":
        return n.text;
    }
    this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
  }

  printValue(n: ActionNode, v: GoValue): void {
    this.node = n;
    if (typeof v === "string") {
      this.write(v);
      return;
    }
    if (v === undefined) {
      this.write("<no value>");
      return;
    }
    if (typeof v === "bigint") {
      this.write(v.toString());
      return;
    }
    if (isFuncValue(v)) this.errorf(`can't print ${nodeString(n)} of type ${v.goType}`);
    if (v instanceof GoStruct && v.pointer) v = derefStruct(v);
    if (v instanceof GoComplex) {
      this.write(formatComplex(v));
      return;
    }
    this.write(sprint([v]));
  }
}

function complexOf(typ: string, n: NumberNode): GoComplex {
  const [re, im] = n.complex128 ?? [n.float64, 0];
  return typ === "complex64"
    ? new GoComplex(typ, Math.fround(re), Math.fround(im))
    : new GoComplex(typ, re, im);
}

/** fmt's %v of a complex number: (real+imag i), each part as %g. */
export function formatComplex(c: GoComplex): string {
  return `(${sprintf("%g", [c.real])}${sprintf("%+g", [c.imag])}i)`;
}

function truncInt(typ: string, n: bigint): GoValue {
  const m = /(\d+)$/.exec(typ);
  const bits = m !== null ? Number(m[1]) : 64;
  return new GoNumber(typ, kindOf(typ) === "uint" ? BigInt.asUintN(bits, n) : BigInt.asIntN(bits, n));
}

/** The struct a pointer points to (Go's Elem()), sharing fields and methods. */
function derefStruct(v: GoStruct): GoStruct {
  return Object.create(v, { pointer: { value: false } }) as GoStruct;
}

function hasFloatSyntax(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // . e E p P
    if (c === 46 || c === 101 || c === 69 || c === 112 || c === 80) return true;
  }
  return false;
}

function isRuneInt(s: string): boolean {
  return s.length > 0 && s[0] === "'";
}

function isHexInt(s: string): boolean {
  return (
    s.length > 2 && s[0] === "0" && (s[1] === "x" || s[1] === "X") && !s.includes("p") && !s.includes("P")
  );
}

function errorText(e: unknown): string {
  if (e instanceof GoError || e instanceof Error) return e.message;
  return String(e);
}

/**
 * Executes `tmpl` with `data` as dot and returns the output, as Go's
 * Template.Execute; throws TemplateError with Go's message on failure.
 */
export function execute(tmpl: TemplateEntry, ctx: ExecContext, data: GoValue): string {
  const dot = data === null ? undefined : data;
  const s = new State(tmpl, ctx, dot);
  try {
    const tree = tmpl.tree;
    if (tree === null) s.errorf(`${goQuote(tmpl.name)} is an incomplete or empty template`);
    else s.walk(dot, tree.root);
  } catch (e) {
    if (e instanceof ExecAbort) throw new TemplateError(e.message);
    if (isStackOverflow(e) && s.frames.length > 0)
      throw new StackExhaustedError(depthError(s.frames, s.firstAt));
    throw e;
  }
  return s.output();
}

/**
 * JS runs out of stack long before Go's 100000 nested templates. A recursion
 * that deep repeats itself, so find the cycle of invocations at the top of
 * the chain and extend it to depth 100000 to name the template and node
 * where Go stops.
 */
function depthError(frames: readonly Frame[], firstAt: readonly (Frame | undefined)[]): string {
  const n = frames.length;
  let period = 0;
  for (let p = 1; p <= Math.min(64, n >> 2); p++) {
    let ok = true;
    for (let k = 0; k < 3 * p && ok; k++) ok = frames[n - 1 - k]!.node === frames[n - 1 - k - p]!.node;
    if (ok) {
      period = p;
      break;
    }
  }
  // Go stops at the first template node walked at depth MAX_EXEC_DEPTH;
  // firstAt[d] is that node for depth d, and repeats with the chain.
  let d = n - 1;
  if (period > 0) d -= (period - ((MAX_EXEC_DEPTH - (n - 1)) % period)) % period;
  const at: Frame = firstAt[d] ?? frames[d]!;
  const tree = at.tmpl.tree!;
  const { location, context } = errorContext(tree, at.node);
  return `template: ${location}: executing ${goQuote(at.tmpl.name)} at <${context}>: exceeded maximum template depth (${MAX_EXEC_DEPTH})`;
}
