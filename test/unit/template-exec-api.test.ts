// The engine's public API and the parts of exec the oracle cannot reach
// (custom functions, methods, function values). Expected texts come from
// Go 1.19 running the same templates with equivalent Go functions and types.
import { describe, expect, it } from "vitest";
import { Template, type FuncMap } from "../../src/template/template.js";
import { TemplateError } from "../../src/template/errors.js";
import { execute } from "../../src/template/exec.js";
import { nilSlice } from "../../src/template/convert.js";
import {
  GoError,
  GoStruct,
  tagSlice,
  type GoFunc,
  type GoFuncValue,
  type GoValue,
} from "../../src/go/value.js";

function func(
  name: string,
  params: string[],
  call: (...a: GoValue[]) => GoValue,
  extra: Partial<GoFunc> = {},
): GoFunc {
  return { name, params, results: "value", call, ...extra };
}

function funcValue(goType: string, fn: GoFunc): GoFuncValue {
  return { kind: "func", goType, fn };
}

const plusOne = funcValue(
  "func(int) int",
  func("F", ["int"], (i) => (i as bigint) + 1n),
);

class Pt extends GoStruct {
  readonly goType = "main.Pt";
  readonly fieldNames = ["X", "F"] as const;
  constructor(
    public X: bigint,
    public F: GoFuncValue,
  ) {
    super();
  }
  override method(name: string): GoFuncValue | undefined {
    if (name === "Add")
      return funcValue(
        "func(int) int",
        func("Add", ["int"], (n) => this.X + (n as bigint)),
      );
    if (name === "Fail") {
      return funcValue(
        "func() (string, error)",
        func(
          "Fail",
          [],
          () => {
            throw new GoError("boom");
          },
          { results: "value,error" },
        ),
      );
    }
    return undefined;
  }
}

const funcs: FuncMap = {
  fail: func(
    "fail",
    [],
    () => {
      throw new GoError("it failed");
    },
    { results: "value,error" },
  ),
  panics: func("panics", [], () => {
    throw new Error("oh no");
  }),
  and: func("and", ["string", "string"], (a, b) => `${a as string}&${b as string}`),
  varf: func("varf", ["int"], (n, ...xs) => `${n as bigint} [${xs.join(" ")}]`, { variadic: "string" }),
  nilstrs: func("nilstrs", [], () => nilSlice("[]string")),
  strs: func("strs", [], () => tagSlice(["a"], "[]string")),
  mkfunc: func("mkfunc", [], () =>
    funcValue(
      "func(int) int",
      func("f", ["int"], (i) => (i as bigint) * 10n),
    ),
  ),
};

function run(text: string, data: GoValue = null): string {
  try {
    return "OUT " + Template.parse("t", text, funcs).execute(data);
  } catch (e) {
    if (e instanceof TemplateError) return "ERR " + e.message;
    throw e;
  }
}

const pt = new Pt(5n, plusOne);

describe("custom functions", () => {
  it("a returned error stops execution with `error calling`", () => {
    expect(run("a{{fail}}")).toBe(
      'ERR template: t:1:3: executing "t" at <fail>: error calling fail: it failed',
    );
  });
  it("any other exception reads like a recovered Go panic", () => {
    expect(run("{{panics}}")).toBe(
      'ERR template: t:1:2: executing "t" at <panics>: error calling panics: oh no',
    );
  });
  it("a FuncMap entry overrides a builtin of the same name (no short-circuit)", () => {
    expect(run('{{and "x" "y"}}')).toBe("OUT x&y");
  });
  it("variadic parameters", () => {
    expect(run('{{varf 1}} {{varf 1 "a" "b"}} {{"z" | varf 2}}')).toBe("OUT 1 [] 1 [a b] 2 [z]");
    expect(run("{{varf}}")).toBe(
      'ERR template: t:1:2: executing "t" at <varf>: wrong number of args for varf: want at least 1 got 0',
    );
    expect(run("{{varf 1 2}}")).toBe('ERR template: t:1:9: executing "t" at <2>: expected string; found 2');
  });
  it("function values through call", () => {
    expect(run("{{call mkfunc 3}}")).toBe("OUT 30");
  });
});

describe("nil slices", () => {
  // Go: func nilstrs() []string { return nil }
  it("print and range like empty ones but equal nil", () => {
    expect(
      run(
        "{{nilstrs}} {{len nilstrs}} {{if nilstrs}}t{{else}}f{{end}} {{range nilstrs}}x{{else}}empty{{end}}",
      ),
    ).toBe("OUT [] 0 f empty");
    expect(
      run("{{eq nilstrs nil}} {{eq nil nilstrs}} {{eq strs nil}} {{eq nilstrs nilstrs}} {{ne strs nil}}"),
    ).toBe("OUT true true false true true");
    expect(run("{{eq strs strs}}")).toBe(
      'ERR template: t:1:2: executing "t" at <eq strs strs>: error calling eq: non-comparable type [a]: []string',
    );
  });
});

describe("methods and function-valued fields", () => {
  it("calls methods with arguments and from pipelines", () => {
    expect(run("{{.Add 3}} {{.X}}", pt)).toBe("OUT 8 5");
    expect(run("{{2 | .Add}}", pt)).toBe("OUT 7");
  });
  it("converts and counts method arguments", () => {
    expect(run('{{.Add "x"}}', pt)).toBe(
      'ERR template: t:1:7: executing "t" at <"x">: expected integer; found "x"',
    );
    expect(run("{{.Add}}", pt)).toBe(
      'ERR template: t:1:2: executing "t" at <.Add>: wrong number of args for Add: want 1 got 0',
    );
    expect(run("{{.Fail}}", pt)).toBe(
      'ERR template: t:1:2: executing "t" at <.Fail>: error calling Fail: boom',
    );
  });
  it("a field with arguments is an error", () => {
    expect(run("{{.X 1}}", pt)).toBe(
      'ERR template: t:1:2: executing "t" at <.X>: X has arguments but cannot be invoked as function',
    );
  });
  it("call checks function-valued fields", () => {
    expect(run("{{call .F 4}}", pt)).toBe("OUT 5");
    expect(run('{{call .F "a"}}', pt)).toBe(
      'ERR template: t:1:2: executing "t" at <call .F "a">: error calling call: arg 0: value has type string; should be int',
    );
    expect(run("{{call .F}}", pt)).toBe(
      'ERR template: t:1:2: executing "t" at <call .F>: error calling call: wrong number of args: got 0 want 1',
    );
  });
  it("a function value cannot be printed", () => {
    expect(run("{{.F}}", pt)).toBe(
      'ERR template: t:1:2: executing "t" at <{{.F}}>: can\'t print {{.F}} of type func(int) int',
    );
  });
});

describe("Template API", () => {
  it("renders with custom delimiters", () => {
    expect(Template.parse("d", "<<.>> {{.}}", {}, { leftDelim: "<<", rightDelim: ">>" }).execute("x")).toBe(
      "x {{.}}",
    );
  });
  it("executes an associated template by name", () => {
    const t = Template.parse("main", '{{define "sub"}}[{{.}}]{{end}}main');
    expect(t.executeTemplate("sub", "v")).toBe("[v]");
    expect(t.templateNames().sort()).toEqual(["main", "sub"]);
    expect(() => t.executeTemplate("nope")).toThrow(
      'template: no template "nope" associated with template "main"',
    );
  });
  it("can execute the same template many times, each from a fresh state", () => {
    const t = Template.parse("r", "{{$x := .}}{{range .}}{{$x = .}}{{end}}{{$x}}");
    expect(t.execute([1n, 2n])).toBe("2");
    expect(t.execute([3n])).toBe("3");
  });
  it("drops partial output on an execution error", () => {
    expect(() => Template.parse("p", "lots of output {{index . 3}}").execute([])).toThrow(TemplateError);
  });
  it("reports a template without a tree as Go does", () => {
    const ctx = { lookup: () => undefined, lookupFunc: () => undefined };
    expect(() => execute({ name: "x", tree: null }, ctx, null)).toThrow(
      'template: x: "x" is an incomplete or empty template',
    );
  });
  it("rejects an invalid function name as a programming error", () => {
    expect(() => Template.parse("f", "x", { "bad-name": funcs.fail! })).toThrow(/not a valid identifier/);
  });
});
