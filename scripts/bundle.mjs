// Builds what dist/cli/hecd.cjs (the `hecd` executable) runs for `hecd template`:
// dist/cli/template-bin.cjs, the template command and its engine in one CommonJS
// file, and template-bin.cjs.cache, a V8 code cache made by rendering a sample
// with this machine's node. Other commands use the ES modules tsc wrote.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import process from "node:process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "dist/cli/hecd.cjs");
const outfile = join(root, "dist/cli/template-bin.cjs");
await build({
  entryPoints: [join(root, "dist/cli/template-main.js")],
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  // big-stack.ts finds its worker next to itself: point it at the copy tsc wrote in dist/confd.
  define: { "import.meta.url": "__hecdBigStackUrl" },
  banner: {
    js: 'var __hecdBigStackUrl = require("node:url").pathToFileURL(require("node:path").join(__dirname, "../confd/big-stack.js")).href;',
  },
  // Whitespace and syntax only: names stay for stack traces; less source to pre-parse at start-up.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: "linked",
  logLevel: "warning",
});
chmodSync(bin, 0o755);

// A confd-style render (range, split, printf, base, index) warms the functions the cache should hold.
const work = mkdtempSync(join(tmpdir(), "hecd-bundle-"));
try {
  const kv = { "/app/name": "sample" };
  for (let i = 0; i < 500; i++) kv[`/app/servers/web-${i}`] = `10.0.${i >> 8}.${i & 255}:${8000 + i}`;
  writeFileSync(join(work, "kv.json"), JSON.stringify(kv));
  writeFileSync(
    join(work, "sample.tmpl"),
    '{{range gets "/app/servers/*"}}{{$p := split .Value ":"}}' +
      '{{printf "server %s %s:%s check" (base .Key) (index $p 0) (index $p 1)}}\n{{end}}{{getv "/app/name"}}\n',
  );
  execFileSync(
    process.execPath,
    [bin, "template", join(work, "sample.tmpl"), "--kv", join(work, "kv.json")],
    {
      env: { ...process.env, HECD_WRITE_CODE_CACHE: "1" },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
