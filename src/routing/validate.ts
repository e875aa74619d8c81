// The one gate for values that may reach an HAProxy config, a map file or the runtime API.
// Accepted values contain only characters from small allow-lists (no space, quote, "#",
// ";", backslash, newline or control character can pass), so they can be written into a
// config line or a runtime command verbatim.
import { parseGoDuration } from "../confd/duration.js";
import { BALANCES, type Balance } from "./types.js";

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const no = <T>(reason: string): Checked<T> => ({ ok: false, reason });

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Host names: RFC 1123 labels, lower-cased, with an optional leading "*." (wildcard). */
export function checkHost(raw: string): Checked<string> {
  const hint =
    'use a DNS name such as "shop.example.com" or a wildcard "*.example.com" (letters, digits, "-")';
  // ASCII first: a few non-ASCII letters lower-case to ASCII ones (U+212A KELVIN SIGN -> "k").
  if (!/^[\x21-\x7e]*$/.test(raw)) return no(`contains a space, control or non-ASCII character; ${hint}`);
  const host = raw.toLowerCase();
  if (host === "") return no(`is empty; ${hint}`);
  if (host.length > 253) return no(`is longer than 253 characters; ${hint}`);
  const wildcard = host.startsWith("*.");
  const labels = (wildcard ? host.slice(2) : host).split(".");
  if (!labels.every((l) => LABEL.test(l))) {
    if (host.startsWith("~")) return no(`is a regular expression, which hecd does not route; ${hint}`);
    if (/:\d*$/.test(host)) return no(`carries a port; give the port with hecd.port and ${hint}`);
    return no(`is not a host name; ${hint}`);
  }
  return ok(host);
}

// RFC 3986 unreserved and sub-delimiters, ":" and "@", less the quote and ";"; "%" only as %XX.
const PATH = /^\/(?:[A-Za-z0-9._~!$&()*+,=:@/-]|%[0-9A-Fa-f]{2})*$/;

/** Path prefixes: "/" followed by URL-safe characters. */
export function checkPath(raw: string): Checked<string> {
  const hint =
    'use "/" followed by letters, digits and - . _ ~ ! $ & ( ) * + , = : @ / (or %XX escapes), e.g. "/api"';
  if (raw === "") return no(`is empty; ${hint}`);
  if (raw.length > 1024) return no(`is longer than 1024 characters; ${hint}`);
  if (!raw.startsWith("/")) return no(`does not start with "/"; ${hint}`);
  if (!PATH.test(raw)) return no(`contains a character that is not allowed in a path prefix; ${hint}`);
  return ok(raw);
}

/** Ports: decimal 1..65535; a "/tcp" suffix is accepted (Docker's spelling). */
export function checkPort(raw: string): Checked<number> {
  const m = /^(\d{1,5})(?:\/tcp)?$/.exec(raw);
  const n = m ? Number(m[1]) : NaN;
  if (!m || n < 1 || n > 65535) return no("is not a port: use a number in 1..65535 (e.g. 8080)");
  return ok(n);
}

const MAX_INTERVAL_MS = 24 * 3_600_000;

/** Go-style durations ("2s", "500ms", "1m30s") in whole milliseconds, 1 ms..24 h. */
export function checkInterval(raw: string): Checked<number> {
  const hint = "use a Go duration of whole milliseconds between 1ms and 24h, e.g. 2s or 500ms";
  if (!/^[0-9.a-zµμ]+$/.test(raw)) return no(`is not a duration; ${hint}`);
  const d = parseGoDuration(raw);
  if ("error" in d) return no(`is not a duration; ${hint}`);
  if (!Number.isInteger(d.ms) || d.ms < 1 || d.ms > MAX_INTERVAL_MS) return no(`is out of range; ${hint}`);
  return ok(d.ms);
}

export function checkBalance(raw: string): Checked<Balance> {
  const v = raw.toLowerCase();
  if ((BALANCES as readonly string[]).includes(v)) return ok(v as Balance);
  return no(`is not a supported balance algorithm: use one of ${BALANCES.join(", ")}`);
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

export function checkBool(raw: string): Checked<boolean> {
  const v = raw.toLowerCase();
  if (TRUE.has(v)) return ok(true);
  if (FALSE.has(v)) return ok(false);
  return no("is not a boolean: use true or false");
}

const MAX_MAXCONN = 1_000_000;

export function checkMaxconn(raw: string): Checked<number> {
  const n = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_MAXCONN)) return no(`is not a positive integer up to ${MAX_MAXCONN}`);
  return ok(n);
}

// The registry's key element rule, so a service name is also a valid etcd key segment and,
// behind "svc_", a valid HAProxy backend name.
const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function checkService(raw: string): Checked<string> {
  const hint = 'use letters, digits, "_", "." and "-", starting with a letter or digit (e.g. "web")';
  if (raw === "") return no(`is empty; ${hint}`);
  if (raw.length > 200) return no(`is longer than 200 characters; ${hint}`);
  if (!SERVICE.test(raw)) return no(`is not a service name; ${hint}`);
  return ok(raw);
}
