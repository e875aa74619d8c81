import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

/**
 * Runs once before all tests. Builds the Go oracle (the ground truth for the
 * template engine) and exports its path; fails loudly if it cannot.
 */
export default function setup(): void {
  const script = resolve(import.meta.dirname, "../../../shared/gotmpl-oracle/build.sh");
  const bin = execFileSync("bash", [script], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  process.env.GOTMPL_ORACLE = bin;
}
