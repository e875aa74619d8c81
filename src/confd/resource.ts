// Template resources: conf.d/*.toml files with a [template] table, as confd reads them.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseToml } from "smol-toml";
import { tomlErrorMessage } from "./toml-error.js";
import type { Accounts } from "./accounts.js";
import { join as pathJoin } from "../go/path.js";

export interface TemplateResource {
  /** The TOML file it came from (for messages). */
  file: string;
  /** Absolute path of the template. */
  src: string;
  dest: string;
  keys: string[];
  /** Normalized prefix, always starting with "/" (confd: a global -prefix replaces it). */
  prefix: string;
  /** Permission bits; undefined keeps dest's current mode (0644 for a new file), as confd. */
  mode?: number;
  /** undefined: the process's effective uid/gid, as confd. */
  uid?: number;
  gid?: number;
  checkCmd?: string;
  reloadCmd?: string;
}

export type ResourceResult = { ok: true; resource: TemplateResource } | { ok: false; error: string };

const FIELDS = [
  "src",
  "dest",
  "keys",
  "prefix",
  "owner",
  "group",
  "uid",
  "gid",
  "mode",
  "check_cmd",
  "reload_cmd",
];

/** "0644", "644", "0o644" are all octal (confd reads "644" as decimal 644 = 01204: a bug). */
export function parseMode(text: string): number | undefined {
  const m = /^(?:0o?)?([0-7]{1,4})$/.exec(text.trim());
  if (!m) return undefined;
  return parseInt(m[1]!, 8);
}

/** The key paths fetched for a resource: path.Join(prefix, key), as confd. */
export function fetchPrefixes(r: TemplateResource): string[] {
  return r.keys.map((k) => pathJoin(r.prefix, k));
}

export interface ResourceContext {
  templateDir: string;
  globalPrefix: string;
  accounts: Accounts;
}

export function parseResource(file: string, text: string, ctx: ResourceContext): ResourceResult {
  const fail = (field: string, msg: string): ResourceResult => ({
    ok: false,
    error: `${file}: [template] ${field}: ${msg}`,
  });
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    return { ok: false, error: tomlErrorMessage(file, e) };
  }
  const t = doc.template;
  if (typeof t !== "object" || t === null || Array.isArray(t)) {
    return {
      ok: false,
      error: `${file}: missing [template] table (a resource needs [template] with src, dest and keys)`,
    };
  }
  const tbl = t as Record<string, unknown>;
  for (const k of Object.keys(tbl)) {
    if (!FIELDS.includes(k)) return fail(k, `unknown field (fields: ${FIELDS.join(", ")})`);
  }
  const optStr = (k: string): string | undefined | { bad: true } => {
    const v = tbl[k];
    if (v === undefined) return undefined;
    return typeof v === "string" ? v : { bad: true };
  };
  const strs: Record<string, string | undefined> = {};
  for (const k of ["src", "dest", "prefix", "owner", "group", "mode", "check_cmd", "reload_cmd"]) {
    const v = optStr(k);
    if (typeof v === "object") return fail(k, `want a string, e.g. ${k} = "..."`);
    strs[k] = v;
  }
  if (!strs.src)
    return fail("src", 'missing: name the template in templates/, e.g. src = "haproxy.cfg.tmpl"');
  if (!strs.dest) return fail("dest", 'missing: the file to manage, e.g. dest = "/etc/haproxy/haproxy.cfg"');
  const keysRaw = tbl.keys;
  if (keysRaw === undefined)
    return fail("keys", 'missing: the key paths to read, e.g. keys = ["/app/servers"]');
  if (!Array.isArray(keysRaw) || !keysRaw.every((k) => typeof k === "string")) {
    return fail("keys", 'want a list of strings, e.g. keys = ["/app/servers"]');
  }
  const resource: TemplateResource = {
    file,
    src: resolve(ctx.templateDir, strs.src),
    dest: strs.dest,
    keys: keysRaw as string[],
    prefix: "/",
  };
  let prefix = ctx.globalPrefix !== "" ? ctx.globalPrefix : (strs.prefix ?? "");
  if (!prefix.startsWith("/")) prefix = "/" + prefix;
  resource.prefix = prefix;
  if (strs.mode !== undefined) {
    const mode = parseMode(strs.mode);
    if (mode === undefined)
      return fail("mode", `invalid "${strs.mode}": want an octal string such as "0644"`);
    resource.mode = mode;
  }
  const id = (k: "uid" | "gid"): number | undefined | { bad: true } => {
    const v = tbl[k];
    if (v === undefined) return undefined;
    const n = typeof v === "bigint" || typeof v === "number" ? Number(v) : NaN;
    return Number.isInteger(n) && n >= 0 ? n : { bad: true };
  };
  const uid = id("uid");
  const gid = id("gid");
  if (typeof uid === "object") return fail("uid", "want a whole number >= 0");
  if (typeof gid === "object") return fail("gid", "want a whole number >= 0");
  if (strs.owner !== undefined) {
    const u = ctx.accounts.uidOf(strs.owner);
    if (u === undefined) return fail("owner", `no such user "${strs.owner}" in /etc/passwd`);
    if (uid !== undefined && uid !== u)
      return fail("owner", `user "${strs.owner}" is uid ${u} but uid = ${uid}; set one of them`);
    resource.uid = u;
  } else if (uid !== undefined) resource.uid = uid;
  if (strs.group !== undefined) {
    const g = ctx.accounts.gidOf(strs.group);
    if (g === undefined) return fail("group", `no such group "${strs.group}" in /etc/group`);
    if (gid !== undefined && gid !== g)
      return fail("group", `group "${strs.group}" is gid ${g} but gid = ${gid}; set one of them`);
    resource.gid = g;
  } else if (gid !== undefined) resource.gid = gid;
  if (strs.check_cmd) resource.checkCmd = strs.check_cmd;
  if (strs.reload_cmd) resource.reloadCmd = strs.reload_cmd;
  return { ok: true, resource };
}

function findToml(dir: string): string[] {
  const out: string[] = [];
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) out.push(...findToml(p));
    else if (ent.name.endsWith("toml")) out.push(p);
  }
  return out.sort();
}

export type ResourcesResult = { ok: true; resources: TemplateResource[] } | { ok: false; error: string };

/** Every resource under <confdir>/conf.d (recursive, as confd); all errors reported together. */
export function loadResources(confdir: string, globalPrefix: string, accounts: Accounts): ResourcesResult {
  const confDir = join(confdir, "conf.d");
  try {
    if (!statSync(confDir).isDirectory()) return { ok: false, error: `${confDir} is not a directory` };
  } catch {
    return {
      ok: false,
      error: `cannot find template resources: ${confDir} does not exist (set -confdir to the directory holding conf.d/ and templates/)`,
    };
  }
  const ctx: ResourceContext = { templateDir: join(confdir, "templates"), globalPrefix, accounts };
  const resources: TemplateResource[] = [];
  const errors: string[] = [];
  for (const file of findToml(confDir)) {
    const r = parseResource(file, readFileSync(file, "utf8"), ctx);
    if (r.ok) resources.push(r.resource);
    else errors.push(r.error);
  }
  if (errors.length > 0) return { ok: false, error: errors.join("\n") };
  if (resources.length === 0)
    return { ok: false, error: `no template resources in ${confDir}: add a *.toml with a [template] table` };
  return { ok: true, resources };
}
