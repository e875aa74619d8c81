// What a resource's template sees: the snapshot's keys under its prefix+keys, with the
// prefix stripped (confd: path.Join("/", strings.TrimPrefix(key, prefix))).
import { join as pathJoin } from "../go/path.js";
import { fetchPrefixes, type TemplateResource } from "./resource.js";

export function resourceValues(
  r: TemplateResource,
  snapshot: ReadonlyMap<string, string>,
): Map<string, string> {
  const wanted = fetchPrefixes(r);
  const out = new Map<string, string>();
  for (const [k, v] of snapshot) {
    if (!wanted.some((p) => isAtOrBelow(k, p))) continue;
    const rel = k.startsWith(r.prefix) ? k.slice(r.prefix.length) : k;
    out.set(pathJoin("/", rel), v);
  }
  return out;
}

/** All prefixes to read for a set of resources, without duplicates or nested repeats. */
export function unionPrefixes(resources: readonly TemplateResource[]): string[] {
  const all = [...new Set(resources.flatMap(fetchPrefixes))].sort();
  return all.filter((p) => !all.some((q) => q !== p && isAtOrBelow(p, q)));
}

export interface KeyChanges {
  added: string[];
  changed: string[];
  removed: string[];
}

export function diffSnapshots(
  before: ReadonlyMap<string, string> | undefined,
  after: ReadonlyMap<string, string>,
): KeyChanges {
  const c: KeyChanges = { added: [], changed: [], removed: [] };
  for (const [k, v] of after) {
    const old = before?.get(k);
    if (old === undefined) c.added.push(k);
    else if (old !== v) c.changed.push(k);
  }
  if (before) for (const k of before.keys()) if (!after.has(k)) c.removed.push(k);
  return c;
}

/** Whether any changed key can be seen by the resource. */
export function touches(r: TemplateResource, changes: KeyChanges): boolean {
  const wanted = fetchPrefixes(r);
  return [...changes.added, ...changes.changed, ...changes.removed].some((k) =>
    wanted.some((p) => isAtOrBelow(k, p)),
  );
}

/** True when `key` is `dir` itself or lies below it (path semantics, not string prefix). */
export function isAtOrBelow(key: string, dir: string): boolean {
  if (dir === "/" || dir === "") return key.startsWith("/");
  return key === dir || key.startsWith(dir.endsWith("/") ? dir : dir + "/");
}
