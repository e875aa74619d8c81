/** One differential case: rendered by the Go oracle and by hecd, compared byte for byte. */
export interface DiffCase {
  /** Unique, file-name safe. */
  name: string;
  template: string;
  /** kv.json content: key -> value (nested objects/arrays are flattened like confd's file backend). */
  kv?: Record<string, unknown>;
  /** data.json content (the dot); numbers decode as float64. */
  data?: unknown;
  /** Raw data.json text, when the exact JSON spelling matters. */
  dataJSON?: string;
  /** env.json: environment variables set while rendering. */
  env?: Record<string, string>;
}

/** What a renderer produced: output, or an error message (Go's text, no trailing newline). */
export type DiffResult = { out: string } | { err: string };
