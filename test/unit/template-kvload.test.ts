// loadKVFile's fast path (native JSON.parse for flat objects of clean keys) must build
// the same store as the general path, which follows confd's file backend and Go's
// decoding (and is compared with the Go oracle in test/diff).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseJSON } from "../../src/go/json.js";
import type { MemKV } from "../../src/confd/memkv.js";
import { loadKVFile, storeFromJSON } from "../../src/confd/template-file.js";

const dir = mkdtempSync(join(tmpdir(), "hecd-kvload-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function contents(kv: MemKV): [string, string][] {
  return kv.keys().map((k) => [k, kv.getv(k)]);
}

const key = fc
  .array(fc.constantFrom("/", "/", ".", "..", "a", "b", "é", "x.y", " "), { minLength: 0, maxLength: 6 })
  .map((parts) => parts.join(""));

describe("loadKVFile", () => {
  it("builds the same store as the general path for any flat object", () => {
    let n = 0;
    fc.assert(
      fc.property(fc.dictionary(key, fc.string({ maxLength: 5 }), { maxKeys: 8 }), (obj) => {
        const file = join(dir, `kv-${n++}.json`);
        const text = JSON.stringify(obj);
        writeFileSync(file, text);
        expect(contents(loadKVFile(file))).toEqual(contents(storeFromJSON(parseJSON(text))));
      }),
      { numRuns: 2000 },
    );
  });

  it("takes clean rooted keys as they are and cleans the others like confd", () => {
    const file = join(dir, "mixed.json");
    writeFileSync(file, JSON.stringify({ "/a/b": "1", "/a/./c": "2", "d//e/": "3", "/f/..": "4", "/": "5" }));
    expect(contents(loadKVFile(file))).toEqual([
      ["/", "4"], // "/f/.." cleans to "/" and comes after it in key order
      ["/a/b", "1"],
      ["/a/c", "2"],
      ["/d/e", "3"],
    ]);
  });
});
