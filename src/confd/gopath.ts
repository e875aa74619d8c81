// Go's path.Clean / path.Join semantics, which confd uses to build and strip key paths.

/** Go's path.Clean: lexical cleanup, no trailing slash, "" becomes ".". */
export function goClean(p: string): string {
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

/** Go's path.Join: joins the non-empty elements with "/" and cleans; all empty gives "". */
export function goJoin(...elems: string[]): string {
  const nonEmpty = elems.filter((e) => e !== "");
  if (nonEmpty.length === 0) return "";
  return goClean(nonEmpty.join("/"));
}

/** True when `key` is `dir` itself or lies below it (path semantics, not string prefix). */
export function isAtOrBelow(key: string, dir: string): boolean {
  if (dir === "/" || dir === "") return key.startsWith("/");
  return key === dir || key.startsWith(dir.endsWith("/") ? dir : dir + "/");
}
