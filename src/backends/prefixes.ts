// Prefix helpers shared by the backends.

/**
 * confd's etcd backends select a key prefix as a path: "/app/servers" covers
 * "/app/servers" itself and "/app/servers/..." but not "/app/servers2".
 */
export function isUnder(key: string, prefix: string): boolean {
  return key === prefix || key.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
}

/** Drops duplicates and prefixes already covered (by `isUnder`) by another one. */
export function coveringPrefixes(prefixes: readonly string[]): string[] {
  const sorted = [...new Set(prefixes)].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const out: string[] = [];
  for (const p of sorted) {
    if (!out.some((q) => isUnder(p, q))) out.push(p);
  }
  return out;
}

/** confd's file and env backends match keys against prefixes as plain strings (strings.HasPrefix). */
export function matchesAnyPrefix(key: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => key.startsWith(p));
}

/**
 * Directories for the etcd v2 API, normalized to absolute paths without a trailing
 * "/" ("" and "/" both mean the root), without duplicates or covered ones.
 */
export function coveringDirs(prefixes: readonly string[]): string[] {
  return coveringPrefixes(prefixes.map(normalizeDir));
}

function normalizeDir(p: string): string {
  return (
    "/" +
    p
      .split("/")
      .filter((s) => s !== "")
      .join("/")
  );
}
