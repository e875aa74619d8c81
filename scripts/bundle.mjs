// Bundles the `hecd` executable (dist/cli/hecd.cjs) from the compiled dist/cli/bin.js:
// one CommonJS file with the template command and its engine, so `hecd template`
// starts without an ES module graph to resolve. Other commands load dist/cli/main.js.
import { chmodSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "dist/cli/hecd.cjs");
await build({
  entryPoints: [join(root, "dist/cli/bin.js")],
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  // The ES module entry of the other commands is loaded at run time, next to this file.
  external: ["./main.js"],
  banner: { js: "#!/usr/bin/env node" },
  sourcemap: "linked",
  logLevel: "warning",
});
chmodSync(outfile, 0o755);
