// Synchronous DNS for confd's lookup functions (template functions cannot
// await): a short-lived node child does the node:dns call. Failures give an
// empty result, as in confd.
import { spawnSync } from "node:child_process";

const SCRIPT = `
import dns from "node:dns";
const req = JSON.parse(process.env.HECD_DNS_REQUEST);
const done = (v) => process.stdout.write(JSON.stringify(v));
if (req.kind === "ip") {
  dns.lookup(req.host, { all: true }, (err, addrs) => done(err ? [] : addrs.map((a) => a.address)));
} else {
  dns.resolveSrv(req.host, (err, recs) => done(err ? [] : recs));
}
`;

function ask(req: { kind: "ip" | "srv"; host: string }): unknown[] {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", SCRIPT], {
    encoding: "utf8",
    timeout: 10_000,
    env: { ...process.env, HECD_DNS_REQUEST: JSON.stringify(req) },
  });
  if (r.status !== 0) return [];
  try {
    const v: unknown = JSON.parse(r.stdout);
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

/** All addresses of host (A and AAAA), as strings; [] on failure. */
export function lookupIPSync(host: string): string[] {
  return ask({ kind: "ip", host }).filter((x): x is string => typeof x === "string");
}

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** SRV records of a full name (_service._proto.name); [] on failure. */
export function lookupSRVSync(name: string): SrvRecord[] {
  return ask({ kind: "srv", host: name }) as SrvRecord[];
}
