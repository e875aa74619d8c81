// Pure decisions of a cycle: which resources share a reload, and what a group may do.
import type { TemplateResource } from "./resource.js";

export interface Group {
  /** The shared reload_cmd, or undefined for a resource without one (a group of its own). */
  reloadCmd?: string;
  members: TemplateResource[];
}

/** Resources sharing a reload_cmd form one group: staged and checked together, reloaded once. */
export function groupByReload(resources: readonly TemplateResource[]): Group[] {
  const groups: Group[] = [];
  const byCmd = new Map<string, Group>();
  for (const r of resources) {
    if (r.reloadCmd === undefined) {
      groups.push({ members: [r] });
      continue;
    }
    let g = byCmd.get(r.reloadCmd);
    if (!g) {
      g = { reloadCmd: r.reloadCmd, members: [] };
      byCmd.set(r.reloadCmd, g);
      groups.push(g);
    }
    g.members.push(r);
  }
  return groups;
}

export type MemberState = "failed" | "in-sync" | "changed";

export type GroupDecision =
  { action: "nothing" } | { action: "hold"; because: string[] } | { action: "apply"; reload: boolean };

/**
 * A group with a failed member swaps nothing (never reload on a half-updated set);
 * otherwise it swaps its changed members and reloads once if any changed.
 */
export function decideGroup(
  states: readonly { file: string; state: MemberState }[],
  reloadCmd: string | undefined,
  syncOnly: boolean,
): GroupDecision {
  const failed = states.filter((s) => s.state === "failed").map((s) => s.file);
  const changed = states.some((s) => s.state === "changed");
  if (!changed) return { action: "nothing" };
  if (failed.length > 0) return { action: "hold", because: failed };
  return { action: "apply", reload: !syncOnly && reloadCmd !== undefined };
}
