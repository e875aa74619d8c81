// confd's env backend: key "/app/servers" reads every environment variable whose
// name starts with "APP_SERVERS", reported under "/" + lower(name) with "_" -> "/".
import { abortError } from "./abort.js";
import type { Backend, Revision, Snapshot } from "./types.js";

/** "/app/servers" -> "APP_SERVERS" (strip one leading "/", "/" -> "_", upper-case). */
export function envNameForKey(key: string): string {
  const k = key.startsWith("/") ? key.slice(1) : key;
  return k.replaceAll("/", "_").toUpperCase();
}

/** "APP_SERVERS_WEB1" -> "/app/servers/web1" (lower-case, "_" -> "/"). */
export function keyForEnvName(name: string): string {
  return ("/" + name).toLowerCase().replaceAll("_", "/");
}

export function envValues(
  prefixes: readonly string[],
  environment: Readonly<Record<string, string | undefined>>,
): Map<string, string> {
  const values = new Map<string, string>();
  for (const prefix of prefixes) {
    const want = envNameForKey(prefix);
    for (const [name, value] of Object.entries(environment)) {
      if (value !== undefined && name.startsWith(want)) values.set(keyForEnvName(name), value);
    }
  }
  return values;
}

export class EnvBackend implements Backend {
  readonly name = "env";
  constructor(private readonly environment: Readonly<Record<string, string | undefined>> = process.env) {}

  async getValues(prefixes: readonly string[]): Promise<Snapshot> {
    return { values: envValues(prefixes, this.environment), revision: 0n };
  }

  watch(_prefixes: readonly string[], _since: Revision, signal: AbortSignal): Promise<Revision> {
    if (signal.aborted) return Promise.reject(abortError(signal));
    return Promise.reject(
      new Error(
        "the env backend cannot watch: environment variables do not change while hecd runs; use -onetime or -interval",
      ),
    );
  }

  async close(): Promise<void> {}
}
