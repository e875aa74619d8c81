#!/usr/bin/env node
// What the `hecd` executable (bin/hecd) runs. `hecd template` is a short-lived process, so it
// runs from one bundled file compiled with a V8 code cache made at build time
// (what Node 22's module.enableCompileCache does); a missing or stale cache only
// costs speed. Every other command loads the ES module entry.
import { readFileSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { join } from "node:path";
import { Script } from "node:vm";

// Put back what bin/hecd set aside for the template command (see there).
const extraCerts = process.env.HECD_NODE_EXTRA_CA_CERTS;
if (extraCerts !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = extraCerts;
  delete process.env.HECD_NODE_EXTRA_CA_CERTS;
}

function runTemplateBundle(): void {
  const file = join(__dirname, "template-bin.cjs");
  const cacheFile = `${file}.cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(readFileSync(file, "utf8")), { filename: file, cachedData });
  if (process.env.HECD_DEBUG_CODE_CACHE === "1") {
    const state = cachedData === undefined ? "missing" : script.cachedDataRejected ? "rejected" : "used";
    process.stderr.write(`hecd: code cache ${cacheFile}: ${state}\n`);
  }
  if (process.env.HECD_WRITE_CODE_CACHE === "1") {
    // Written at exit, so the functions the run compiled are in the cache too.
    process.once("exit", () => writeFileSync(cacheFile, script.createCachedData()));
  }
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const mod = { exports: {} };
  wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, __dirname);
}

if (process.argv[2] === "template") {
  runTemplateBundle();
} else {
  import("./main.js").catch((e: unknown) => {
    process.stderr.write(`hecd: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
