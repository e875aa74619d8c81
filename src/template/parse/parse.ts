// Go 1.19 text/template/parse parser: recursive descent over the lexer's
// items, producing the node types of node.ts. Error messages are Go's.

import { TemplateError } from "../errors.js";
import { Lexer, ItemType, type Item } from "./lex.js";
import type {
  ActionNode,
  ChainNode,
  CommandNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  Pos,
  TemplateNode,
  Tree,
  VariableNode,
} from "./node.js";
import { quote as goQuote } from "../../go/fmt-quote.js";
import { nodeString } from "./node-string.js";
import { SyntaxErr, unquote } from "../../go/strconv.js";
import { newNumber } from "./parse-literals.js";

export interface ParseOptions {
  /** Names of all functions in scope (text/template builtins + the caller's FuncMap); an unknown name is a parse error as in Go. */
  funcs: ReadonlySet<string>;
  leftDelim?: string;
  rightDelim?: string;
}

/** Go's text/template/parse item.String(). */
function itemString(it: Item): string {
  if (it.typ === ItemType.EOF) return "EOF";
  if (it.typ === ItemType.Error) return it.val;
  if (it.typ > ItemType.Keyword) return `<${it.val}>`;
  // fmt's "%.10q...": the length test is in bytes, the precision in runes.
  if (it.val.length > 10 || (it.val.length > 3 && Buffer.byteLength(it.val) > 10)) {
    if (Buffer.byteLength(it.val) > 10) return goQuote(Array.from(it.val).slice(0, 10).join("")) + "...";
  }
  return goQuote(it.val);
}

/** else/end markers: returned by itemList, never stored in a tree. */
interface EndOrElse {
  type: "end" | "else";
  pos: Pos;
  line: number;
}
type ListItem = Node | EndOrElse;

function isMarker(n: ListItem): n is EndOrElse {
  return n.type === "end" || n.type === "else";
}

function markerString(n: EndOrElse): string {
  return n.type === "end" ? "{{end}}" : "{{else}}";
}

/** bytes.TrimSpace(text) == "" using unicode.IsSpace. */
function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13) || c === 0x85 || c === 0xa0) continue;
    if (c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029) continue;
    if (c === 0x202f || c === 0x205f || c === 0x3000) continue;
    return false;
  }
  return true;
}

/** Go's parse.IsEmptyTree. */
function isEmptyTree(n: Node): boolean {
  switch (n.type) {
    case "comment":
      return true;
    case "list":
      return n.nodes.every(isEmptyTree);
    case "text":
      return isBlank(n.text);
    default:
      return false;
  }
}

interface Shared {
  lex: Lexer;
  treeSet: Map<string, Tree>;
  funcs: ReadonlySet<string>;
  text: string;
  parseName: string;
}

/** One tree being parsed (Go's parse.Tree during parsing); define/block get their own. */
class TreeParser {
  name: string;
  root: ListNode | null = null;
  private readonly sh: Shared;
  private readonly token: [Item, Item, Item];
  private peekCount = 0;
  private vars: string[] = ["$"];
  private actionLine = 0;
  private rangeDepth = 0;

  constructor(name: string, sh: Shared) {
    this.name = name;
    this.sh = sh;
    const zero: Item = { typ: ItemType.Error, pos: 0, val: "", line: 0 };
    this.token = [zero, zero, zero];
  }

  // -- token stream --

  private next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.sh.lex.nextItem();
    return this.token[this.peekCount];
  }

  private backup(): void {
    this.peekCount++;
  }

  private backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }

  private backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }

  private peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1];
    this.peekCount = 1;
    this.token[0] = this.sh.lex.nextItem();
    return this.token[0];
  }

  private nextNonSpace(): Item {
    let token: Item;
    do token = this.next();
    while (token.typ === ItemType.Space);
    return token;
  }

  private peekNonSpace(): Item {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  // -- errors --

  errorf(msg: string): never {
    throw new TemplateError(`template: ${this.sh.parseName}:${this.token[0].line}: ${msg}`);
  }

  private expect(expected: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== expected) this.unexpected(token, context);
    return token;
  }

  private expectOneOf(e1: ItemType, e2: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== e1 && token.typ !== e2) this.unexpected(token, context);
    return token;
  }

  private unexpected(token: Item, context: string): never {
    if (token.typ === ItemType.Error) {
      let extra = "";
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.sh.parseName}:${this.actionLine}`;
        if (token.val.endsWith(" action")) extra = extra.slice(" in action".length);
      }
      this.errorf(`${itemString(token)}${extra}`);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  /** strconv-like helpers fail with SyntaxErr; Go reports it at the current line. */
  private rethrow(e: unknown): never {
    if (e instanceof SyntaxErr) this.errorf(e.message);
    throw e;
  }

  private newNumber(token: Item): NumberNode {
    try {
      return newNumber(token.pos, token.val, token.typ);
    } catch (e) {
      this.rethrow(e);
    }
  }

  private unquote(s: string): string {
    try {
      return unquote(s);
    } catch (e) {
      this.rethrow(e);
    }
  }

  // -- trees --

  private newList(pos: Pos): ListNode {
    return { type: "list", pos, nodes: [] };
  }

  add(): void {
    const set = this.sh.treeSet;
    const existing = set.get(this.name);
    const root = this.root!;
    if (existing === undefined || isEmptyTree(existing.root)) {
      set.set(this.name, { name: this.name, parseName: this.sh.parseName, root, text: this.sh.text });
      return;
    }
    if (!isEmptyTree(root)) this.errorf(`template: multiple definition of template ${goQuote(this.name)}`);
  }

  /** Top level: itemList plus {{define}}, up to EOF. */
  parse(): void {
    this.root = this.newList(this.peek().pos);
    while (this.peek().typ !== ItemType.EOF) {
      if (this.peek().typ === ItemType.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === ItemType.Define) {
          const newT = new TreeParser("definition", this.sh);
          newT.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (isMarker(n)) this.errorf(`unexpected ${markerString(n)}`);
      this.root.nodes.push(n);
    }
  }

  private parseDefinition(): void {
    const context = "define clause";
    const name = this.expectOneOf(ItemType.String, ItemType.RawString, context);
    this.name = this.unquote(name.val);
    this.expect(ItemType.RightDelim, context);
    const [list, end] = this.itemList();
    this.root = list;
    if (end.type !== "end") this.errorf(`unexpected ${markerString(end as EndOrElse)} in ${context}`);
    this.add();
  }

  private itemList(): [ListNode, ListItem] {
    const list = this.newList(this.peekNonSpace().pos);
    while (this.peekNonSpace().typ !== ItemType.EOF) {
      const n = this.textOrAction();
      if (isMarker(n)) return [list, n];
      list.nodes.push(n);
    }
    this.errorf("unexpected EOF");
  }

  private textOrAction(): ListItem {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Text:
        return { type: "text", pos: token.pos, text: token.val };
      case ItemType.LeftDelim: {
        this.actionLine = token.line;
        const n = this.action();
        this.actionLine = 0;
        return n;
      }
      case ItemType.Comment:
        return { type: "comment", pos: token.pos, text: token.val };
      default:
        this.unexpected(token, "input");
    }
  }

  private action(): ListItem {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Block:
        return this.blockControl();
      case ItemType.Break:
        return this.breakControl(token.pos, token.line, "break");
      case ItemType.Continue:
        return this.breakControl(token.pos, token.line, "continue");
      case ItemType.Else:
        return this.elseControl();
      case ItemType.End:
        return this.endControl();
      case ItemType.If:
        return this.control("if");
      case ItemType.Range:
        return this.control("range");
      case ItemType.Template:
        return this.templateControl();
      case ItemType.With:
        return this.control("with");
    }
    this.backup();
    const first = this.peek();
    const node: ActionNode = {
      type: "action",
      pos: first.pos,
      line: first.line,
      pipe: this.pipeline("command", ItemType.RightDelim),
    };
    return node;
  }

  private breakControl(pos: Pos, line: number, kind: "break" | "continue"): Node {
    const token = this.nextNonSpace();
    if (token.typ !== ItemType.RightDelim) this.unexpected(token, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos, line };
  }

  private newVariable(pos: Pos, ident: string): VariableNode {
    return { type: "variable", pos, ident: ident.split(".") };
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = {
      type: "pipe",
      pos: first.pos,
      line: first.line,
      isAssign: false,
      decl: [],
      cmds: [],
    };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== ItemType.Variable) break;
      this.next();
      // "$x foo" vs "$x := foo": remember the token adjacent to the variable to push it back.
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.typ === ItemType.Assign || next.typ === ItemType.Declare) {
        pipe.isAssign = next.typ === ItemType.Assign;
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
      } else if (next.typ === ItemType.Char && next.val === ",") {
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === "range" && pipe.decl.length < 2) {
          const t = this.peekNonSpace().typ;
          if (t === ItemType.Variable || t === ItemType.RightDelim || t === ItemType.RightParen) {
            continue decls;
          }
          this.errorf("range can only initialize variables");
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (tokenAfterVariable.typ === ItemType.Space) {
        this.backup3(v, tokenAfterVariable);
      } else {
        this.backup2(v);
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      if (token.typ === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (token.typ) {
        case ItemType.Bool:
        case ItemType.CharConstant:
        case ItemType.Complex:
        case ItemType.Dot:
        case ItemType.Field:
        case ItemType.Identifier:
        case ItemType.Number:
        case ItemType.Nil:
        case ItemType.RawString:
        case ItemType.String:
        case ItemType.Variable:
        case ItemType.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    for (let i = 1; i < pipe.cmds.length; i++) {
      switch (pipe.cmds[i]!.args[0]!.type) {
        case "bool":
        case "dot":
        case "nil":
        case "number":
        case "string":
          this.errorf(`non executable command in pipeline stage ${i + 1}`);
      }
    }
  }

  private control(context: "if" | "range" | "with"): Node {
    const nvars = this.vars.length;
    const pipe = this.pipeline(context, ItemType.RightDelim);
    if (context === "range") this.rangeDepth++;
    const [list, next0] = this.itemList();
    let next = next0;
    if (context === "range") this.rangeDepth--;
    let elseList: ListNode | null = null;
    if (next.type === "else") {
      // "{{else if b}}" is parsed as "{{else}}{{if b}}...{{end}}" sharing one {{end}}.
      if (context === "if" && this.peek().typ === ItemType.If) {
        this.next();
        elseList = this.newList(next.pos);
        elseList.nodes.push(this.control("if"));
      } else {
        [elseList, next] = this.itemList();
        if (next.type !== "end") this.errorf(`expected end; found ${listItemString(next)}`);
      }
    }
    this.vars.length = nvars;
    return { type: context, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
  }

  private endControl(): EndOrElse {
    const t = this.expect(ItemType.RightDelim, "end");
    return { type: "end", pos: t.pos, line: t.line };
  }

  private elseControl(): EndOrElse {
    const peek = this.peekNonSpace();
    if (peek.typ === ItemType.If) return { type: "else", pos: peek.pos, line: peek.line };
    const token = this.expect(ItemType.RightDelim, "else");
    return { type: "else", pos: token.pos, line: token.line };
  }

  private blockControl(): Node {
    const context = "block clause";
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, ItemType.RightDelim);
    const block = new TreeParser(name, this.sh);
    const [list, end] = block.itemList();
    block.root = list;
    if (end.type !== "end") this.errorf(`unexpected ${markerString(end as EndOrElse)} in ${context}`);
    block.add();
    const node: TemplateNode = { type: "template", pos: token.pos, line: token.line, name, pipe };
    return node;
  }

  private templateControl(): Node {
    const context = "template clause";
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== ItemType.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, ItemType.RightDelim);
    }
    const node: TemplateNode = { type: "template", pos: token.pos, line: token.line, name, pipe };
    return node;
  }

  private parseTemplateName(token: Item, context: string): string {
    if (token.typ === ItemType.String || token.typ === ItemType.RawString) {
      return this.unquote(token.val);
    }
    this.unexpected(token, context);
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: "command", pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const token = this.next();
      if (token.typ === ItemType.Space) continue;
      if (token.typ === ItemType.RightDelim || token.typ === ItemType.RightParen) this.backup();
      else if (token.typ !== ItemType.Pipe) this.unexpected(token, "operand");
      break;
    }
    if (cmd.args.length === 0) this.errorf("empty command");
    return cmd;
  }

  private operand(): Node | null {
    const node = this.term();
    if (node === null) return null;
    if (this.peek().typ !== ItemType.Field) return node;
    const pos = this.peek().pos;
    if (node.type === "field" || node.type === "variable") {
      // Go builds a chain and re-parses its String(); appending to the fresh ident array is the same.
      while (this.peek().typ === ItemType.Field) node.ident.push(this.next().val.slice(1));
      node.pos = pos;
      return node;
    }
    const chain: ChainNode = { type: "chain", pos, node, field: [] };
    while (this.peek().typ === ItemType.Field) chain.field.push(this.next().val.slice(1));
    switch (node.type) {
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
    }
    return chain;
  }

  private term(): Node | null {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Identifier:
        if (!this.sh.funcs.has(token.val)) this.errorf(`function ${goQuote(token.val)} not defined`);
        return { type: "identifier", pos: token.pos, ident: token.val };
      case ItemType.Dot:
        return { type: "dot", pos: token.pos };
      case ItemType.Nil:
        return { type: "nil", pos: token.pos };
      case ItemType.Variable:
        return this.useVar(token.pos, token.val);
      case ItemType.Field:
        return { type: "field", pos: token.pos, ident: token.val.slice(1).split(".") };
      case ItemType.Bool:
        return { type: "bool", pos: token.pos, value: token.val === "true" };
      case ItemType.CharConstant:
      case ItemType.Complex:
      case ItemType.Number:
        return this.newNumber(token);
      case ItemType.LeftParen:
        return this.pipeline("parenthesized pipeline", ItemType.RightParen);
      case ItemType.String:
      case ItemType.RawString: {
        const text = this.unquote(token.val);
        return { type: "string", pos: token.pos, quoted: token.val, text };
      }
    }
    this.backup();
    return null;
  }

  private useVar(pos: Pos, name: string): Node {
    const v = this.newVariable(pos, name);
    if (!this.vars.includes(v.ident[0]!)) this.errorf(`undefined variable ${goQuote(v.ident[0]!)}`);
    return v;
  }
}

function listItemString(n: ListItem): string {
  return n.type === "end" || n.type === "else" ? markerString(n as EndOrElse) : nodeString(n as Node);
}

/** Go's template.New(name).Funcs(..).Parse(text): every tree by name (the top-level one under `name`, plus each define/block), with Go's rules for empty trees and redefinition. Throws TemplateError whose message is byte-for-byte Go's. */
export function parse(name: string, text: string, opts: ParseOptions): Map<string, Tree> {
  const treeSet = new Map<string, Tree>();
  const sh: Shared = {
    lex: new Lexer(text, opts.leftDelim ?? "", opts.rightDelim ?? "", false),
    treeSet,
    funcs: opts.funcs,
    text,
    parseName: name,
  };
  const t = new TreeParser(name, sh);
  t.parse();
  t.add();
  return treeSet;
}

/** Go's Tree.ErrorContext(node): "name:line:col" (col as Go computes it, in bytes) and the node's String(). */
export function errorContext(tree: Tree, node: Node): { location: string; context: string } {
  const bytes = Buffer.from(tree.text, "utf8");
  const pos = Math.min(node.pos, bytes.length);
  const before = bytes.subarray(0, pos);
  const lastNL = before.lastIndexOf(10);
  const col = lastNL === -1 ? pos : pos - (lastNL + 1);
  let lines = 1;
  for (let i = before.indexOf(10); i >= 0; i = before.indexOf(10, i + 1)) lines++;
  return { location: `${tree.parseName}:${lines}:${col}`, context: nodeString(node) };
}
