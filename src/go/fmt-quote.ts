// strconv.Quote, QuoteToASCII, QuoteRune, QuoteRuneToASCII and CanBackquote over JS strings
// (one JS code point = one Go rune; a lone surrogate counts as U+FFFD, as Go decodes bad UTF-8).
import { isPrint } from "./fmt-isprint.js";

const HEX = "0123456789abcdef";
const MAX_RUNE = 0x10ffff;
export const RUNE_ERROR = 0xfffd;

function hexDigits(r: number, n: number): string {
  let s = "";
  for (let shift = (n - 1) * 4; shift >= 0; shift -= 4) s += HEX[Math.floor(r / 2 ** shift) % 16];
  return s;
}

function validRune(r: number): boolean {
  return (r >= 0 && r < 0xd800) || (r > 0xdfff && r <= MAX_RUNE);
}

function escapedRune(r: number, quote: number, asciiOnly: boolean): string {
  if (r === quote || r === 0x5c) return "\\" + String.fromCharCode(r);
  if (asciiOnly) {
    if (r < 0x80 && isPrint(r)) return String.fromCharCode(r);
  } else if (isPrint(r)) {
    return String.fromCodePoint(r);
  }
  switch (r) {
    case 7:
      return "\\a";
    case 8:
      return "\\b";
    case 12:
      return "\\f";
    case 10:
      return "\\n";
    case 13:
      return "\\r";
    case 9:
      return "\\t";
    case 11:
      return "\\v";
  }
  if (r < 0x20 || r === 0x7f) return "\\x" + hexDigits(r, 2);
  if (!validRune(r)) r = RUNE_ERROR;
  if (r < 0x10000) return "\\u" + hexDigits(r, 4);
  return "\\U" + hexDigits(r, 8);
}

/** The code point at i, with lone surrogates read as U+FFFD. */
export function runeAt(s: string, i: number): number {
  const c = s.codePointAt(i)!;
  return c >= 0xd800 && c <= 0xdfff ? RUNE_ERROR : c;
}

function quoteWith(s: string, quote: number, asciiOnly: boolean): string {
  const q = String.fromCharCode(quote);
  let out = q;
  let plainFrom = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== quote && c !== 0x5c) continue;
    out += s.slice(plainFrom, i);
    const r = runeAt(s, i);
    if (r > 0xffff) i++;
    out += escapedRune(r, quote, asciiOnly);
    plainFrom = i + 1;
  }
  return out + s.slice(plainFrom) + q;
}

/** strconv.Quote (asciiOnly: strconv.QuoteToASCII). */
export function quote(s: string, asciiOnly = false): string {
  return quoteWith(s, 0x22, asciiOnly);
}

/** strconv.QuoteRune (asciiOnly: QuoteRuneToASCII); r is already limited to valid range by callers or mapped. */
export function quoteRune(r: number, asciiOnly = false): string {
  if (!validRune(r)) r = RUNE_ERROR;
  return "'" + escapedRune(r, 0x27, asciiOnly) + "'";
}

/** strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if ((c < 0x20 && c !== 9) || c === 0x60 || c === 0x7f) return false;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) return false; // invalid UTF-8 in Go
    if (c === 0xfeff) return false;
  }
  return true;
}

/** Number of Go runes (code points) in s. */
export function runeCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** The first n runes of s (Go's truncateString). */
export function truncateRunes(s: string, n: number): string {
  let i = 0;
  for (let k = 0; k < n && i < s.length; k++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return s.slice(0, i);
}

const encoder = new TextEncoder();

/** The UTF-8 bytes of s, as Go holds a string. */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}
