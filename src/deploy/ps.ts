// `hecd ps`: hecd-managed containers across hosts, with whether etcd has them.
import type { LayoutConfig } from "../agent/container.js";
import type { Registry } from "../registry/registry.js";
import type { DeployHost } from "./hosts.js";
import { listManaged, registrationOf } from "./inventory.js";

export interface PsRow {
  name: string;
  service: string;
  host: string;
  state: string;
  address: string;
  key: string;
  /** yes: etcd holds the address; no: it should but does not; stale: etcd holds another value; "-": not registrable (reason in note). */
  registered: "yes" | "no" | "stale" | "-";
  note?: string;
}

export async function listServices(opts: {
  hosts: readonly DeployHost[];
  registry: Registry;
  layout: Omit<LayoutConfig, "hostIp" | "port">;
  service?: string;
}): Promise<PsRow[]> {
  const placed = await listManaged(opts.hosts, { service: opts.service });
  const rows = await Promise.all(
    placed.map(async (p): Promise<PsRow> => {
      const base = { name: p.name, service: p.service ?? "", host: p.host.name, state: p.info.State };
      const reg = await registrationOf(p, opts.layout).catch((e: Error) => ({ reason: e.message }));
      if (!("key" in reg)) return { ...base, address: "", key: "", registered: "-", note: reg.reason };
      const have = (await opts.registry.client.get(reg.key).string()) ?? undefined;
      const registered = have === undefined ? "no" : have === reg.address ? "yes" : "stale";
      return { ...base, address: reg.address, key: reg.key, registered };
    }),
  );
  return rows.sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
}

export function formatTable(rows: readonly PsRow[]): string {
  const head = ["NAME", "SERVICE", "HOST", "STATE", "ADDRESS", "IN ETCD"];
  const body = rows.map((r) => [r.name, r.service, r.host, r.state, r.address || "-", r.registered]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return (
    [head, ...body]
      .map((cols) =>
        cols
          .map((c, i) => c.padEnd(widths[i]!))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}
