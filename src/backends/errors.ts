// Error messages that name the endpoint and the fix.

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_OSSL|handshake/i;

export function endpointList(endpoints: readonly string[]): string {
  return endpoints.join(", ");
}

/** "cannot reach etcd at X: <cause>; <hint>" for network and TLS failures. */
export function unreachable(endpoints: readonly string[], cause: unknown): Error {
  const msg = causeMessage(cause);
  const hint = TLS_CODES.test(msg)
    ? "check -client-ca-keys, -client-cert and -client-key (and -scheme https)"
    : "is etcd running? pass -node";
  return new Error(`cannot reach etcd at ${endpointList(endpoints)}: ${msg}; ${hint}`, { cause });
}

export function causeMessage(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    const m = oneLine(cause.message || cause.name);
    return code && !m.includes(code) ? `${code} ${m}` : m;
  }
  return oneLine(String(cause));
}

function oneLine(s: string): string {
  // grpc-js ends some messages with an empty "Resolution note:".
  return s
    .replace(/\s+/g, " ")
    .replace(/\.? Resolution note:\s*$/, "")
    .trim();
}
