// path.Clean's shortcut for already-clean paths must give what Go's algorithm gives.
import { describe, expect, it } from "vitest";
import { clean, join } from "../../src/go/path.js";

/** path.Clean written from its specification (Rob Pike's rules), element by element. */
function cleanBySpec(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return "/" + joined;
  return joined === "" ? "." : joined;
}

// A fixed-seed generator: every run checks the same paths.
function* paths(count: number): Generator<string> {
  let seed = 9;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const parts = ["/", ".", "..", "a", "b", "...", ".a", "a.", "/", "//"];
  for (let i = 0; i < count; i++) {
    let p = "";
    for (let n = next(8); n >= 0; n--) p += parts[next(parts.length)]!;
    yield p;
  }
}

describe("go/path", () => {
  it("cleans as Go's rules say, with or without the already-clean shortcut", () => {
    for (const p of [
      "",
      "/",
      ".",
      "..",
      "...",
      "a",
      "/a/b",
      "a/b/",
      "/a/./b",
      "a/../..",
      "//a",
      "/..",
      "a/.b/c.",
    ])
      expect(clean(p), p).toBe(cleanBySpec(p));
    for (const p of paths(20_000)) expect(clean(p), p).toBe(cleanBySpec(p));
  });

  it("joins the non-empty elements and cleans, giving empty for no elements", () => {
    expect(join("/app", "/servers/")).toBe("/app/servers");
    expect(join("/", "")).toBe("/");
    expect(join("", "")).toBe("");
    expect(join("a", "", "b")).toBe("a/b");
    expect(join("/app", "../x")).toBe("/x");
  });
});
