// Typed etcd errors. Each carries facts (endpoints, what happened) and a `code`; the text
// names the etcd and what went wrong. Which flag fixes it is the caller's wording: a hint
// (see EtcdHint) rewrites the text shown to operators, keeping type, code and facts.

export type EtcdErrorCode =
  "ETCD_UNREACHABLE" | "ETCD_AUTH" | "ETCD_COMPACTED" | "ETCD_CONFIG" | "ETCD_REQUEST";

export abstract class EtcdError extends Error {
  abstract readonly code: EtcdErrorCode;
  /** The text without a caller's hint. */
  readonly plainMessage: string;

  constructor(
    readonly endpoints: readonly string[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.plainMessage = message;
  }
}

/** The text operators see for an etcd error: the plain text plus the caller's flag wording. */
export type EtcdHint = (e: EtcdError) => string;

/** Applies a caller's hint to the error's message (once; the plain text stays in plainMessage). */
export function withHint<E extends EtcdError>(e: E, hint: EtcdHint | undefined): E {
  if (hint) e.message = hint(e);
  return e;
}

/** No etcd endpoint answered (network, TLS handshake, or no answer within the deadline). */
export class EtcdUnreachableError extends EtcdError {
  readonly code = "ETCD_UNREACHABLE" as const;
  readonly service = "etcd" as const;
  /** One line on what failed. */
  readonly detail: string;
  /** The failure is a TLS one (certificate, handshake): the TLS settings are the fix. */
  readonly tls: boolean;
  /** Nothing accepted the connection, or the endpoint is being skipped after such a failure. */
  readonly refused: boolean;
  /** Where the endpoints came from (a flag, a variable, a file), when the caller knows. */
  readonly source?: string;

  constructor(f: {
    endpoints: readonly string[];
    detail: string;
    tls?: boolean;
    refused?: boolean;
    source?: string;
    cause?: unknown;
  }) {
    const from = f.source !== undefined ? ` (from ${f.source})` : "";
    super(f.endpoints, `cannot reach etcd at ${endpointList(f.endpoints)}${from}: ${f.detail}`, {
      cause: f.cause,
    });
    this.name = "EtcdUnreachableError";
    this.detail = f.detail;
    this.tls = f.tls ?? false;
    this.refused = f.refused ?? false;
    if (f.source !== undefined) this.source = f.source;
  }
}

/**
 * etcd refused the credentials or the permission. `connecting`: it happened while
 * establishing the connection (the client could not start using etcd at all).
 */
export class EtcdAuthError extends EtcdError {
  readonly code = "ETCD_AUTH" as const;
  readonly detail: string;
  readonly connecting: boolean;

  constructor(f: { endpoints: readonly string[]; detail: string; connecting?: boolean; cause?: unknown }) {
    const list = endpointList(f.endpoints);
    super(
      f.endpoints,
      f.connecting
        ? `cannot reach etcd at ${list}: ${f.detail}`
        : `etcd at ${list} refused the request: ${f.detail}`,
      { cause: f.cause },
    );
    this.name = "EtcdAuthError";
    this.detail = f.detail;
    this.connecting = f.connecting ?? false;
  }
}

/** The revision asked for was compacted away: read the current state again. */
export class EtcdCompactedError extends EtcdError {
  readonly code = "ETCD_COMPACTED" as const;
  readonly detail: string;

  constructor(f: { endpoints: readonly string[]; detail: string; cause?: unknown }) {
    super(f.endpoints, `etcd at ${endpointList(f.endpoints)}: ${f.detail}`, { cause: f.cause });
    this.name = "EtcdCompactedError";
    this.detail = f.detail;
  }
}

/** Any other failure etcd answered with. */
export class EtcdRequestError extends EtcdError {
  readonly code = "ETCD_REQUEST" as const;
  readonly detail: string;

  constructor(f: { endpoints: readonly string[]; detail: string; cause?: unknown }) {
    super(f.endpoints, `etcd at ${endpointList(f.endpoints)}: ${f.detail}`, { cause: f.cause });
    this.name = "EtcdRequestError";
    this.detail = f.detail;
  }
}

export type EtcdConfigProblem =
  | "no-endpoint"
  | "bad-endpoint"
  | "mixed-schemes"
  | "https-without-ca"
  | "tls-without-https"
  | "cert-without-key"
  | "unreadable-file"
  | "no-user"
  | "bad-timeout";

/** Connection settings that cannot work; found before anything is sent. */
export class EtcdConfigError extends EtcdError {
  readonly code = "ETCD_CONFIG" as const;

  constructor(
    readonly problem: EtcdConfigProblem,
    endpoints: readonly string[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(endpoints, message, options);
    this.name = "EtcdConfigError";
  }
}

export function endpointList(endpoints: readonly string[]): string {
  return endpoints.join(", ");
}

/** One line from any thrown value, with a Node error code in front when the text lacks it. */
export function causeMessage(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: string | number }).code;
    const m = oneLine(cause.message || cause.name);
    return code && !m.includes(String(code)) ? `${code} ${m}` : m;
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
