// The public face of the engine: Go's template.New(name).Funcs(funcs).Parse(text)
// and Execute, rendering into a string.

import { BUILTINS } from "./builtins.js";
import { compileTree, type CompiledTemplate } from "./compile.js";
import { TemplateError } from "./errors.js";
import { execute, type ExecContext, type ResolvedFunc, type TemplateEntry } from "./exec.js";
import type { Tree } from "./parse/node.js";
import { isGoodFuncName } from "../go/unicode.js";
import { quote as goQuote } from "../go/fmt-quote.js";
import { parse } from "./parse/parse.js";
import type { GoFunc, GoValue } from "../go/value.js";

export type FuncMap = Record<string, GoFunc>;

export interface ParseSettings {
  /** Action delimiters (Go's Delims); empty means the default `{{` / `}}`. */
  leftDelim?: string;
  rightDelim?: string;
}

export class Template implements ExecContext {
  readonly funcs: ReadonlyMap<string, GoFunc>;

  private readonly entries = new Map<string, TemplateEntry>();
  private readonly resolved = new Map<string, ResolvedFunc>();
  private pure: ReadonlySet<string> | null = null;
  private fast: CompiledTemplate | null | undefined;

  private constructor(
    readonly name: string,
    trees: ReadonlyMap<string, Tree>,
    funcs: ReadonlyMap<string, GoFunc>,
  ) {
    this.funcs = funcs;
    for (const [n, tree] of trees) this.entries.set(n, { name: n, tree });
    for (const [n, f] of BUILTINS) this.resolved.set(n, { fn: f, builtin: true });
    for (const [n, f] of funcs) this.resolved.set(n, { fn: f, builtin: false });
  }

  /** Go's template.New(name).Funcs(funcs).Parse(text). Throws TemplateError (Go's message). */
  static parse(name: string, text: string, funcs: FuncMap = {}, settings: ParseSettings = {}): Template {
    const fm = new Map<string, GoFunc>();
    for (const [fname, f] of Object.entries(funcs)) {
      // Go's Funcs panics on these; they are programming errors, not template errors.
      if (!isGoodFuncName(fname))
        throw new Error(`function name ${JSON.stringify(fname)} is not a valid identifier`);
      fm.set(fname, f);
    }
    const names = new Set<string>([...BUILTINS.keys(), ...fm.keys()]);
    const trees = parse(name, text, {
      funcs: names,
      leftDelim: settings.leftDelim,
      rightDelim: settings.rightDelim,
    });
    return new Template(name, trees, fm);
  }

  /** Names of the templates defined in this set (the top-level one included). */
  templateNames(): string[] {
    return [...this.entries.keys()];
  }

  lookupFunc(name: string): ResolvedFunc | undefined {
    return this.resolved.get(name);
  }

  lookup(name: string): TemplateEntry | undefined {
    return this.entries.get(name);
  }

  /**
   * Lets execute() try a compiled fast path first (see compile.ts). `pure` names
   * the functions of the map that have no side effects: when the fast path gives
   * up, the interpreter renders from scratch and may call them again.
   */
  withFastPath(pure: ReadonlySet<string>): this {
    this.pure = pure;
    this.fast = undefined;
    return this;
  }

  /** Go's Execute(w, data) into a string; on error throws TemplateError with Go's message and no partial output. */
  execute(data: GoValue = null): string {
    const entry = this.lookup(this.name) ?? { name: this.name, tree: null };
    if (this.pure !== null && entry.tree !== null) {
      if (this.fast === undefined) this.fast = compileTree(entry.tree, this, this.pure);
      const out = this.fast?.(data);
      if (out !== undefined) return out;
    }
    return execute(entry, this, data);
  }

  /** Go's ExecuteTemplate: runs the associated template called `name`. */
  executeTemplate(name: string, data: GoValue = null): string {
    const entry = this.lookup(name);
    if (entry === undefined) {
      throw new TemplateError(
        `template: no template ${goQuote(name)} associated with template ${goQuote(this.name)}`,
      );
    }
    return execute(entry, this, data);
  }
}
