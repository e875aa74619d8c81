// confd's file backend: YAML (or JSON, which is YAML) files, or directories searched
// recursively for names matching a glob; every file is flattened into one key space
// (later files win) and keys are filtered by prefix. Watch uses fs.watch on the
// directories holding the files, and only reports a change when the content changed.
import { createHash } from "node:crypto";
import { watch as fsWatch, type FSWatcher } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { type Document, Scalar, isAlias, isMap, isScalar, isSeq, parseDocument } from "yaml";
import { abortError } from "./abort.js";
import { match } from "../go/filepath.js";
import { scalarToString } from "./flatten.js";
import { matchesAnyPrefix } from "./prefixes.js";
import type { Backend, Revision, Snapshot } from "./types.js";

export interface FileBackendOptions {
  paths: readonly string[];
  /** Glob matched against file names inside directories (confd's -filter); default "*". */
  filter: string;
  /** Quiet time after the last file-system event before files are re-read. */
  debounceMs?: number;
}

interface Loaded {
  values: Map<string, string>;
  fingerprint: string;
}

const TAG_DROP = new Set(["tag:yaml.org,2002:timestamp"]);
const MAX_DEPTH = 512;

/**
 * Parses one YAML/JSON document as confd's yaml.v2 decoding sees its values (YAML 1.1:
 * yes/no are booleans, 0777 is octal) and flattens it. Map keys keep their source
 * text, so `on:` stays "on" (yaml.v2 turns it into a boolean and confd panics).
 */
export function flattenDocument(text: string, source: string, into: Map<string, string>): void {
  const doc = parseDocument(text, {
    version: "1.1",
    intAsBigInt: true,
    uniqueKeys: false,
    logLevel: "error",
    // yaml.v2 keeps timestamps and sexagesimal numbers as strings when decoding into interface{}.
    customTags: (tags) =>
      tags.filter((t) => typeof t !== "object" || !(TAG_DROP.has(t.tag) || t.format === "TIME")),
  });
  if (doc.errors.length > 0)
    throw new Error(`file backend: cannot parse ${source}: ${doc.errors[0]!.message}`);
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return;
  if (!isMap(root)) {
    throw new Error(
      `file backend: ${source} must hold a mapping at the top level (key: value), not a ${isSeq(root) ? "list" : "scalar"}`,
    );
  }
  walk(root, "/", into, doc, source, 0);
}

function walk(
  node: unknown,
  key: string,
  into: Map<string, string>,
  doc: Document,
  source: string,
  depth: number,
) {
  if (depth > MAX_DEPTH)
    throw new Error(`file backend: ${source} nests deeper than ${MAX_DEPTH} levels (alias loop?)`);
  if (isAlias(node)) return walk(node.resolve(doc), key, into, doc, source, depth + 1);
  if (isMap(node)) {
    const merges = node.items.filter((p) => isMergeKey(p.key));
    // YAML merge keys: merged maps first (earlier ones win), then the map's own keys.
    for (const m of merges) {
      const sources = isSeq(m.value) ? [...m.value.items].reverse() : [m.value];
      for (const s of sources) walk(s, key, into, doc, source, depth + 1);
    }
    for (const pair of node.items) {
      if (isMergeKey(pair.key)) continue;
      walk(pair.value, posix.join(key, keyText(pair.key)), into, doc, source, depth + 1);
    }
    return;
  }
  if (isSeq(node)) {
    node.items.forEach((item, i) => walk(item, posix.join(key, String(i)), into, doc, source, depth + 1));
    return;
  }
  if (isScalar(node)) {
    const s = scalarToString(node.value);
    if (s !== undefined) into.set(key, s);
  }
}

function isMergeKey(k: unknown): boolean {
  return isScalar(k) && k.type === Scalar.PLAIN && k.source === "<<";
}

function keyText(k: unknown): string {
  if (isScalar(k)) {
    if (k.type === Scalar.PLAIN && k.source !== undefined) return k.source;
    return scalarToString(k.value) ?? String(k.value);
  }
  return String(k);
}

export class FileBackend implements Backend {
  readonly name = "file";
  private readonly debounceMs: number;
  private revision = 0n;
  /** Content fingerprint of each revision handed out, so watch(since) can tell if files moved on. */
  private readonly fingerprints = new Map<Revision, string>();
  private readonly active = new Set<() => void>();

  constructor(private readonly opts: FileBackendOptions) {
    this.debounceMs = opts.debounceMs ?? 50;
  }

  async getValues(prefixes: readonly string[]): Promise<Snapshot> {
    const loaded = await this.load();
    const values = new Map<string, string>();
    for (const [k, v] of loaded.values) if (matchesAnyPrefix(k, prefixes)) values.set(k, v);
    return { values, revision: this.remember(loaded.fingerprint) };
  }

  watch(_prefixes: readonly string[], since: Revision, signal: AbortSignal): Promise<Revision> {
    return new Promise<Revision>((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal));
      const watchers: FSWatcher[] = [];
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (outcome: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const w of watchers) w.close();
        signal.removeEventListener("abort", onAbort);
        this.active.delete(stop);
        outcome();
      };
      const onAbort = () => finish(() => reject(abortError(signal)));
      const stop = () => finish(() => reject(new Error("file backend closed while watching")));
      signal.addEventListener("abort", onAbort, { once: true });
      this.active.add(stop);

      const check = async () => {
        try {
          const fp = await this.fingerprint();
          if (done) return;
          if (fp !== this.fingerprints.get(since)) finish(() => resolve(this.remember(fp)));
        } catch (e) {
          // A file vanished or became unreadable: that is a change; the caller's re-read reports it.
          if (!done) finish(() => resolve(this.remember(`unreadable: ${(e as Error).message}`)));
        }
      };
      const onEvent = () => {
        clearTimeout(timer);
        timer = setTimeout(() => void check(), this.debounceMs);
      };
      // Watch before comparing, so a write between getValues and here is never missed.
      this.watchedDirs()
        .then((dirs) => {
          if (done) return;
          for (const d of dirs) {
            const w = fsWatch(d, { persistent: true }, onEvent);
            w.on("error", (e) =>
              finish(() => reject(new Error(`file backend: watching ${d} failed: ${e.message}`))),
            );
            watchers.push(w);
          }
          return check();
        })
        .catch((e: unknown) => finish(() => reject(e)));
    });
  }

  async close(): Promise<void> {
    for (const stop of [...this.active]) stop();
  }

  private remember(fingerprint: string): Revision {
    if (this.fingerprints.get(this.revision) === fingerprint) return this.revision;
    this.revision += 1n;
    this.fingerprints.set(this.revision, fingerprint);
    if (this.fingerprints.size > 64) this.fingerprints.delete(this.fingerprints.keys().next().value!);
    return this.revision;
  }

  private async load(): Promise<Loaded> {
    const { texts, fingerprint } = await this.readAll();
    const values = new Map<string, string>();
    for (const [file, text] of texts) flattenDocument(text, file, values);
    return { values, fingerprint };
  }

  private async fingerprint(): Promise<string> {
    return (await this.readAll()).fingerprint;
  }

  private async readAll(): Promise<{ texts: Map<string, string>; fingerprint: string }> {
    const texts = new Map<string, string>();
    const hash = createHash("sha256");
    for (const f of await this.files()) {
      const text = await readText(f);
      texts.set(f, text);
      hash.update(f).update("\0").update(text).update("\0");
    }
    return { texts, fingerprint: hash.digest("hex") };
  }

  /** Files in confd's order: each -file in turn; directories walked in lexical order. */
  private async files(): Promise<string[]> {
    const out: string[] = [];
    for (const p of this.opts.paths) {
      const real = await resolvePath(p);
      if ((await stat(real)).isDirectory()) await this.walk(real, out);
      else out.push(real);
    }
    return out;
  }

  private async walk(dir: string, out: string[]): Promise<void> {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        await this.walk(full, out);
      } else if (match(this.opts.filter, e.name)) {
        // Like Go's filepath.Walk, symlinked directories are not descended into.
        const linkedDir = e.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isDirectory();
        if (!linkedDir) out.push(full);
      }
    }
  }

  /** Every directory whose entries can change the result: the -file dirs (recursively) and the parents of -file files. */
  private async watchedDirs(): Promise<string[]> {
    const dirs = new Set<string>();
    const addTree = async (d: string) => {
      dirs.add(d);
      for (const e of await readdir(d, { withFileTypes: true }))
        if (e.isDirectory()) await addTree(join(d, e.name));
    };
    for (const p of this.opts.paths) {
      const real = await resolvePath(p);
      if ((await stat(real)).isDirectory()) await addTree(real);
      else dirs.add(dirname(real));
    }
    return [...dirs];
  }
}

async function resolvePath(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch (e) {
    throw new Error(
      `file backend: cannot read ${p}: ${(e as Error).message}; pass -file with an existing YAML/JSON file or directory`,
      { cause: e },
    );
  }
}

async function readText(f: string): Promise<string> {
  try {
    return await readFile(f, "utf8");
  } catch (e) {
    throw new Error(`file backend: cannot read ${f}: ${(e as Error).message}`, { cause: e });
  }
}
