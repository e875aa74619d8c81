// HAProxy backend names for services. A valid service name (validate.ts) is kept as is
// behind "svc_", so the name is readable in `show stat` and stable across restarts; any other
// text is reduced to HAProxy's name characters and given a hash of the original, so two
// different services never share a backend.

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function backendName(service: string): string {
  if (NAME.test(service) && service.length <= 200) return `svc_${service}`;
  const clean = service.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 60);
  return `svc_${clean}_${fnv1a(service)}`;
}

/** TCP frontends and backends: one per service with `hecd.tcp.port`. */
export function tcpBackendName(service: string): string {
  return `tcp_${backendName(service).slice("svc_".length)}`;
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}
