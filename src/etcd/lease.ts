// Lease calls with their own deadlines: grant, one keepalive round trip, revoke.
import type { Etcd3 } from "etcd3";

/** Grants a lease of `ttlSeconds`; resolves with its id. */
export async function grantLease(client: Etcd3, ttlSeconds: number, timeoutMs: number): Promise<string> {
  const r = await client.leaseClient.leaseGrant({ TTL: ttlSeconds }, { deadline: Date.now() + timeoutMs });
  return String(r.ID);
}

/** Deletes the lease and every key under it. */
export async function revokeLease(client: Etcd3, id: string, timeoutMs: number): Promise<void> {
  await client.leaseClient.leaseRevoke({ ID: id }, { deadline: Date.now() + timeoutMs });
}

/** One keepalive round trip; resolves with the remaining TTL (<= 0: the lease is gone). */
export async function keepAliveOnce(client: Etcd3, id: string, timeoutMs: number): Promise<number> {
  const stream = await client.leaseClient.leaseKeepAlive({ deadline: Date.now() + timeoutMs });
  return await new Promise<number>((resolve, reject) => {
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.on("error", () => {});
      stream.end();
      fn();
    };
    const timer = setTimeout(() => done(() => reject(new Error("keepalive timed out"))), timeoutMs);
    stream.on("data", (res: { TTL?: string | number }) => done(() => resolve(Number(res.TTL ?? 0))));
    stream.on("error", (err: Error) => done(() => reject(err)));
    stream.write({ ID: id });
  });
}
