// Go strings are bytes; hecd's are JS strings. Well-formed UTF-8 maps to the
// JS string of the same text, and each byte of an invalid UTF-8 sequence to a
// lone low surrogate U+DC80+(b-0x80) (the scheme of Python's surrogateescape).
// Decoding valid UTF-8 never yields a lone surrogate, so the mapping is one to
// one; the common well-formed text takes the fast exits below unchanged.
//
// Invalid bytes are found as Go's utf8.DecodeRune finds them: one byte at a
// time, with overlong forms, surrogate code points and values above U+10FFFF
// invalid. A string built by concatenation may hold escaped bytes that together
// form a valid sequence ("\xc2" + "\xa9"); canonical() re-reads it as Go would,
// and every function that looks at runes or bytes of a string that is not
// well-formed starts from that.
import { isUtf8 } from "node:buffer";

const ESC_BASE = 0xdc00;

/** Whether the UTF-16 code unit c stands for one raw byte (0x80..0xff). */
export function isEscapedByte(c: number): boolean {
  return c >= 0xdc80 && c <= 0xdcff;
}

/** Length in bytes of the valid UTF-8 sequence starting at b[i], or 0 if none does. */
function validSeqLen(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const n = b.length - i;
  if (c >= 0xc2 && c <= 0xdf) return n >= 2 && (b[i + 1]! & 0xc0) === 0x80 ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (n < 3) return 0;
    const c1 = b[i + 1]!;
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return c1 >= lo && c1 <= hi && (b[i + 2]! & 0xc0) === 0x80 ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (n < 4) return 0;
    const c1 = b[i + 1]!;
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return c1 >= lo && c1 <= hi && (b[i + 2]! & 0xc0) === 0x80 && (b[i + 3]! & 0xc0) === 0x80 ? 4 : 0;
  }
  return 0;
}

/** The Go string holding these bytes. */
export function goString(bytes: Uint8Array): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (isUtf8(buf)) return buf.toString("utf8");
  let out = "";
  let from = 0;
  let i = 0;
  while (i < buf.length) {
    const n = validSeqLen(buf, i);
    if (n > 0) {
      i += n;
      continue;
    }
    if (i > from) out += buf.toString("utf8", from, i);
    out += String.fromCharCode(ESC_BASE + buf[i]!);
    i++;
    from = i;
  }
  return from < buf.length ? out + buf.toString("utf8", from) : out;
}

/** The bytes of a Go string; a lone surrogate that is not an escaped byte is U+FFFD, as in any UTF-8 encoder. */
export function goBytes(s: string): Buffer {
  if (s.isWellFormed()) return Buffer.from(s, "utf8");
  const out = Buffer.allocUnsafe(s.length * 3);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const r = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        out[n++] = 0xf0 | (r >> 18);
        out[n++] = 0x80 | ((r >> 12) & 63);
        out[n++] = 0x80 | ((r >> 6) & 63);
        out[n++] = 0x80 | (r & 63);
        i++;
        continue;
      }
      if (isEscapedByte(c)) {
        out[n++] = c - ESC_BASE;
        continue;
      }
      c = 0xfffd;
    }
    out[n++] = 0xe0 | (c >> 12);
    out[n++] = 0x80 | ((c >> 6) & 63);
    out[n++] = 0x80 | (c & 63);
  }
  return out.subarray(0, n);
}

/** s as Go's decoding of its bytes reads it (escaped bytes that form valid UTF-8 joined). */
export function canonical(s: string): string {
  return s.isWellFormed() ? s : goString(goBytes(s));
}

const ASCII = /^[\x00-\x7f]*$/;

/** Go's len(s): the number of bytes. */
export function goByteLength(s: string): number {
  if (ASCII.test(s)) return s.length;
  return s.isWellFormed() ? Buffer.byteLength(s, "utf8") : goBytes(s).length;
}

/** Go's s == t (the same bytes). */
export function goStringsEqual(s: string, t: string): boolean {
  if (s === t) return true;
  if (s.isWellFormed() && t.isWellFormed()) return false;
  return goBytes(s).equals(goBytes(t));
}

/**
 * One char per byte (latin1), for bytewise search with a needle that is not
 * well-formed (an invalid byte may match inside a valid multi-byte sequence).
 */
export function byteChars(s: string): string {
  return goBytes(s).toString("latin1");
}

/** The inverse of byteChars. */
export function fromByteChars(s: string): string {
  return goString(Buffer.from(s, "latin1"));
}
