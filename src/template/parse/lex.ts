// Go 1.19 text/template/parse lexer: small state functions that emit items.
// Go runs it in a goroutine behind a channel; here the parser pulls items
// synchronously and the lexer runs states until one is queued.
// Scanning works on UTF-16 indices; item positions are UTF-8 byte offsets.

import { isGoDigit, isGoLetter } from "../../go/unicode.js";
import { quote as goQuote } from "../../go/fmt-quote.js";
import { formatRuneU } from "./node-string.js";

export const enum ItemType {
  Error = 0,
  Bool,
  Char,
  CharConstant,
  Comment,
  Complex,
  Assign,
  Declare,
  EOF,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  Keyword, // delimits the keywords below
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
}

export interface Item {
  typ: ItemType;
  /** UTF-8 byte offset of the item in the input. */
  pos: number;
  val: string;
  line: number;
}

const KEYWORDS: ReadonlyMap<string, ItemType> = new Map([
  [".", ItemType.Dot],
  ["block", ItemType.Block],
  ["break", ItemType.Break],
  ["continue", ItemType.Continue],
  ["define", ItemType.Define],
  ["else", ItemType.Else],
  ["end", ItemType.End],
  ["if", ItemType.If],
  ["range", ItemType.Range],
  ["nil", ItemType.Nil],
  ["template", ItemType.Template],
  ["with", ItemType.With],
]);

const EOF = -1;
const LEFT_COMMENT = "/*";
const RIGHT_COMMENT = "*/";
const TRIM_MARKER_LEN = 2; // "-" plus the space before or after it
const AT_DELIM = 1;
const AT_TRIM_DELIM = 2;

type StateFn = (l: Lexer) => StateFn | null;

function isSpace(r: number): boolean {
  return r === 32 || r === 9 || r === 13 || r === 10;
}

/** Go's isAlphaNumeric: '_', unicode.IsLetter or unicode.IsDigit. */
export function isAlphaNumeric(r: number): boolean {
  if (r < 0x80) {
    return r === 95 || (r >= 48 && r <= 57) || (r >= 65 && r <= 90) || (r >= 97 && r <= 122);
  }
  return isGoLetter(r) || isGoDigit(r);
}

function isSpaceAt(s: string, i: number): boolean {
  return i < s.length && isSpace(s.charCodeAt(i));
}

function hasLeftTrimMarker(s: string, i: number): boolean {
  return i + 1 < s.length && s.charCodeAt(i) === 45 && isSpace(s.charCodeAt(i + 1));
}

function hasRightTrimMarker(s: string, i: number): boolean {
  return i + 1 < s.length && isSpace(s.charCodeAt(i)) && s.charCodeAt(i + 1) === 45;
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

export class Lexer {
  readonly input: string;
  private readonly leftDelim: string;
  private readonly rightDelim: string;
  private readonly emitComment: boolean;
  private pos = 0;
  private start = 0;
  private atEOF = false;
  private parenDepth = 0;
  private line = 1;
  private startLine = 1;
  private state: StateFn | null = lexText;
  // Items emitted by the last state function (at most two); slots are reused.
  private readonly queue: Item[] = [];
  private queueLen = 0;
  private queueHead = 0;
  // UTF-16 index -> UTF-8 byte offset, advanced incrementally (item starts only grow).
  private readonly ascii: boolean;
  private mapIdx = 0;
  private mapByte = 0;

  constructor(input: string, leftDelim: string, rightDelim: string, emitComment: boolean) {
    this.input = input;
    this.leftDelim = leftDelim === "" ? "{{" : leftDelim;
    this.rightDelim = rightDelim === "" ? "}}" : rightDelim;
    this.emitComment = emitComment;
    this.ascii = !/[^\x00-\x7f]/.test(input);
  }

  /** The next item; after the end (or an error) Go's closed channel yields zero items. */
  nextItem(): Item {
    while (this.queueHead === this.queueLen) {
      if (this.state === null) return { typ: ItemType.Error, pos: 0, val: "", line: 0 };
      this.queueLen = 0;
      this.queueHead = 0;
      this.state = this.state(this);
    }
    return this.queue[this.queueHead++]!;
  }

  private bytePos(idx: number): number {
    if (this.ascii) return idx;
    const s = this.input;
    let i = this.mapIdx;
    let b = this.mapByte;
    while (i < idx) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        b += 1;
        i += 1;
      } else if (c < 0x800) {
        b += 2;
        i += 1;
      } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          b += 4;
          i += 2;
        } else {
          b += 3;
          i += 1;
        }
      } else if (c >= 0xdc80 && c <= 0xdcff) {
        // an escaped byte of invalid UTF-8 (gostring.ts)
        b += 1;
        i += 1;
      } else {
        b += 3;
        i += 1;
      }
    }
    this.mapIdx = i;
    this.mapByte = b;
    return b;
  }

  next(): number {
    const s = this.input;
    if (this.pos >= s.length) {
      this.atEOF = true;
      return EOF;
    }
    const c = s.charCodeAt(this.pos);
    if (c >= 0xd800 && c <= 0xdbff && this.pos + 1 < s.length) {
      const d = s.charCodeAt(this.pos + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        this.pos += 2;
        return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
      }
    }
    this.pos++;
    if (c === 10) this.line++;
    // A lone surrogate is an escaped byte of invalid UTF-8 (gostring.ts): Go reads U+FFFD.
    if (c >= 0xd800 && c <= 0xdfff) return 0xfffd;
    return c;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    if (!this.atEOF && this.pos > 0) {
      const s = this.input;
      const c = s.charCodeAt(this.pos - 1);
      if (c >= 0xdc00 && c <= 0xdfff && this.pos > 1) {
        const h = s.charCodeAt(this.pos - 2);
        if (h >= 0xd800 && h <= 0xdbff) {
          this.pos -= 2;
          return;
        }
      }
      this.pos--;
      if (c === 10) this.line--;
    }
  }

  emit(t: ItemType): void {
    this.emitVal(t, this.input.slice(this.start, this.pos));
  }

  /** emit when the item's text is already known (delimiters), sparing a copy. */
  emitVal(t: ItemType, val: string): void {
    this.queue[this.queueLen++] = { typ: t, pos: this.bytePos(this.start), val, line: this.startLine };
    this.start = this.pos;
    this.startLine = this.line;
  }

  ignore(): void {
    this.line += countNewlines(this.input, this.start, this.pos);
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const r = this.next();
    if (r >= 0 && r < 0x80 && valid.includes(String.fromCharCode(r))) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (!(r >= 0 && r < 0x80 && valid.includes(String.fromCharCode(r)))) break;
    }
    this.backup();
  }

  errorf(msg: string): null {
    this.queue[this.queueLen++] = {
      typ: ItemType.Error,
      pos: this.bytePos(this.start),
      val: msg,
      line: this.startLine,
    };
    return null;
  }

  // State functions reach into the lexer; keeping them as plain functions
  // mirrors Go's stateFn and avoids per-item closures.
  static text(l: Lexer): StateFn | null {
    const s = l.input;
    const x = s.indexOf(l.leftDelim, l.pos);
    if (x >= 0) {
      const ldn = l.leftDelim.length;
      l.pos = x;
      let trimLength = 0;
      if (hasLeftTrimMarker(s, l.pos + ldn)) {
        let i = l.pos;
        while (i > l.start && isSpace(s.charCodeAt(i - 1))) i--;
        trimLength = l.pos - i;
      }
      l.pos -= trimLength;
      if (l.pos > l.start) {
        l.line += countNewlines(s, l.start, l.pos);
        l.emit(ItemType.Text);
      }
      l.pos += trimLength;
      l.ignore();
      return lexLeftDelim;
    }
    l.pos = s.length;
    if (l.pos > l.start) {
      l.line += countNewlines(s, l.start, l.pos);
      l.emit(ItemType.Text);
    }
    l.emit(ItemType.EOF);
    return null;
  }

  /** At a right delimiter: 0 no, AT_DELIM plain, AT_TRIM_DELIM preceded by a trim marker. */
  atRightDelim(): number {
    const s = this.input;
    if (hasRightTrimMarker(s, this.pos) && s.startsWith(this.rightDelim, this.pos + TRIM_MARKER_LEN)) {
      return AT_TRIM_DELIM;
    }
    if (s.startsWith(this.rightDelim, this.pos)) return AT_DELIM;
    return 0;
  }

  skipLeftSpaces(): void {
    const s = this.input;
    while (isSpaceAt(s, this.pos)) this.pos++;
  }

  static leftDelim(l: Lexer): StateFn | null {
    const s = l.input;
    l.pos += l.leftDelim.length;
    const trimSpace = hasLeftTrimMarker(s, l.pos);
    const afterMarker = trimSpace ? TRIM_MARKER_LEN : 0;
    if (s.startsWith(LEFT_COMMENT, l.pos + afterMarker)) {
      l.pos += afterMarker;
      l.ignore();
      return lexComment;
    }
    l.emitVal(ItemType.LeftDelim, l.leftDelim);
    l.pos += afterMarker;
    l.ignore();
    l.parenDepth = 0;
    return lexInsideAction;
  }

  static comment(l: Lexer): StateFn | null {
    l.pos += LEFT_COMMENT.length;
    const i = l.input.indexOf(RIGHT_COMMENT, l.pos);
    if (i < 0) return l.errorf("unclosed comment");
    l.pos = i + RIGHT_COMMENT.length;
    const at = l.atRightDelim();
    if (at === 0) return l.errorf("comment ends before closing delimiter");
    const trimSpace = at === AT_TRIM_DELIM;
    if (l.emitComment) l.emit(ItemType.Comment);
    if (trimSpace) l.pos += TRIM_MARKER_LEN;
    l.pos += l.rightDelim.length;
    if (trimSpace) l.skipLeftSpaces();
    l.ignore();
    return lexText;
  }

  static rightDelim(l: Lexer): StateFn | null {
    const trimSpace = hasRightTrimMarker(l.input, l.pos);
    if (trimSpace) {
      l.pos += TRIM_MARKER_LEN;
      l.ignore();
    }
    l.pos += l.rightDelim.length;
    l.emitVal(ItemType.RightDelim, l.rightDelim);
    if (trimSpace) {
      l.skipLeftSpaces();
      l.ignore();
    }
    return lexText;
  }

  static insideAction(l: Lexer): StateFn | null {
    if (l.atRightDelim() !== 0) {
      if (l.parenDepth === 0) return lexRightDelim;
      return l.errorf("unclosed left paren");
    }
    const r = l.next();
    if (r === EOF) return l.errorf("unclosed action");
    if (isSpace(r)) {
      l.backup(); // put the space back in case we have " -}}"
      return lexSpace;
    }
    switch (r) {
      case 61: // '='
        l.emit(ItemType.Assign);
        return lexInsideAction;
      case 58: // ':'
        if (l.next() !== 61) return l.errorf("expected :=");
        l.emit(ItemType.Declare);
        return lexInsideAction;
      case 124: // '|'
        l.emit(ItemType.Pipe);
        return lexInsideAction;
      case 34: // '"'
        return lexQuote;
      case 96: // '`'
        return lexRawQuote;
      case 36: // '$'
        return lexVariable;
      case 39: // '\''
        return lexChar;
      case 46: // '.'
        if (l.pos < l.input.length) {
          const c = l.input.charCodeAt(l.pos);
          if (c < 48 || c > 57) return lexField;
        }
        l.backup();
        return lexNumber;
      case 40: // '('
        l.emit(ItemType.LeftParen);
        l.parenDepth++;
        return lexInsideAction;
      case 41: // ')'
        l.emit(ItemType.RightParen);
        l.parenDepth--;
        if (l.parenDepth < 0) return l.errorf(`unexpected right paren ${formatRuneU(r)}`);
        return lexInsideAction;
    }
    if (r === 43 || r === 45 || (r >= 48 && r <= 57)) {
      l.backup();
      return lexNumber;
    }
    if (isAlphaNumeric(r)) {
      l.backup();
      return lexIdentifier;
    }
    if (r > 32 && r < 127) {
      l.emit(ItemType.Char);
      return lexInsideAction;
    }
    return l.errorf(`unrecognized character in action: ${formatRuneU(r)}`);
  }

  static space(l: Lexer): StateFn | null {
    let numSpaces = 0;
    while (isSpace(l.peek())) {
      l.next();
      numSpaces++;
    }
    // A trim-marked right delimiter starts with a space: leave it for lexRightDelim.
    if (
      hasRightTrimMarker(l.input, l.pos - 1) &&
      l.input.startsWith(l.rightDelim, l.pos - 1 + TRIM_MARKER_LEN)
    ) {
      l.backup();
      if (numSpaces === 1) return lexRightDelim;
    }
    l.emit(ItemType.Space);
    return lexInsideAction;
  }

  static identifier(l: Lexer): StateFn | null {
    for (;;) {
      const r = l.next();
      if (isAlphaNumeric(r)) continue;
      l.backup();
      const word = l.input.slice(l.start, l.pos);
      if (!l.atTerminator()) return l.errorf(`bad character ${formatRuneU(r)}`);
      const kw = KEYWORDS.get(word);
      if (kw !== undefined) l.emit(kw);
      else if (word.charCodeAt(0) === 46) l.emit(ItemType.Field);
      else if (word === "true" || word === "false") l.emit(ItemType.Bool);
      else l.emit(ItemType.Identifier);
      return lexInsideAction;
    }
  }

  static variable(l: Lexer): StateFn | null {
    if (l.atTerminator()) {
      l.emit(ItemType.Variable);
      return lexInsideAction;
    }
    return l.fieldOrVariable(ItemType.Variable);
  }

  fieldOrVariable(typ: ItemType): StateFn | null {
    if (this.atTerminator()) {
      this.emit(typ === ItemType.Variable ? ItemType.Variable : ItemType.Dot);
      return lexInsideAction;
    }
    let r: number;
    for (;;) {
      r = this.next();
      if (!isAlphaNumeric(r)) {
        this.backup();
        break;
      }
    }
    if (!this.atTerminator()) return this.errorf(`bad character ${formatRuneU(r)}`);
    this.emit(typ);
    return lexInsideAction;
  }

  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    switch (r) {
      case EOF:
      case 46: // .
      case 44: // ,
      case 124: // |
      case 58: // :
      case 41: // )
      case 40: // (
        return true;
    }
    return this.input.startsWith(this.rightDelim, this.pos);
  }

  static char(l: Lexer): StateFn | null {
    for (;;) {
      let r = l.next();
      if (r === 92) {
        r = l.next();
        if (r !== EOF && r !== 10) continue;
        return l.errorf("unterminated character constant");
      }
      if (r === EOF || r === 10) return l.errorf("unterminated character constant");
      if (r === 39) break;
    }
    l.emit(ItemType.CharConstant);
    return lexInsideAction;
  }

  static number(l: Lexer): StateFn | null {
    if (!l.scanNumber()) return l.errorf(`bad number syntax: ${goQuote(l.input.slice(l.start, l.pos))}`);
    const sign = l.peek();
    if (sign === 43 || sign === 45) {
      if (!l.scanNumber() || l.input.charCodeAt(l.pos - 1) !== 105) {
        return l.errorf(`bad number syntax: ${goQuote(l.input.slice(l.start, l.pos))}`);
      }
      l.emit(ItemType.Complex);
    } else {
      l.emit(ItemType.Number);
    }
    return lexInsideAction;
  }

  scanNumber(): boolean {
    this.accept("+-");
    let digits = "0123456789_";
    if (this.accept("0")) {
      if (this.accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (this.accept("oO")) digits = "01234567_";
      else if (this.accept("bB")) digits = "01_";
    }
    this.acceptRun(digits);
    if (this.accept(".")) this.acceptRun(digits);
    if (digits.length === 11 && this.accept("eE")) {
      this.accept("+-");
      this.acceptRun("0123456789_");
    }
    if (digits.length === 23 && this.accept("pP")) {
      this.accept("+-");
      this.acceptRun("0123456789_");
    }
    this.accept("i");
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }

  static quote(l: Lexer): StateFn | null {
    for (;;) {
      let r = l.next();
      if (r === 92) {
        r = l.next();
        if (r !== EOF && r !== 10) continue;
        return l.errorf("unterminated quoted string");
      }
      if (r === EOF || r === 10) return l.errorf("unterminated quoted string");
      if (r === 34) break;
    }
    l.emit(ItemType.String);
    return lexInsideAction;
  }

  static rawQuote(l: Lexer): StateFn | null {
    for (;;) {
      const r = l.next();
      if (r === EOF) return l.errorf("unterminated raw quoted string");
      if (r === 96) break;
    }
    l.emit(ItemType.RawString);
    return lexInsideAction;
  }
}

const lexText: StateFn = Lexer.text;
const lexLeftDelim: StateFn = Lexer.leftDelim;
const lexComment: StateFn = Lexer.comment;
const lexRightDelim: StateFn = Lexer.rightDelim;
const lexInsideAction: StateFn = Lexer.insideAction;
const lexSpace: StateFn = Lexer.space;
const lexIdentifier: StateFn = Lexer.identifier;
const lexField: StateFn = (l) => l.fieldOrVariable(ItemType.Field);
const lexVariable: StateFn = Lexer.variable;
const lexChar: StateFn = Lexer.char;
const lexNumber: StateFn = Lexer.number;
const lexQuote: StateFn = Lexer.quote;
const lexRawQuote: StateFn = Lexer.rawQuote;
