// Go's package path (Match, Clean, Base, Dir, Join), byte for byte.
// Go strings are UTF-8 bytes; Match works on a "byte string" (one char per
// byte) so multi-byte runes and ranges behave exactly as in Go.

export const ERR_BAD_PATTERN = "syntax error in pattern";

/** Thrown by match for a malformed pattern; message is Go's path.ErrBadPattern text. */
export class BadPatternError extends Error {
  constructor() {
    super(ERR_BAD_PATTERN);
  }
}

const ASCII = /^[\x00-\x7f]*$/;

/** The UTF-8 bytes of s as a string of chars 0..255 (s itself when ASCII). */
export function byteString(s: string): string {
  return ASCII.test(s) ? s : Buffer.from(s, "utf8").toString("latin1");
}

const RUNE_ERROR = 0xfffd;

/** utf8.DecodeRuneInString over a byte string: [rune, size]. */
export function decodeRune(s: string, i: number): [number, number] {
  const n = s.length - i;
  if (n <= 0) return [RUNE_ERROR, 0];
  const b0 = s.charCodeAt(i);
  if (b0 < 0x80) return [b0, 1];
  const cont = (k: number): number => {
    const b = s.charCodeAt(i + k);
    return b >= 0x80 && b <= 0xbf ? b & 0x3f : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf && n >= 2) {
    const c1 = cont(1);
    if (c1 >= 0) return [((b0 & 0x1f) << 6) | c1, 2];
  } else if (b0 >= 0xe0 && b0 <= 0xef && n >= 3) {
    const b1 = s.charCodeAt(i + 1);
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    const c2 = cont(2);
    if (b1 >= lo && b1 <= hi && c2 >= 0) return [((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | c2, 3];
  } else if (b0 >= 0xf0 && b0 <= 0xf4 && n >= 4) {
    const b1 = s.charCodeAt(i + 1);
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    const c2 = cont(2);
    const c3 = cont(3);
    if (b1 >= lo && b1 <= hi && c2 >= 0 && c3 >= 0)
      return [((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | (c2 << 6) | c3, 4];
  }
  return [RUNE_ERROR, 1];
}

// Patterns made only of literals, `*` and `?` cannot be malformed, and for them
// Go's chunk-by-chunk matching is equivalent to this anchored regexp, except
// that Go's `*` skips bytes, so a `?` can match part of a multi-byte rune:
// `?` patterns take the byte-level path for non-ASCII names.
let lastPattern: string | null = null;
let lastRegExp: RegExp | null = null;

function simpleRegExp(pattern: string): RegExp | null {
  if (pattern === lastPattern) return lastRegExp;
  let re: RegExp | null = null;
  if (!pattern.includes("[") && !pattern.includes("\\")) {
    const body = pattern.replace(/[.*+?^${}()|[\]\\/]/g, (c) =>
      c === "*" ? "[^/]*" : c === "?" ? "[^/]" : "\\" + c,
    );
    re = new RegExp(`^${body}$`, "su");
  }
  lastPattern = pattern;
  lastRegExp = re;
  return re;
}

/** path.Match: whether name matches the shell pattern; throws BadPatternError. */
export function match(pattern: string, name: string): boolean {
  const re = simpleRegExp(pattern);
  if (re !== null && (!pattern.includes("?") || ASCII.test(name))) return re.test(name);
  return matchBytes(pattern, name);
}

/** path.Match by Go's own algorithm over UTF-8 bytes (exported for tests). */
export function matchBytes(pattern: string, name: string): boolean {
  let p = byteString(pattern);
  let s = byteString(name);
  outer: while (p.length > 0) {
    const [star, chunk, rest] = scanChunk(p);
    p = rest;
    if (star && chunk === "") return s.indexOf("/") < 0;
    const r = matchChunk(chunk, s);
    if (r !== null && (r.length === 0 || p.length > 0)) {
      s = r;
      continue;
    }
    if (star) {
      for (let i = 0; i < s.length && s[i] !== "/"; i++) {
        const t = matchChunk(chunk, s.slice(i + 1));
        if (t !== null) {
          if (p.length === 0 && t.length > 0) continue;
          s = t;
          continue outer;
        }
      }
    }
    while (p.length > 0) {
      const [, c, r2] = scanChunk(p);
      p = r2;
      matchChunk(c, "");
    }
    return false;
  }
  return s.length === 0;
}

function scanChunk(pattern: string): [boolean, string, string] {
  let star = false;
  let p = pattern;
  while (p.length > 0 && p[0] === "*") {
    p = p.slice(1);
    star = true;
  }
  let inrange = false;
  let i = 0;
  scan: for (; i < p.length; i++) {
    switch (p[i]) {
      case "\\":
        if (i + 1 < p.length) i++;
        break;
      case "[":
        inrange = true;
        break;
      case "]":
        inrange = false;
        break;
      case "*":
        if (!inrange) break scan;
        break;
    }
  }
  return [star, p.slice(0, i), p.slice(i)];
}

/** Returns the rest of s after chunk matched, or null; throws on a malformed chunk. */
function matchChunk(chunkIn: string, sIn: string): string | null {
  let chunk = chunkIn;
  let s = sIn;
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const c = chunk[0];
    if (c === "[") {
      let r = 0;
      if (!failed) {
        const [rr, n] = decodeRune(s, 0);
        r = rr;
        s = s.slice(n);
      }
      chunk = chunk.slice(1);
      let negated = false;
      if (chunk.length > 0 && chunk[0] === "^") {
        negated = true;
        chunk = chunk.slice(1);
      }
      let matched = false;
      let nrange = 0;
      for (;;) {
        if (chunk.length > 0 && chunk[0] === "]" && nrange > 0) {
          chunk = chunk.slice(1);
          break;
        }
        const [lo, c1] = getEsc(chunk);
        chunk = c1;
        let hi = lo;
        if (chunk[0] === "-") {
          const [h, c2] = getEsc(chunk.slice(1));
          hi = h;
          chunk = c2;
        }
        if (lo <= r && r <= hi) matched = true;
        nrange++;
      }
      if (matched === negated) failed = true;
      continue;
    }
    if (c === "?") {
      if (!failed) {
        if (s[0] === "/") failed = true;
        const [, n] = decodeRune(s, 0);
        s = s.slice(n);
      }
      chunk = chunk.slice(1);
      continue;
    }
    if (c === "\\") {
      chunk = chunk.slice(1);
      if (chunk.length === 0) throw new BadPatternError();
    }
    if (!failed) {
      if (chunk[0] !== s[0]) failed = true;
      s = s.slice(1);
    }
    chunk = chunk.slice(1);
  }
  return failed ? null : s;
}

function getEsc(chunkIn: string): [number, string] {
  let chunk = chunkIn;
  if (chunk.length === 0 || chunk[0] === "-" || chunk[0] === "]") throw new BadPatternError();
  if (chunk[0] === "\\") {
    chunk = chunk.slice(1);
    if (chunk.length === 0) throw new BadPatternError();
  }
  const [r, n] = decodeRune(chunk, 0);
  if (r === RUNE_ERROR && n === 1) throw new BadPatternError();
  const rest = chunk.slice(n);
  if (rest.length === 0) throw new BadPatternError();
  return [r, rest];
}

// An element that is empty, "." or "..": where Clean has work to do.
const UNCLEAN = /\/\/|(?:^|\/)\.\.?(?:\/|$)/;

/** path.Clean. */
export function clean(path: string): string {
  if (path === "") return ".";
  // Already clean (the common case for keys): no empty, "." or ".." element, no trailing slash.
  if ((path.length === 1 || path.charCodeAt(path.length - 1) !== 47) && !UNCLEAN.test(path)) return path;
  const rooted = path[0] === "/";
  const n = path.length;
  const out: string[] = [];
  let r = 0;
  let dotdot = 0;
  if (rooted) {
    out.push("/");
    r = 1;
    dotdot = 1;
  }
  while (r < n) {
    if (path[r] === "/") {
      r++;
    } else if (path[r] === "." && (r + 1 === n || path[r + 1] === "/")) {
      r++;
    } else if (path[r] === "." && path[r + 1] === "." && (r + 2 === n || path[r + 2] === "/")) {
      r += 2;
      if (out.length > dotdot) {
        let c = out.pop();
        while (out.length > dotdot && c !== "/") c = out.pop();
      } else if (!rooted) {
        if (out.length > 0) out.push("/");
        out.push(".", ".");
        dotdot = out.length;
      }
    } else {
      if ((rooted && out.length !== 1) || (!rooted && out.length !== 0)) out.push("/");
      for (; r < n && path[r] !== "/"; r++) out.push(path[r]!);
    }
  }
  if (out.length === 0) return ".";
  return out.join("");
}

/** path.Base. */
export function base(pathIn: string): string {
  if (pathIn === "") return ".";
  let path = pathIn;
  while (path.length > 0 && path[path.length - 1] === "/") path = path.slice(0, -1);
  const i = path.lastIndexOf("/");
  if (i >= 0) path = path.slice(i + 1);
  return path === "" ? "/" : path;
}

/** path.Dir. */
export function dir(path: string): string {
  const i = path.lastIndexOf("/");
  return clean(path.slice(0, i + 1));
}

/** path.Join. */
export function join(...elems: string[]): string {
  let buf = "";
  let started = false;
  for (const e of elems) {
    if (started || e !== "") {
      if (started) buf += "/";
      buf += e;
      started = buf.length > 0;
    }
  }
  return buf === "" ? "" : clean(buf);
}
