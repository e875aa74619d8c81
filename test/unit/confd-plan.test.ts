import { describe, expect, it } from "vitest";
import { decideGroup, groupByReload } from "../../src/confd/plan.js";
import type { TemplateResource } from "../../src/confd/resource.js";

const r = (file: string, reloadCmd?: string): TemplateResource => ({
  file,
  src: "/t",
  dest: `/d/${file}`,
  keys: [],
  prefix: "/",
  ...(reloadCmd ? { reloadCmd } : {}),
});

describe("grouping by reload_cmd", () => {
  it("puts resources sharing a reload_cmd together and keeps others apart", () => {
    const groups = groupByReload([
      r("a", "reload-x"),
      r("b"),
      r("c", "reload-x"),
      r("d", "reload-y"),
      r("e"),
    ]);
    expect(groups.map((g) => [g.reloadCmd, g.members.map((m) => m.file)])).toEqual([
      ["reload-x", ["a", "c"]],
      [undefined, ["b"]],
      ["reload-y", ["d"]],
      [undefined, ["e"]],
    ]);
  });

  it("applies and reloads only when something changed and nothing failed", () => {
    expect(decideGroup([{ file: "a", state: "in-sync" }], "x", false)).toEqual({ action: "nothing" });
    expect(
      decideGroup(
        [
          { file: "a", state: "changed" },
          { file: "b", state: "in-sync" },
        ],
        "x",
        false,
      ),
    ).toEqual({ action: "apply", reload: true });
    expect(
      decideGroup(
        [
          { file: "a", state: "changed" },
          { file: "b", state: "failed" },
        ],
        "x",
        false,
      ),
    ).toEqual({ action: "hold", because: ["b"] });
    expect(decideGroup([{ file: "a", state: "changed" }], "x", true)).toEqual({
      action: "apply",
      reload: false,
    });
    expect(decideGroup([{ file: "a", state: "changed" }], undefined, false)).toEqual({
      action: "apply",
      reload: false,
    });
  });
});
