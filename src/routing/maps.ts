// The HAProxy maps that route requests to services, as pure data. Which map is meant for
// which match method (checked against HAProxy 2.6; see configuration.txt "map_<match_type>"
// and management.txt "add map", "prepare map", "commit map"):
//
//   routes.map     map_beg  key "<host key><path prefix>"  ->  backend ("svc_<service>")
//                  The host key is an exact host ("a.example.com"), a wildcard
//                  ("*.example.com") or "*" for any host; host keys hold no "/", so one
//                  host key's entries never prefix-match another's. HAProxy keeps
//                  case-sensitive "beg" patterns in a prefix tree and returns the longest
//                  match whatever the order, so `add map` / `del map` / `set map` can change
//                  single entries live. Entries are still written longest first, which is
//                  the right order for a list too (a map used with -i).
//   wildcards.map  map_end  key ".example.com"  ->  host key "*.example.com"
//                  "end" patterns are a list and the first match wins: entries are written
//                  most specific (longest suffix) first, and the map is replaced whole with
//                  `prepare map` + `add map @<ver>` + `commit map @<ver>` (an `add map`
//                  appends, after the wider wildcards). map_dom is not used: it matches any
//                  dot-delimited part, so "example.com" would also match
//                  "example.com.attacker.net".
//
// A request is routed by its host first, then by the longest path prefix:
//   1. "<host><path>" in routes.map (exact hosts);
//   2. else "<host key><path>" in routes.map, with the host key from wildcards.map;
//   3. else "*<path>" in routes.map (routes for any host);
//   4. else the default service, or a 404.
// with, in the frontend (host lower-cased, port dropped):
//   http-request set-var(txn.host) req.hdr(host),field(1,:),lower
//   http-request set-var(txn.path) path
//   http-request set-var(txn.key) var(txn.host),concat(,txn.path)
//   http-request set-var(txn.be) var(txn.key),map_beg(routes.map)
//   http-request set-var(txn.wk) var(txn.host),map_end(wildcards.map) if !{ var(txn.be) -m found }
//   http-request set-var(txn.be) var(txn.wk),concat(,txn.path),map_beg(routes.map) if !{ var(txn.be) -m found } { var(txn.wk) -m found }
//   http-request set-var(txn.be) str(*),concat(,txn.path),map_beg(routes.map) if !{ var(txn.be) -m found }
//   use_backend %[var(txn.be)] if { var(txn.be) -m found }
// Step 2 looks at one wildcard only (the most specific), so each wildcard's entries also
// carry the routes of the wider wildcards that cover it, less those its own prefixes hide:
// the result is the same as trying every wildcard from the most specific down.
import type { MergedService } from "./replicas.js";
import { conflictsAcrossServices } from "./conflicts.js";
import type { Route } from "./types.js";

export const ANY_HOST_KEY = "*";

export interface MapEntry {
  readonly key: string;
  readonly value: string;
}

export interface RouteMaps {
  /** map_beg; see the top of this module. */
  readonly routes: readonly MapEntry[];
  /** map_end; order matters (first match wins). */
  readonly wildcards: readonly MapEntry[];
}

function hostKey(r: Route): string {
  return r.host ?? ANY_HOST_KEY;
}

const isWildcard = (h: string) => h.startsWith("*.");
/** "*.b.example.com" is covered by "*.example.com". */
const covers = (wide: string, narrow: string) => narrow !== wide && narrow.endsWith(wide.slice(1));

function byLengthDesc(a: string, b: string): number {
  return b.length - a.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Map contents for the routed services. Routes claimed by two services are settled by
 * conflictsAcrossServices first, so the maps never depend on input order.
 */
export function buildMaps(services: readonly MergedService[]): RouteMaps {
  const settled = conflictsAcrossServices(services).services;
  // host key -> path prefix -> backend
  const table = new Map<string, Map<string, string>>();
  for (const s of settled) {
    if (s.status !== "routed") continue;
    for (const r of s.routes) {
      const paths = table.get(hostKey(r)) ?? new Map<string, string>();
      table.set(hostKey(r), paths);
      if (!paths.has(r.pathPrefix)) paths.set(r.pathPrefix, s.backend);
    }
  }

  const wildcards = [...table.keys()].filter(isWildcard).sort(byLengthDesc);
  const routes: MapEntry[] = [];
  for (const [key, own] of table) {
    const paths = new Map(own);
    if (isWildcard(key)) {
      // Wider wildcards, most specific first: a path is inherited unless a prefix already
      // present would take every request it matches.
      for (const wide of wildcards.filter((w) => covers(w, key))) {
        for (const [p, backend] of [...table.get(wide)!].sort(([a], [b]) => byLengthDesc(a, b))) {
          if (![...paths.keys()].some((q) => p.startsWith(q))) paths.set(p, backend);
        }
      }
    }
    for (const [p, backend] of paths) routes.push({ key: `${key}${p}`, value: backend });
  }
  routes.sort((a, b) => byLengthDesc(a.key, b.key));
  return {
    routes,
    wildcards: wildcards.map((w) => ({ key: w.slice(1), value: w })),
  };
}

/** A map file's text: one "key value" line per entry, in order. */
export function renderMap(entries: readonly MapEntry[]): string {
  return entries.map((e) => `${e.key} ${e.value}\n`).join("");
}

/**
 * Runtime API commands that replace a map atomically, after `prepare map <file>` answered
 * version <ver>: one `add map @<ver>` per entry, in order, then `commit map @<ver>`.
 */
export function replaceMapCommands(file: string, version: number, entries: readonly MapEntry[]): string[] {
  return [
    ...entries.map((e) => `add map @${version} ${file} ${e.key} ${e.value}`),
    `commit map @${version} ${file}`,
  ];
}

/**
 * The backend HAProxy picks for a request, given the maps and the lookups described at the
 * top of this module (host already lower-cased, without its port); undefined: no route.
 */
export function resolveRoute(maps: RouteMaps, host: string, path: string): string | undefined {
  const beg = (input: string): string | undefined => {
    let best: MapEntry | undefined;
    for (const e of maps.routes)
      if (input.startsWith(e.key) && (!best || e.key.length > best.key.length)) best = e;
    return best?.value;
  };
  const exact = beg(`${host}${path}`);
  if (exact !== undefined) return exact;
  const wk = maps.wildcards.find((e) => host.endsWith(e.key))?.value;
  if (wk !== undefined) {
    const w = beg(`${wk}${path}`);
    if (w !== undefined) return w;
  }
  return beg(`${ANY_HOST_KEY}${path}`);
}
