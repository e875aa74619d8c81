// Warnings and refusals of the route model, as typed values: callers log them, count them in
// a metric and show them in `hecd routes`; tests pin them by code.

export type RoutingCode =
  /** `hecd.service` / SERVICE_NAME is not a valid service name. */
  | "bad-service"
  /** A host name is not RFC 1123 (optionally with a leading "*."). */
  | "bad-host"
  /** A path is not "/" followed by URL-safe characters. */
  | "bad-path"
  /** A port is not an integer in 1..65535. */
  | "bad-port"
  /** hecd.check.*, hecd.balance, hecd.sticky or hecd.maxconn has a value outside what is supported. */
  | "bad-option"
  /** A Traefik rule uses a matcher or operator outside the supported subset. */
  | "unsupported-rule"
  /** A Traefik rule does not parse. */
  | "rule-syntax"
  /** A Traefik rule can match nothing (e.g. two different Host()s joined by &&). */
  | "rule-matches-nothing"
  /** A Traefik rule expands to more host x path pairs than hecd routes for one container. */
  | "rule-too-large"
  /** `traefik.enable=false` while other route labels are set: those are ignored. */
  | "disabled"
  /** Route labels in more than one spelling disagree; the higher-precedence spelling wins. */
  | "spelling-shadowed"
  /** Traefik labels give more than one server port. */
  | "port-ambiguous"
  /** Replicas of one service disagree on routes or options; the newest container wins. */
  | "replica-conflict"
  /** Two services claim the same host and path; the earlier claim keeps it. */
  | "route-conflict"
  /** Two services claim the same TCP port; the earlier claim keeps it. */
  | "tcp-port-conflict";

export interface RoutingWarning {
  readonly code: RoutingCode;
  /** Written for operators: names the container, the label and the fix. */
  readonly message: string;
  /** The container whose label is at fault (single-container warnings). */
  readonly container?: string;
  /** Every container involved (replica conflicts). */
  readonly containers?: readonly string[];
  /** The label (or environment variable) at fault. */
  readonly label?: string;
  /** The service(s) involved. */
  readonly services?: readonly string[];
}

/** How a label was given, for messages: `label hecd.http.host` or `env VIRTUAL_HOST`. */
export function describeSource(label: string, fromEnv: boolean): string {
  return fromEnv ? `env ${label}` : `label ${label}`;
}

/** JSON-quotes a value so control characters and spaces are visible in a log line. */
export function quote(value: string): string {
  const q = JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}...` : value);
  return q;
}
