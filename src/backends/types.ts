// The one interface every key/value source implements (confd's StoreClient).
// Keys are absolute paths ("/app/servers/web1"); values are strings.

/** Opaque position in the backend's change history (etcd revision, v2 index, a counter). */
export type Revision = bigint;

export interface Snapshot {
  /** Every key at or below any of the requested prefixes (recursive), with its value. */
  values: Map<string, string>;
  /** The revision this snapshot reflects; watch from here to miss nothing. */
  revision: Revision;
}

export interface Backend {
  readonly name: string;
  /** Reads everything under the given prefixes in one consistent view. */
  getValues(prefixes: readonly string[]): Promise<Snapshot>;
  /**
   * Resolves with a newer revision as soon as anything under the prefixes changed
   * after `since`. Survives disconnects and compactions (then it resolves at once so
   * the caller re-reads everything). Rejects with an AbortError when `signal` aborts.
   * Backends that cannot watch (env) reject with a clear error.
   */
  watch(prefixes: readonly string[], since: Revision, signal: AbortSignal): Promise<Revision>;
  close(): Promise<void>;
}
