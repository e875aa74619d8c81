// Two services claiming one host and path (or one TCP port): the earlier claim keeps it, so
// starting a new container can never take traffic away from a service already serving it.
// A claim's time is the created time of the container whose labels gave the service its
// routes (unknown counts as oldest); ties go to the service name that sorts first.
import { type RoutingWarning, quote } from "./errors.js";
import type { MergedService } from "./replicas.js";
import { routeKey, routeToString } from "./types.js";

export interface ConflictResult {
  /** The same services, in the same order, with lost routes and TCP ports removed. */
  readonly services: readonly MergedService[];
  readonly warnings: readonly RoutingWarning[];
}

function claimOrder(a: MergedService, b: MergedService): number {
  const ca = a.source.created ?? -Infinity;
  const cb = b.source.created ?? -Infinity;
  if (ca !== cb) return ca - cb;
  return a.service < b.service ? -1 : a.service > b.service ? 1 : 0;
}

export function conflictsAcrossServices(services: readonly MergedService[]): ConflictResult {
  const routed = services.filter((s) => s.status === "routed");
  const ordered = [...routed].sort(claimOrder);

  const routeOwner = new Map<string, MergedService>();
  const tcpOwner = new Map<number, MergedService>();
  // loser service -> winner service -> what was lost
  const lost = new Map<MergedService, Map<MergedService, { routes: string[]; tcp?: number }>>();
  const note = (loser: MergedService, winner: MergedService) => {
    const byWinner = lost.get(loser) ?? new Map();
    lost.set(loser, byWinner);
    const entry = byWinner.get(winner) ?? { routes: [] };
    byWinner.set(winner, entry);
    return entry;
  };
  const lostKeys = new Map<MergedService, Set<string>>();

  for (const s of ordered) {
    for (const r of s.routes) {
      const key = routeKey(r);
      const owner = routeOwner.get(key);
      if (!owner) routeOwner.set(key, s);
      else {
        note(s, owner).routes.push(routeToString(r));
        const set = lostKeys.get(s) ?? new Set<string>();
        set.add(key);
        lostKeys.set(s, set);
      }
    }
  }
  // TCP ports are claimed by any service that has one, routed or not.
  for (const s of [...services].sort(claimOrder)) {
    if (s.tcpPort === undefined) continue;
    const owner = tcpOwner.get(s.tcpPort);
    if (!owner) tcpOwner.set(s.tcpPort, s);
    else note(s, owner).tcp = s.tcpPort;
  }

  const warnings: RoutingWarning[] = [];
  for (const loser of [...lost.keys()].sort(claimOrder)) {
    for (const [winner, what] of [...lost.get(loser)!].sort(([a], [b]) => claimOrder(a, b))) {
      const services = [winner.service, loser.service];
      const why =
        `${quote(winner.service)} keeps it (its claim, from container ${quote(winner.source.name)}, is the earlier one); ` +
        `${quote(loser.service)} (container ${quote(loser.source.name)}) does not get it`;
      if (what.routes.length > 0) {
        warnings.push({
          code: "route-conflict",
          services,
          containers: [winner.source.name, loser.source.name],
          message:
            `services ${quote(winner.service)} and ${quote(loser.service)} both claim ${what.routes.join(", ")}: ${why}. ` +
            `Remove the route labels from one of them or give it another host or path.`,
        });
      }
      if (what.tcp !== undefined) {
        warnings.push({
          code: "tcp-port-conflict",
          services,
          containers: [winner.source.name, loser.source.name],
          label: "hecd.tcp.port",
          message:
            `services ${quote(winner.service)} and ${quote(loser.service)} both claim TCP port ${what.tcp}: ${why}. ` +
            `Give one of them another hecd.tcp.port.`,
        });
      }
    }
  }

  const out = services.map((s): MergedService => {
    const keys = lostKeys.get(s);
    const tcpLost = s.tcpPort !== undefined && tcpOwner.get(s.tcpPort) !== s;
    if (!keys && !tcpLost) return s;
    const { tcpPort: _drop, ...rest } = s;
    return {
      ...(tcpLost ? rest : s),
      routes: keys ? s.routes.filter((r) => !keys.has(routeKey(r))) : s.routes,
    };
  });
  return { services: out, warnings };
}
