import { execFileSync } from "node:child_process";

/** Absolute path of a required binary; throws (never skips) when it is missing. */
export function requireTool(name: string, installHint: string): string {
  try {
    return execFileSync("bash", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(`required tool '${name}' is not installed: ${installHint}`);
  }
}
