// The flag wording of etcd errors: the typed errors of src/etcd/ say what happened, these
// say which flag fixes it. confd's flags are Go-style (-node); the other commands' are
// --etcd and friends.
import { EtcdAuthError, EtcdConfigError, EtcdUnreachableError, type EtcdError } from "../etcd/index.js";

/** `hecd confd`'s wording (-node, -client-ca-keys, -username). */
export function confdEtcdHint(e: EtcdError, backend: "etcdv3" | "etcd"): string {
  const text = e.plainMessage;
  if (e instanceof EtcdUnreachableError) {
    return e.tls
      ? `${text}; check -client-ca-keys, -client-cert and -client-key (and -scheme https)`
      : `${text}; is etcd running? pass -node`;
  }
  if (e instanceof EtcdAuthError) {
    const flags = backend === "etcd" ? "-basic-auth -username and -password" : "-username and -password";
    return `${text}; pass ${flags} for a user allowed to read these keys`;
  }
  if (e instanceof EtcdConfigError && e.problem === "mixed-schemes") return `-node: ${text}`;
  return text;
}

/** The wording of the commands that take --etcd (agent, run, stop, scale, ps, up). */
export function etcdFlagHint(e: EtcdError): string {
  const text = e.plainMessage;
  if (e instanceof EtcdUnreachableError && e.source !== undefined) {
    return `${text}; is etcd running there? Pass --etcd http://HOST:2379 (or set ETCDCTL_ENDPOINTS), or start a stack with \`hecd up\``;
  }
  if (e instanceof EtcdAuthError) return `${text} (check --etcd-user)`;
  if (e instanceof EtcdConfigError) {
    switch (e.problem) {
      case "no-endpoint":
        return `${text}: pass --etcd http://HOST:2379 (repeatable) or set ETCDCTL_ENDPOINTS`;
      case "mixed-schemes":
        return `--etcd: ${text}`;
      case "https-without-ca":
        return `${text}: pass --etcd-cacert FILE`;
      case "cert-without-key":
        return "etcd client TLS needs both --etcd-cert and --etcd-key";
      case "no-user":
        return `${text} (--etcd-user NAME:PASSWORD)`;
      default:
        return text;
    }
  }
  return text;
}

/** `hecd up --etcd URL` when that etcd cannot be used: the stack could start its own instead. */
export function upGivenEtcdHint(e: EtcdError): string {
  if (e instanceof EtcdConfigError) return etcdFlagHint(e);
  return (
    `cannot use the etcd given with --etcd: ${e.plainMessage}; ` +
    "is etcd running there? Fix --etcd, or leave it out and `hecd up` starts its own etcd"
  );
}
