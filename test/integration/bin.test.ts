// The installed executable, bin/hecd (what package.json's "bin" names and `npx hecd`
// runs) and the dist/cli/hecd.cjs it starts: the bundled template path, its code
// cache, and the hand-over to the ES module entry for every other command.
// Needs `npm run build` (npm test runs it first).
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderFile } from "../../src/confd/template-file.js";
import { VERSION } from "../../src/version.js";

const repo = resolve(import.meta.dirname, "../..");
const BIN = join(repo, "bin/hecd");
const CJS = join(repo, "dist/cli/hecd.cjs");
const dir = mkdtempSync(join(tmpdir(), "hecd-bin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function newestSource(d: string): number {
  let newest = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

beforeAll(() => {
  let built: number;
  try {
    built = statSync(CJS).mtimeMs;
  } catch {
    throw new Error(`${CJS} is missing: run \`npm run build\` first (npm test does)`);
  }
  if (built < newestSource(join(repo, "src")))
    throw new Error(`${CJS} is older than src/: run \`npm run build\` first (npm test does)`);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(bin, args, {
    cwd: dir,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function hecd(...args: string[]): Run {
  return run(BIN, args);
}

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe("bin/hecd and dist/cli/hecd.cjs", () => {
  it("renders a template exactly as the library does", () => {
    const kv: Record<string, string> = { "/app/name": "demo" };
    for (let i = 0; i < 50; i++) kv[`/app/servers/web-${i}`] = `10.0.0.${i}:${8000 + i}`;
    const kvFile = file("kv.json", JSON.stringify(kv));
    const t = file(
      "haproxy.cfg.tmpl",
      '{{range gets "/app/servers/*"}}{{$p := split .Value ":"}}' +
        '{{printf "server %s %s:%s check" (base .Key) (index $p 0) (index $p 1)}}\n{{end}}{{getv "/app/name"}}\n',
    );
    const r = hecd("template", t, "--kv", kvFile);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(renderFile(t, { kvFile }));
    expect(r.stdout).toContain("server web-7 10.0.0.7:8007 check\n");
  });

  it("runs the template command from the code cache the build made, and without it", () => {
    const t = file("cache.tmpl", '{{range gets "/a/*"}}{{base .Key}}={{.Value}};{{end}}');
    const kvFile = file("cache.json", JSON.stringify({ "/a/x": "1", "/a/y": "2" }));
    const used = run(BIN, ["template", t, "--kv", kvFile], { HECD_DEBUG_CODE_CACHE: "1" });
    expect(used.stdout).toBe("x=1;y=2;");
    expect(used.stderr).toMatch(/code cache .*template-bin\.cjs\.cache: used\n/);
    // A copy with a damaged cache, and one without: same output, only slower.
    for (const cache of ["damaged", "none"]) {
      const copy = join(dir, `bin-${cache}`);
      mkdirSync(copy);
      for (const f of ["hecd.cjs", "template-bin.cjs"])
        copyFileSync(join(repo, "dist/cli", f), join(copy, f));
      if (cache === "damaged") writeFileSync(join(copy, "template-bin.cjs.cache"), "not a code cache");
      const r = run(process.execPath, [join(copy, "hecd.cjs"), "template", t, "--kv", kvFile], {
        HECD_DEBUG_CODE_CACHE: "1",
      });
      expect(r.stdout).toBe("x=1;y=2;");
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(cache === "damaged" ? ": rejected" : ": missing");
    }
  });

  it("spares the template command the NODE_EXTRA_CA_CERTS bundle, yet templates still see the variable", () => {
    // node warns at start-up when it cannot load the bundle: the warning shows whether it tried.
    const env = { NODE_EXTRA_CA_CERTS: join(dir, "no-such-bundle.pem") };
    const t = file("env.tmpl", '{{getenv "NODE_EXTRA_CA_CERTS"}}|{{getenv "HECD_NODE_EXTRA_CA_CERTS"}}');
    const r = run(BIN, ["template", t], env);
    expect(r).toEqual({ code: 0, stdout: `${env.NODE_EXTRA_CA_CERTS}|`, stderr: "" });
    const other = run(BIN, ["--version"], env);
    expect(other.stdout.trim()).toBe(VERSION);
    expect(other.stderr).toContain("no-such-bundle.pem");
  });

  it("works through a symlink, as npm installs it", () => {
    const link = join(dir, "hecd-link");
    symlinkSync(BIN, link);
    expect(run(link, ["--version"]).stdout.trim()).toBe(VERSION);
  });

  it("renders a recursion deeper than node's default stack on a big-stack thread, as Go does", () => {
    const t = file(
      "deep.tmpl",
      '{{define "r"}}{{if gt . 0}}{{template "r" (sub . 1)}}{{end}}{{end}}{{template "r" 5000}}done',
    );
    expect(hecd("template", t)).toEqual({ code: 0, stdout: "done", stderr: "" });
  });

  it("keeps the template command's exit statuses: 1 for Go's errors, 2 for bad input", () => {
    const broken = hecd("template", file("broken.tmpl", "{{if}}"));
    expect(broken).toMatchObject({
      code: 1,
      stdout: "",
      stderr: "template: broken.tmpl:1: missing value for if\n",
    });
    const missing = hecd("template", join(dir, "nope.tmpl"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
    expect(hecd("template").code).toBe(2);
  });

  it("teaches with --help on the template command", () => {
    const r = hecd("template", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: hecd template [options] <FILE>");
    expect(r.stdout).toContain("--kv <KV.json>");
  });

  it("hands every other command to the full program", () => {
    expect(hecd("--version").stdout.trim()).toBe(VERSION);
    const help = hecd("--help");
    expect(help.code).toBe(0);
    for (const cmd of ["up", "template", "confd", "agent", "run", "stop", "scale", "ps"])
      expect(help.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, "m"));
    const bad = hecd("no-such-command");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("unknown command 'no-such-command'");
  });
});
