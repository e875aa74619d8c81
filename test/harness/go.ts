import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTool } from "./tools.js";

/** Runs a one-file Go program with this machine's Go toolchain and returns its stdout. */
export function runGoProgram(source: string): string {
  const go = requireTool("go", "apt-get install -y golang-go");
  const dir = mkdtempSync(join(tmpdir(), "hecd-go-"));
  try {
    writeFileSync(join(dir, "main.go"), source);
    return execFileSync(go, ["run", "main.go"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, GO111MODULE: "off" },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
