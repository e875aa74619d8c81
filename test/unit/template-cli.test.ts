// `hecd template FILE [--kv KV.json] [--data DATA.json]` as a real process:
// output and exit codes, Go's error text on stderr, clear input errors.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "hecd-template-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The command exactly as src/cli/main.ts registers it, without loading the other commands.
const ENTRY = `
import { Command } from "commander";
import { registerTemplate } from "./src/cli/commands/template.ts";
const program = new Command("hecd").exitOverride((e) => process.exit(e.exitCode));
registerTemplate(program);
// With -e, process.argv is [node, ...args].
await program.parseAsync(process.argv.slice(1), { from: "user" });
`;

function hecd(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", ENTRY, "--", ...args],
    {
      cwd: repo,
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const KV = file(
  "kv.json",
  JSON.stringify({
    "/app/servers/web2": "10.0.0.2:8080",
    "/app/servers/web1": "10.0.0.1:8080",
    "app//name/": "demo",
  }),
);

describe("hecd template", () => {
  it("renders with the KV store and exits 0", () => {
    const t = file(
      "haproxy.cfg.tmpl",
      '{{range gets "/app/servers/*"}}server {{base .Key}} {{.Value}} check\n{{end}}{{getv "/app/name"}}\n',
    );
    const r = hecd("template", t, "--kv", KV);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("server web1 10.0.0.1:8080 check\nserver web2 10.0.0.2:8080 check\ndemo\n");
  });

  it("writes Go's bytes to stdout, invalid UTF-8 included", () => {
    const t = file("bytes.tmpl", '{{base64Decode "/2E="}} {{slice "€" 0 2}}|{{printf "%c" 55296}}\n');
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", ENTRY, "--", "template", t],
      {
        cwd: repo,
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(0);
    // 0xff 'a', the first two bytes of "€", and U+FFFD for %c of a surrogate (as Go writes it)
    expect(r.stdout.toString("hex")).toBe("ff6120e2827cefbfbd0a");
  });

  it("uses DATA.json as the dot, numbers as float64; without it the dot is nil", () => {
    const t = file("dot.tmpl", '{{printf "%T %v" .n .n}} {{.s}}');
    const d = file("data.json", '{"n": 3, "s": "x"}');
    expect(hecd("template", t, "--data", d).stdout).toBe("float64 3 x");
    expect(hecd("template", file("nil.tmpl", '{{.}}|{{printf "%v" .}}')).stdout).toBe("<no value>|<nil>");
  });

  it("a usage error (unknown option, missing FILE) exits 2 like bad input, nothing on stdout", () => {
    const unknown = hecd("template", "--bogus", "x");
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toContain("unknown option '--bogus'");
    const missing = hecd("template");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'FILE'");
  });

  it("prints Go's parse error named after the file's base name, nothing on stdout, exit 1", () => {
    const t = file("broken.cfg.tmpl", "ok\n{{if}}");
    const r = hecd("template", t);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("template: broken.cfg.tmpl:2: missing value for if\n");
  });

  it("drops partial output on an execution error, exit 1", () => {
    const t = file("exec.tmpl", 'before {{getv "/missing"}} after');
    const r = hecd("template", t, "--kv", KV);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      'template: exec.tmpl:1:9: executing "exec.tmpl" at <getv "/missing">: error calling getv: key does not exist: /missing\n',
    );
  });

  it("names a missing template file, exit 2", () => {
    const r = hecd("template", join(dir, "nope.tmpl"));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(join(dir, "nope.tmpl"));
    expect(r.stderr).toContain("no such file");
  });

  it("names an invalid KV or data file and says what is wrong, exit 2", () => {
    const t = file("plain.tmpl", "x");
    const bad = file("bad.json", '{"a": 1,}');
    const r = hecd("template", t, "--kv", bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toContain("invalid character '}' looking for beginning of object key string");
    const arr = file("arr.json", "[1, 2]");
    const r2 = hecd("template", t, "--kv", arr);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain("must hold a JSON object");
    const r3 = hecd("template", t, "--data", file("trunc.json", '{"a": '));
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain("trunc.json");
    expect(r3.stderr).toContain("unexpected end of JSON input");
    expect(hecd("template", t, "--kv", join(dir, "missing-kv.json")).stderr).toContain("missing-kv.json");
  });

  it("--help teaches with an example", () => {
    const r = hecd("template", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: hecd template [options] <FILE>");
    expect(r.stdout).toContain("$ hecd template haproxy.tmpl --kv kv.json");
    expect(r.stdout).toContain("server web1 10.0.0.1:8080 check");
  });

  it("is registered in the real hecd entry point (src/cli/main.ts)", () => {
    const t = file("main.tmpl", '{{getv "/app/name"}} {{len (ls "/app/servers")}}');
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "template", t, "--kv", KV], {
      cwd: repo,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("demo 2");
  });

  it("the help example renders what it shows", () => {
    const kv = file(
      "example-kv.json",
      '{"/app/servers/web1": "10.0.0.1:8080", "/app/servers/web2": "10.0.0.2:8080"}',
    );
    const t = file(
      "haproxy.tmpl",
      '{{range gets "/app/servers/*"}}server {{base .Key}} {{.Value}} check\n{{end}}',
    );
    expect(hecd("template", t, "--kv", kv).stdout).toBe(
      "server web1 10.0.0.1:8080 check\nserver web2 10.0.0.2:8080 check\n",
    );
  });
});
