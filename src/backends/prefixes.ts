// Prefix helpers shared by the backends.

/**
 * confd matches keys against prefixes as plain strings (strings.HasPrefix, etcd
 * WithPrefix): "/app/serv" selects "/app/servers/a". Drops duplicates and prefixes
 * already covered by a shorter one.
 */
export function coveringPrefixes(prefixes: readonly string[]): string[] {
  const sorted = [...new Set(prefixes)].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const out: string[] = [];
  for (const p of sorted) {
    if (!out.some((q) => p.startsWith(q))) out.push(p);
  }
  return out;
}

export function matchesAnyPrefix(key: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => key.startsWith(p));
}

/**
 * The etcd v2 API selects a directory subtree, so prefixes are path-aware there:
 * "/app" covers "/app/x" but not "/apple". Returns normalized absolute paths
 * ("" and "/" both mean the root).
 */
export function coveringDirs(prefixes: readonly string[]): string[] {
  const norm = [...new Set(prefixes.map(normalizeDir))].sort((a, b) => a.length - b.length);
  const out: string[] = [];
  for (const p of norm) {
    if (!out.some((q) => q === "/" || p === q || p.startsWith(q + "/"))) out.push(p);
  }
  return out;
}

function normalizeDir(p: string): string {
  const parts = p.split("/").filter((s) => s !== "");
  return "/" + parts.join("/");
}
