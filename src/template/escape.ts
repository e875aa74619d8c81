// text/template's html, js and urlquery builtins (HTMLEscaper, JSEscaper, URLQueryEscaper).
import { sprint } from "../go/fmt.js";
import { isPrint } from "../go/fmt-isprint.js";
import { utf8Bytes } from "../go/fmt-quote.js";
import { GoStruct, type GoFuncValue, type GoValue } from "../go/value.js";

/** A struct pointer as text/template's printableValue sees it: indirected. */
class Indirect extends GoStruct {
  readonly goType: string;
  readonly fieldNames: readonly string[];
  constructor(private readonly target: GoStruct) {
    super();
    this.goType = target.goType;
    this.fieldNames = target.fieldNames;
  }
  override field(name: string): GoValue {
    return this.target.field(name);
  }
  override method(name: string): GoFuncValue | undefined {
    return this.target.method(name);
  }
}

/**
 * text/template's printableValue for an operand: pointers to structs are indirected and
 * nil (or no value) becomes the string "<no value>".
 */
export function printableValue(a: GoValue): GoValue {
  if (a === null || a === undefined) return "<no value>";
  if (a instanceof GoStruct && a.pointer) return new Indirect(a);
  return a;
}

/**
 * text/template's evalArgs: a single string is used as is; otherwise each argument is
 * indirected (pointers), nil becomes "<no value>", and the list goes through fmt.Sprint.
 */
export function evalArgs(args: readonly GoValue[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return sprint(args.map(printableValue));
}

const HTML_SPECIAL = /['"&<>\0]/;
const HTML_SPECIAL_ALL = /['"&<>\0]/g;
const HTML_REPLACEMENTS: Record<string, string> = {
  "\0": "\uFFFD",
  '"': "&#34;",
  "'": "&#39;",
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
};

/** template.HTMLEscapeString. */
export function htmlEscapeString(s: string): string {
  if (!HTML_SPECIAL.test(s)) return s;
  return s.replace(HTML_SPECIAL_ALL, (c) => HTML_REPLACEMENTS[c]!);
}

const JS_HEX = "0123456789ABCDEF";

function jsIsSpecial(c: number): boolean {
  switch (c) {
    case 0x5c:
    case 0x27:
    case 0x22:
    case 0x3c:
    case 0x3e:
    case 0x26:
    case 0x3d:
      return true;
  }
  return c < 0x20 || c >= 0x80;
}

/** template.JSEscapeString. */
export function jsEscapeString(s: string): string {
  let i = 0;
  while (i < s.length && !jsIsSpecial(s.charCodeAt(i))) i++;
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!jsIsSpecial(c)) {
      out += s[i];
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case 0x5c:
          out += "\\\\";
          break;
        case 0x27:
          out += "\\'";
          break;
        case 0x22:
          out += '\\"';
          break;
        case 0x3c:
          out += "\\u003C";
          break;
        case 0x3e:
          out += "\\u003E";
          break;
        case 0x26:
          out += "\\u0026";
          break;
        case 0x3d:
          out += "\\u003D";
          break;
        default:
          out += "\\u00" + JS_HEX[c >> 4] + JS_HEX[c & 15];
      }
      continue;
    }
    let r = s.codePointAt(i)!;
    const size = r > 0xffff ? 2 : 1;
    if (r >= 0xd800 && r <= 0xdfff) r = 0xfffd;
    if (isPrint(r)) out += s.slice(i, i + size);
    else out += "\\u" + r.toString(16).toUpperCase().padStart(4, "0");
    i += size - 1;
  }
  return out;
}

/** url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = "";
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    if (!isUnreserved(s.charCodeAt(i))) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  for (const b of utf8Bytes(s)) {
    if (isUnreserved(b)) out += String.fromCharCode(b);
    else if (b === 0x20) out += "+";
    else out += "%" + JS_HEX[b >> 4] + JS_HEX[b & 15];
  }
  return out;
}

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x5f ||
    c === 0x2e ||
    c === 0x7e
  );
}

/** text/template's HTMLEscaper (the `html` builtin). */
export function htmlEscaper(args: readonly GoValue[]): string {
  return htmlEscapeString(evalArgs(args));
}

/** text/template's JSEscaper (the `js` builtin). */
export function jsEscaper(args: readonly GoValue[]): string {
  return jsEscapeString(evalArgs(args));
}

/** text/template's URLQueryEscaper (the `urlquery` builtin). */
export function urlQueryEscaper(args: readonly GoValue[]): string {
  return queryEscape(evalArgs(args));
}
