import { Range } from "etcd3";

/** The key range [start, end) of every key that begins with `prefix`. */
export function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  const r = Range.prefix(prefix);
  return { key: r.start, range_end: r.end };
}
