// etcd endpoint lists as etcdctl takes them: http(s)://host:port, comma-separated or repeated.
import { EtcdConfigError } from "./errors.js";

/**
 * Endpoints from a list, else from ETCDCTL_ENDPOINTS (comma-separated). Throws an
 * EtcdConfigError ("no-endpoint", "bad-endpoint") when there is none or one is malformed.
 */
export function resolveEndpoints(given: readonly string[] | undefined, env = process.env): string[] {
  const raw = given && given.length > 0 ? given : (env.ETCDCTL_ENDPOINTS ?? "").split(",");
  const list = raw
    .flatMap((e) => e.split(","))
    .map((e) => e.trim())
    .filter((e) => e !== "");
  if (list.length === 0) throw new EtcdConfigError("no-endpoint", [], "no etcd endpoint");
  for (const e of list) {
    if (!/^(https?:\/\/)?[^\s/]+:\d+\/?$/.test(e)) {
      throw new EtcdConfigError(
        "bad-endpoint",
        list,
        `etcd endpoint ${JSON.stringify(e)} is not of the form http(s)://host:port`,
      );
    }
  }
  return list;
}

/** Whether the endpoints use TLS; throws when they mix http and https. */
export function usesTls(endpoints: readonly string[]): boolean {
  const secure = endpoints.filter((e) => e.startsWith("https://"));
  if (secure.length > 0 && secure.length !== endpoints.length) {
    throw new EtcdConfigError(
      "mixed-schemes",
      endpoints,
      `mix of http and https endpoints (${endpoints.join(", ")}); use one scheme`,
    );
  }
  return secure.length > 0;
}
