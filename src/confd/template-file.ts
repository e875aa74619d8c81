// Renders a template file the way confd does (and the oracle's CLI): the
// template named after its file, confd's functions over a KV store, the dot
// from optional JSON data.
import { readFileSync } from "node:fs";
import { isPlainData, renderOnBigStack } from "./big-stack.js";
import { confdFuncs, PURE_CONFD_FUNCS } from "./funcs.js";
import { StackExhaustedError, TemplateError } from "../template/errors.js";
import { GoJSONError, jsonToGo, parseJSON, type JSONNode } from "../go/json.js";
import { base as pathBase, join as pathJoin } from "../go/path.js";
import { atoi, formatFloatF } from "../go/strconv.js";
import { compareGoStrings } from "../go/sort.js";
import { MemKV } from "./memkv.js";
import { Template } from "../template/template.js";
import type { GoValue } from "../go/value.js";

/** Bad input (unreadable file, invalid JSON): not a template error. */
export class RenderInputError extends Error {
  override name = "RenderInputError";
}

export interface RenderOptions {
  /** Template name used in error messages (confd uses the base name of `src`). */
  name: string;
  text: string;
  store?: MemKV;
  /** The dot; nil (null) when absent, as in confd. */
  data?: GoValue;
  /** Variables that override process.env for getenv. */
  env?: Record<string, string>;
  /** getenv sees `env` alone, not process.env (confd's renderer passes its whole environment). */
  envOnly?: boolean;
  /** Retry a recursion too deep for this thread's stack on a big-stack thread (default true). */
  bigStack?: boolean;
}

/** Parses and executes; throws TemplateError with Go's message. */
export function renderTemplate(opts: RenderOptions): string {
  const env = opts.env;
  const store = opts.store ?? new MemKV();
  const envOnly = opts.envOnly === true;
  const funcs = confdFuncs(store, {
    getenv: (k) =>
      env !== undefined && Object.hasOwn(env, k) ? env[k] : envOnly ? undefined : process.env[k],
  });
  const data = opts.data ?? null;
  try {
    return Template.parse(opts.name, opts.text, funcs).withFastPath(PURE_CONFD_FUNCS).execute(data);
  } catch (e) {
    if (!(e instanceof StackExhaustedError) || opts.bigStack === false || !isPlainData(data)) throw e;
    const r = renderOnBigStack({
      name: opts.name,
      text: opts.text,
      pairs: store.keys().map((k) => [k, store.getv(k)]),
      data,
      ...(env ? { env } : {}),
      envOnly,
    });
    if ("out" in r) return r.out;
    if ("templateError" in r) throw new TemplateError(r.templateError);
    throw new TemplateError(`${e.message} (rendering again with a bigger stack failed: ${r.error})`);
  }
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message;
    throw new RenderInputError(`cannot read ${what} ${file}: ${why}`);
  }
}

function readJSON(file: string, what: string, hint: string, text = readText(file, what)): JSONNode {
  try {
    return parseJSON(text);
  } catch (e) {
    if (e instanceof GoJSONError)
      throw new RenderInputError(`${file}: invalid JSON in ${what}: ${e.message} (${hint})`);
    throw e;
  }
}

/** The string confd's file backend stores for a JSON scalar; null for JSON null. */
function scalarString(n: JSONNode): string | null {
  switch (n.t) {
    case "str":
      return n.v;
    case "bool":
      return String(n.v);
    case "num": {
      try {
        return String(atoi(n.text));
      } catch {
        const f = Number(n.text);
        return Number.isFinite(f) ? formatFloatF(f) : n.text;
      }
    }
    default:
      return null;
  }
}

function walkKV(n: JSONNode, prefix: string, out: Map<string, string>): void {
  if (n.t === "obj") {
    const names = [...new Map(n.v).entries()].sort(([a], [b]) => compareGoStrings(a, b));
    for (const [k, v] of names) walkKV(v, pathJoin(prefix, k), out);
  } else if (n.t === "arr") {
    n.v.forEach((el, idx) => walkKV(el, pathJoin(prefix, String(idx)), out));
  } else {
    const s = scalarString(n);
    if (s !== null) out.set(prefix, s);
  }
}

/** Fills a store from a JSON object of key -> value (nested objects/arrays flattened, keys rooted and cleaned). */
export function storeFromJSON(node: JSONNode, store = new MemKV()): MemKV {
  const flat = new Map<string, string>();
  walkKV(node, "/", flat);
  for (const [k, v] of flat) store.set(pathJoin("/", k.replace(/^\//, "")), v);
  return store;
}

const KV_HINT = 'expected an object of key -> value, e.g. {"/app/servers/web1": "10.0.0.1:8080"}';

/** Whether path.Join("/", key) leaves key unchanged: rooted, no empty, "." or ".." element. */
function isCleanRooted(k: string): boolean {
  return (
    k.length > 1 &&
    k.charCodeAt(0) === 47 &&
    k.charCodeAt(k.length - 1) !== 47 &&
    !k.includes("//") &&
    !k.includes("/./") &&
    !k.includes("/../") &&
    !k.endsWith("/.") &&
    !k.endsWith("/..")
  );
}

/**
 * The common case, a flat object of clean keys to strings, through the native
 * JSON parser. Returns null when confd's flattening or Go's decoding could
 * differ (nested values, numbers, unclean keys, surrogate escapes).
 */
function fastFlatKV(text: string): MemKV | null {
  if (/\\u[dD][89a-fA-F]/.test(text)) return null;
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return null;
  }
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return null;
  const rec = obj as Record<string, unknown>;
  const keys = Object.keys(rec);
  const values: string[] = new Array<string>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = rec[k];
    if (typeof v !== "string" || !isCleanRooted(k)) return null;
    values[i] = v;
  }
  return MemKV.fromArrays(keys, values);
}

export function loadKVFile(file: string): MemKV {
  const text = readText(file, "key/value file");
  const fast = fastFlatKV(text);
  if (fast !== null) return fast;
  const node = readJSON(file, "key/value file", KV_HINT, text);
  if (node.t !== "obj" && node.t !== "null") {
    throw new RenderInputError(
      `${file}: the key/value file must hold a JSON object, not ${node.t === "arr" ? "an array" : "a " + node.t} (${KV_HINT})`,
    );
  }
  return storeFromJSON(node);
}

export function loadDataFile(file: string): GoValue {
  const node = readJSON(file, "data file", "it must be one JSON document");
  const errs: string[] = [];
  const v = jsonToGo(node, errs);
  if (errs.length > 0) throw new RenderInputError(`${file}: ${errs[0]}`);
  return v;
}

export function loadEnvFile(file: string): Record<string, string> {
  const node = readJSON(file, "env file", 'expected an object of NAME -> value, e.g. {"HOME": "/root"}');
  if (node.t !== "obj")
    throw new RenderInputError(`${file}: the env file must hold a JSON object of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of node.v) {
    if (v.t !== "str") throw new RenderInputError(`${file}: env variable ${k} must be a string`);
    out[k] = v.v;
  }
  return out;
}

export interface RenderFileOptions {
  kvFile?: string;
  dataFile?: string;
  envFile?: string;
  /** Defaults to the base name of the template file. */
  name?: string;
}

/** Reads the inputs (throwing RenderInputError) and renders (throwing TemplateError). */
export function renderFile(templateFile: string, opts: RenderFileOptions = {}): string {
  const text = readText(templateFile, "template");
  const store = opts.kvFile !== undefined ? loadKVFile(opts.kvFile) : new MemKV();
  const data = opts.dataFile !== undefined ? loadDataFile(opts.dataFile) : null;
  const env = opts.envFile !== undefined ? loadEnvFile(opts.envFile) : undefined;
  return renderTemplate({ name: opts.name ?? pathBase(templateFile), text, store, data, env });
}
