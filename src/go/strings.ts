// The parts of Go's strings package that confd's functions expose.
import { isPrint } from "./fmt-isprint.js";
import { byteChars, canonical, fromByteChars, goStringsEqual } from "./gostring.js";

// The strings functions below search JS strings, which finds what Go's bytewise
// search finds when the haystack is canonical (see gostring.ts) and the needle
// is well-formed. A needle holding invalid bytes can match inside a valid
// multi-byte sequence, so those searches run over one char per byte.

/** strings.Split. */
export function split(s: string, sep: string): string[] {
  if (!sep.isWellFormed()) return byteChars(s).split(byteChars(sep)).map(fromByteChars);
  if (sep === "") {
    // Go's explode gives each invalid byte as the rune U+FFFD.
    const runes = Array.from(canonical(s));
    return s.isWellFormed() ? runes : runes.map((r) => (r.isWellFormed() ? r : "\ufffd"));
  }
  return canonical(s).split(sep);
}

/** strings.Contains. */
export function contains(s: string, substr: string): boolean {
  if (!substr.isWellFormed()) return byteChars(s).includes(byteChars(substr));
  return canonical(s).includes(substr);
}

/** strings.TrimSuffix. */
export function trimSuffix(s: string, suffix: string): string {
  if (!suffix.isWellFormed()) return fromByteChars(trimSuffix(byteChars(s), byteChars(suffix)));
  s = canonical(s);
  return suffix !== "" && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s;
}

/** strings.Replace. */
export function replace(s: string, old: string, nu: string, n: bigint): string {
  if (goStringsEqual(old, nu) || n === 0n) return s;
  if (!old.isWellFormed()) return fromByteChars(replace(byteChars(s), byteChars(old), byteChars(nu), n));
  s = canonical(s);
  if (old === "") {
    const runes = Array.from(s);
    const m = BigInt(runes.length + 1);
    const k = n < 0n || m < n ? m : n;
    let out = "";
    for (let i = 0n; i < k; i++) out += nu + (i < BigInt(runes.length) && i + 1n < k ? runes[Number(i)] : "");
    // After the k-th insertion the remaining runes follow unchanged.
    return out + runes.slice(Number(k) - 1).join("");
  }
  let out = "";
  let start = 0;
  let done = 0n;
  for (;;) {
    if (n >= 0n && done >= n) break;
    const j = s.indexOf(old, start);
    if (j < 0) break;
    out += s.slice(start, j) + nu;
    start = j + old.length;
    done++;
  }
  return out + s.slice(start);
}

// Simple case mappings where JavaScript only offers a multi-rune full mapping
// (checked exhaustively against Go 1.19 below U+1F000).
const SIMPLE_UPPER = new Map<number, number>([
  [0x1fb3, 0x1fbc],
  [0x1fc3, 0x1fcc],
  [0x1ff3, 0x1ffc],
]);
for (const base of [0x1f80, 0x1f90, 0x1fa0])
  for (let k = 0; k < 8; k++) SIMPLE_UPPER.set(base + k, base + 8 + k);
const SIMPLE_LOWER = new Map<number, number>([[0x130, 0x69]]);

function mapRunes(s: string, f: (ch: string) => string, simple: ReadonlyMap<number, number>): string {
  let out = "";
  for (const ch of canonical(s)) {
    // strings.Map writes the mapping of U+FFFD for each invalid byte.
    if (ch.length === 1 && ch >= "\ud800" && ch <= "\udfff") {
      out += "\ufffd";
      continue;
    }
    // Go 1.19 knows Unicode 13: runes assigned later (not printable in its tables) have no case.
    if (!isPrint(ch.codePointAt(0)!)) {
      out += ch;
      continue;
    }
    const special = simple.get(ch.codePointAt(0)!);
    if (special !== undefined) {
      out += String.fromCodePoint(special);
      continue;
    }
    const m = f(ch);
    // Go maps rune by rune (simple case mapping): keep runes whose mapping is not one rune.
    const mr = Array.from(m);
    out += mr.length === 1 && isPrint(mr[0]!.codePointAt(0)!) ? m : ch;
  }
  return out;
}

const ASCII = /^[\x00-\x7f]*$/;

/** strings.ToUpper. */
export function toUpper(s: string): string {
  return ASCII.test(s) ? s.toUpperCase() : mapRunes(s, (c) => c.toUpperCase(), SIMPLE_UPPER);
}

/** strings.ToLower. */
export function toLower(s: string): string {
  return ASCII.test(s) ? s.toLowerCase() : mapRunes(s, (c) => c.toLowerCase(), SIMPLE_LOWER);
}
