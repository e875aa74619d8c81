// Recursion deeper than this thread's stack: renderTemplate renders again on a big-stack
// thread (test/diff/corpus.ts "depth" cases compare the results with the Go oracle).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { templateFileRenderer } from "../../src/confd/render.js";
import { isPlainData } from "../../src/confd/big-stack.js";
import { StackExhaustedError, TemplateError } from "../../src/template/errors.js";
import { MemKV } from "../../src/confd/memkv.js";
import { renderTemplate } from "../../src/confd/template-file.js";
import { tagSlice } from "../../src/go/value.js";

const R =
  '{{define "r"}}{{if gt . 0}}{{template "r" (sub . 1)}}{{else}}{{getv "/k"}} {{getenv "X"}}{{end}}{{end}}';

function store(): MemKV {
  const kv = new MemKV();
  kv.set("/k", "from-kv");
  return kv;
}

describe("recursion deeper than the stack", () => {
  it("renders on a big-stack thread with the same store, data and environment", () => {
    const text = `${R}{{template "r" 4000}} {{index .list 1}}`;
    const out = renderTemplate({
      name: "t",
      text,
      store: store(),
      data: new Map([["list", ["a", "b"]]]),
      env: { X: "from-env" },
    });
    expect(out).toBe("from-kv from-env b");
  });

  it("without the retry, the stack runs out and the error reads as Go's depth error", () => {
    const text = `${R}{{template "r" 4000}}`;
    let err: unknown;
    try {
      renderTemplate({ name: "t", text, store: store(), bigStack: false });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StackExhaustedError);
    expect((err as Error).message).toContain("exceeded maximum template depth (100000)");
  });

  it("an endless recursion still ends in Go's error at depth 100000", () => {
    expect(() =>
      renderTemplate({ name: "t", text: '{{define "l"}}{{template "l" .}}{{end}}{{template "l" 1}}' }),
    ).toThrow(
      new TemplateError(
        'template: t:1:25: executing "l" at <{{template "l" .}}>: exceeded maximum template depth (100000)',
      ),
    );
  });

  it("hecd confd's renderer takes the same way, with getenv seeing its environment only", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hecd-big-stack-"));
    try {
      const src = join(dir, "deep.tmpl");
      writeFileSync(src, `${R}{{template "r" 3000}}|{{getenv "HOME"}}|`);
      const render = templateFileRenderer({ X: "confd-env" });
      expect(await render(src, new Map([["/k", "v"]]))).toBe("v confd-env||");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps values that would not survive the copy to another thread on this thread", () => {
    expect(isPlainData(new Map<string, unknown>([["a", [1, "x", null, true, 2n]]]) as never)).toBe(true);
    expect(isPlainData(tagSlice(["a"], "[]string"))).toBe(false);
    const text = `${R}{{template "r" 4000}}`;
    expect(() =>
      renderTemplate({ name: "t", text, store: store(), data: tagSlice(["a"], "[]string") }),
    ).toThrow(StackExhaustedError);
  });
});
