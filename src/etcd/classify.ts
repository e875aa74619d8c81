// classify(): any error from the etcd3 client (typed by its castGrpcError, or a raw grpc-js
// error with a numeric status code) or from a socket, as one of hecd's typed etcd errors.
// Message text is matched here and nowhere else, for what the client leaves untyped.
import {
  EtcdAuthenticationFailedError,
  EtcdInvalidAuthTokenError,
  EtcdPermissionDeniedError,
  EtcdUserNotFoundError,
  GRPCDeadlineExceededError,
  GRPCUnauthenticatedError,
  GRPCUnavailableError,
  isRecoverableError,
} from "etcd3";
import {
  EtcdAuthError,
  EtcdCompactedError,
  EtcdError,
  EtcdRequestError,
  EtcdUnreachableError,
  causeMessage,
} from "./errors.js";

export interface ClassifyContext {
  /** The endpoints as shown to operators. */
  endpoints: readonly string[];
  /** The call's deadline: a timeout then reads "no answer within N ms". */
  timeoutMs?: number;
  /** The error ended the first contact: anything but refused credentials means etcd is not usable yet. */
  connecting?: boolean;
}

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
const GRPC = { DEADLINE_EXCEEDED: 4, PERMISSION_DENIED: 7, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

const AUTH_TEXT = /user name is empty|permission denied|invalid auth token|authentication failed/i;
const UNREACHABLE_TEXT = /UNAVAILABLE|DEADLINE|ECONNREFUSED|circuit|recently failed/i;
const REFUSED_TEXT = /recently failed|No connection established|ECONNREFUSED/i;
const TLS_TEXT = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_OSSL|handshake/i;
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
]);

export function classify(e: unknown, ctx: ClassifyContext): EtcdError {
  if (e instanceof EtcdError) return e;
  const detail = causeMessage(e);
  const cause = e;
  const { endpoints } = ctx;
  if (isAuth(e)) return new EtcdAuthError({ endpoints, detail, connecting: ctx.connecting, cause });
  if (/compacted/i.test(detail)) return new EtcdCompactedError({ endpoints, detail, cause });
  if (ctx.connecting || isUnreachable(e)) return unreachableFrom(endpoints, e, ctx.timeoutMs);
  return new EtcdRequestError({ endpoints, detail, cause });
}

/** An EtcdUnreachableError for a failure already known to be a connection-level one. */
export function unreachableFrom(
  endpoints: readonly string[],
  cause: unknown,
  timeoutMs?: number,
): EtcdUnreachableError {
  let detail = causeMessage(cause);
  // The last retry's text ("after 0.001s, waiting for name resolution") hides the real wait.
  if (timeoutMs !== undefined && isDeadline(cause) && !/ECONNREFUSED/.test(detail)) {
    detail = `no answer within ${timeoutMs} ms`;
  }
  return new EtcdUnreachableError({
    endpoints,
    detail,
    tls: TLS_TEXT.test(causeMessage(cause)),
    refused: isBrokenCircuit(cause) || REFUSED_TEXT.test(causeMessage(cause)),
    cause,
  });
}

function grpcCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

function isAuth(e: unknown): boolean {
  if (
    e instanceof EtcdAuthenticationFailedError ||
    e instanceof EtcdPermissionDeniedError ||
    e instanceof EtcdInvalidAuthTokenError ||
    e instanceof EtcdUserNotFoundError ||
    e instanceof GRPCUnauthenticatedError
  )
    return true;
  const code = grpcCode(e);
  if (code === GRPC.PERMISSION_DENIED || code === GRPC.UNAUTHENTICATED) return true;
  return e instanceof Error && AUTH_TEXT.test(e.message);
}

function isUnreachable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (isRecoverableError(e) || isBrokenCircuit(e)) return true;
  if (e instanceof GRPCUnavailableError || e instanceof GRPCDeadlineExceededError) return true;
  const code = grpcCode(e);
  if (code === GRPC.UNAVAILABLE || code === GRPC.DEADLINE_EXCEEDED) return true;
  const errno = (e as NodeJS.ErrnoException).code;
  if (typeof errno === "string" && (NETWORK_CODES.has(errno) || TLS_TEXT.test(errno))) return true;
  return UNREACHABLE_TEXT.test(e.message);
}

function isDeadline(e: unknown): boolean {
  return (
    e instanceof GRPCDeadlineExceededError ||
    grpcCode(e) === GRPC.DEADLINE_EXCEEDED ||
    (e instanceof Error && /DEADLINE_EXCEEDED/.test(e.message))
  );
}

/** The per-host fault policy's rejection while an endpoint is skipped after a failure. */
function isBrokenCircuit(e: unknown): boolean {
  return (e as { isBrokenCircuitError?: unknown } | null)?.isBrokenCircuitError === true;
}
