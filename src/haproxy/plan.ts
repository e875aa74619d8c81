import { formatServerAddress } from "./names.js";
import { ADMIN_FDRAIN, ADMIN_FMAINT, CHECK_CONFIGURED, CHECK_ENABLED, type ServerState } from "./parse.js";
import type { ServerEntry } from "./servers.js";

/** One change that brings a backend's live servers to the desired set. */
export type Action =
  | { kind: "add"; entry: ServerEntry }
  | { kind: "readdress"; entry: ServerEntry; from: string }
  | { kind: "enable-health"; entry: ServerEntry }
  | { kind: "ready"; entry: ServerEntry; from: "maint" | "drain" }
  | { kind: "remove"; name: string };

function liveAddress(s: ServerState): string {
  return s.addr.includes(":") ? `[${s.addr}]:${s.port}` : `${s.addr}:${s.port}`;
}

/**
 * The actions that turn `live` into `desired`, in a safe order: adds first (capacity never
 * dips), then repairs, then removals. Pure.
 */
export function planBackend(live: readonly ServerState[], desired: readonly ServerEntry[]): Action[] {
  const liveByName = new Map(live.map((s) => [s.name, s]));
  const adds: Action[] = [];
  const fixes: Action[] = [];
  for (const entry of desired) {
    const cur = liveByName.get(entry.name);
    if (!cur) {
      adds.push({ kind: "add", entry });
      continue;
    }
    const want = formatServerAddress(entry.address);
    const have = liveAddress(cur);
    if (want !== have) fixes.push({ kind: "readdress", entry, from: have });
    if ((cur.checkState & CHECK_CONFIGURED) !== 0 && (cur.checkState & CHECK_ENABLED) === 0) {
      fixes.push({ kind: "enable-health", entry });
    }
    if ((cur.adminState & ADMIN_FMAINT) !== 0) fixes.push({ kind: "ready", entry, from: "maint" });
    else if ((cur.adminState & ADMIN_FDRAIN) !== 0) fixes.push({ kind: "ready", entry, from: "drain" });
  }
  const wanted = new Set(desired.map((e) => e.name));
  const removals: Action[] = live
    .filter((s) => !wanted.has(s.name))
    .map((s) => ({ kind: "remove", name: s.name }));
  return [...adds, ...fixes, ...removals];
}

export function describeAction(a: Action): string {
  switch (a.kind) {
    case "add":
      return `add ${a.entry.name} at ${formatServerAddress(a.entry.address)}`;
    case "readdress":
      return `re-address ${a.entry.name} from ${a.from} to ${formatServerAddress(a.entry.address)}`;
    case "enable-health":
      return `enable health checks of ${a.entry.name}`;
    case "ready":
      return `set ${a.entry.name} ready (was ${a.from})`;
    case "remove":
      return `drain and remove ${a.name}`;
  }
}
