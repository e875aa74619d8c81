// Rendering with hecd's Go text/template engine and confd's function map.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { Template } from "../template/template.js";
import { MemKV } from "./memkv.js";
import { renderTemplate } from "./template-file.js";
import { tagMap } from "../go/value.js";

/** Renders a template file against a resource's store; throws with a message to report. */
export type Renderer = (src: string, values: ReadonlyMap<string, string>) => Promise<string>;

/** Renders a check_cmd with {{.src}} bound to the staged file (confd renders it as a template). */
export type CommandRenderer = (cmd: string, stagePath: string) => string;

/** Renders with confd's functions; getenv reads `env` (the process environment by default). */
export function templateFileRenderer(env: NodeJS.ProcessEnv = process.env): Renderer {
  return (src, values) => renderTemplateFile(src, values, env);
}

async function renderTemplateFile(
  src: string,
  values: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  let text: string;
  try {
    text = await readFile(src, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      code === "ENOENT"
        ? `Missing template: ${src} (create it, or fix src: it names a file under templates/ in -confdir)`
        : `cannot read template ${src}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const store = new MemKV();
  for (const [k, v] of values) store.set(k, v);
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) vars[k] = v;
  // confd names the template after the file's base name and executes it with a nil dot.
  return renderTemplate({ name: basename(src), text, store, env: vars, envOnly: true });
}

export const renderCheckCmd: CommandRenderer = (cmd, stagePath) =>
  Template.parse("checkcmd", cmd).execute(tagMap(new Map([["src", stagePath]]), "map[string]string"));
