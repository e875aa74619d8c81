// Go's textual forms for the parse tree: Node.String() from
// text/template/parse/node.go, plus the %#U helper that parse errors need.

import { isPrint } from "../../go/fmt-isprint.js";
import { quote as goQuote } from "../../go/fmt-quote.js";
import type { Node, PipeNode } from "./node.js";

/** fmt's %#U: "U+0041 'A'" (the quoted form only for printable runes). */
export function formatRuneU(r: number): string {
  const u = "U+" + r.toString(16).toUpperCase().padStart(4, "0");
  return isPrint(r) ? `${u} '${String.fromCodePoint(r)}'` : u;
}

/** Go's Node.String(). */
export function nodeString(node: Node): string {
  const out: string[] = [];
  write(node, out);
  return out.join("");
}

function writePipe(p: PipeNode, out: string[]): void {
  if (p.decl.length > 0) {
    for (let i = 0; i < p.decl.length; i++) {
      if (i > 0) out.push(", ");
      write(p.decl[i]!, out);
    }
    // Go 1.19 prints ":=" for assignments too.
    out.push(" := ");
  }
  for (let i = 0; i < p.cmds.length; i++) {
    if (i > 0) out.push(" | ");
    write(p.cmds[i]!, out);
  }
}

function write(node: Node, out: string[]): void {
  switch (node.type) {
    case "list":
      for (const n of node.nodes) write(n, out);
      return;
    case "text":
      out.push(node.text);
      return;
    case "comment":
      out.push("{{", node.text, "}}");
      return;
    case "action":
      out.push("{{");
      writePipe(node.pipe, out);
      out.push("}}");
      return;
    case "pipe":
      writePipe(node, out);
      return;
    case "command":
      for (let i = 0; i < node.args.length; i++) {
        if (i > 0) out.push(" ");
        const arg = node.args[i]!;
        if (arg.type === "pipe") {
          out.push("(");
          writePipe(arg, out);
          out.push(")");
        } else {
          write(arg, out);
        }
      }
      return;
    case "identifier":
      out.push(node.ident);
      return;
    case "variable":
      out.push(node.ident.join("."));
      return;
    case "dot":
      out.push(".");
      return;
    case "nil":
      out.push("nil");
      return;
    case "field":
      for (const id of node.ident) out.push(".", id);
      return;
    case "chain":
      if (node.node.type === "pipe") {
        out.push("(");
        writePipe(node.node, out);
        out.push(")");
      } else {
        write(node.node, out);
      }
      for (const f of node.field) out.push(".", f);
      return;
    case "bool":
      out.push(node.value ? "true" : "false");
      return;
    case "number":
      out.push(node.text);
      return;
    case "string":
      out.push(node.quoted);
      return;
    case "if":
    case "range":
    case "with":
      out.push("{{", node.type, " ");
      writePipe(node.pipe, out);
      out.push("}}");
      write(node.list, out);
      if (node.elseList !== null) {
        out.push("{{else}}");
        write(node.elseList, out);
      }
      out.push("{{end}}");
      return;
    case "template":
      out.push("{{template ", goQuote(node.name));
      if (node.pipe !== null) {
        out.push(" ");
        writePipe(node.pipe, out);
      }
      out.push("}}");
      return;
    case "break":
      out.push("{{break}}");
      return;
    case "continue":
      out.push("{{continue}}");
      return;
  }
}
