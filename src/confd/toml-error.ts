// One message shape for TOML that does not parse: the file, line and column, the reason, the lines around it.
import { TomlError } from "smol-toml";

export function tomlErrorMessage(file: string, e: unknown): string {
  if (e instanceof TomlError) {
    const reason = e.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
    return `${file}: invalid TOML at line ${e.line}, column ${e.column}: ${reason}\n${e.codeblock.replace(/\n+$/, "")}`;
  }
  return `${file}: invalid TOML: ${(e as Error).message}`;
}
