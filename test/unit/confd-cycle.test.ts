import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { shellRunner, type CommandRunner } from "../../src/confd/command.js";
import { runCycle, type CycleDeps, type CycleOptions } from "../../src/confd/cycle.js";
import { templateFileRenderer, type Renderer } from "../../src/confd/render.js";
import type { TemplateResource } from "../../src/confd/resource.js";

// A stand-in for the template engine: the template text, then the store as key=value lines;
// a template containing FAIL fails to render.
const fakeRender: Renderer = async (src, values) => {
  const text = readFileSync(src, "utf8");
  if (text.includes("FAIL")) throw new Error(`template: ${src}: FAIL`);
  return text + [...values].map(([k, v]) => `${k}=${v}\n`).join("");
};

const root = mkdtempSync(join(tmpdir(), "hecd-confd-cycle-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dir: string;
let logs: Record<string, unknown>[];
let out: string;
let commands: string[];

function deps(run?: CommandRunner): CycleDeps {
  const real = shellRunner();
  return {
    render: fakeRender,
    renderCmd: (cmd, stage) => cmd.replaceAll("{{.src}}", stage),
    run: async (cmd) => {
      commands.push(cmd);
      return (run ?? real)(cmd);
    },
    log: pino({ level: "debug" }, { write: (s: string) => void logs.push(JSON.parse(s)) }),
    euid: process.geteuid!(),
    egid: process.getegid!(),
    out: (t) => (out += t),
  };
}

const opts: CycleOptions = { noop: false, syncOnly: false, keepStageFile: false };

function resource(name: string, extra: Partial<TemplateResource> = {}): TemplateResource {
  const src = join(dir, `${name}.tmpl`);
  if (!existsSync(src)) writeFileSync(src, `# ${name}\n`);
  return {
    file: `conf.d/${name}.toml`,
    src,
    dest: join(dir, "out", name),
    keys: ["/app"],
    prefix: "/",
    ...extra,
  };
}

const snap = (entries: Record<string, string>) => new Map(Object.entries(entries));
const stageFiles = () => readdirSync(join(dir, "out")).filter((f) => f.startsWith("."));

beforeEach(() => {
  dir = mkdtempSync(join(root, "t-"));
  mkdirSync(join(dir, "out"));
  logs = [];
  out = "";
  commands = [];
});

describe("a processing cycle", () => {
  it("creates dest with mode 0644 by default, then reports in-sync without touching it", async () => {
    const r = resource("a", { reloadCmd: "true" });
    const first = await runCycle([r], snap({ "/app/x": "1" }), opts, deps());
    expect(first.outcomes[0]).toMatchObject({ status: "updated", changes: ["missing"] });
    expect(readFileSync(r.dest, "utf8")).toBe("# a\n/app/x=1\n");
    expect(statSync(r.dest).mode & 0o7777).toBe(0o644);
    expect(first.reloads).toBe(1);
    const inode = statSync(r.dest).ino;
    const second = await runCycle([r], snap({ "/app/x": "1" }), opts, deps());
    expect(second.outcomes[0]!.status).toBe("in-sync");
    expect(second.reloads).toBe(0);
    expect(statSync(r.dest).ino).toBe(inode);
    expect(commands).toEqual(["true"]);
    expect(stageFiles()).toEqual([]);
  });

  it("replaces dest atomically (new inode) when content changes; deleted keys vanish", async () => {
    const r = resource("a");
    await runCycle([r], snap({ "/app/x": "1", "/app/y": "2" }), opts, deps());
    const inode = statSync(r.dest).ino;
    const rep = await runCycle([r], snap({ "/app/x": "1" }), opts, deps());
    expect(rep.outcomes[0]).toMatchObject({ status: "updated", changes: ["content"] });
    expect(readFileSync(r.dest, "utf8")).toBe("# a\n/app/x=1\n");
    expect(statSync(r.dest).ino).not.toBe(inode);
  });

  it("keeps an existing dest's mode when mode is unset, and fixes a drifted mode when set", async () => {
    const r = resource("a");
    writeFileSync(r.dest, "old");
    chmodSync(r.dest, 0o600);
    await runCycle([r], snap({}), opts, deps());
    expect(statSync(r.dest).mode & 0o7777).toBe(0o600);
    const m = resource("a", { mode: 0o640 });
    const rep = await runCycle([m], snap({}), opts, deps());
    expect(rep.outcomes[0]).toMatchObject({ status: "updated", changes: ["mode 0600 -> 0640"] });
    expect(statSync(r.dest).mode & 0o7777).toBe(0o640);
  });

  it("honours owner and group (chown to nobody)", async () => {
    const r = resource("a", { uid: 65534, gid: 65534 });
    await runCycle([r], snap({}), opts, deps());
    expect(statSync(r.dest)).toMatchObject({ uid: 65534, gid: 65534 });
    const back = await runCycle([resource("a")], snap({}), opts, deps());
    expect(back.outcomes[0]!.changes).toEqual([
      `uid 65534 -> ${process.geteuid!()}`,
      `gid 65534 -> ${process.getegid!()}`,
    ]);
  });

  it("runs check_cmd on the stage file; a failing check keeps the old dest and logs the output", async () => {
    const r = resource("a", {
      checkCmd: "grep -q good {{.src}} || { echo 'bad config in' {{.src}}; exit 3; }",
      reloadCmd: "echo reloaded",
    });
    writeFileSync(r.dest, "old\n");
    const rep = await runCycle([r], snap({ "/app/v": "bad" }), opts, deps());
    expect(rep.failed).toBe(true);
    expect(rep.outcomes[0]!.status).toBe("failed");
    expect(rep.outcomes[0]!.reason).toMatch(
      /check_cmd failed \(exit 3\)[\s\S]*bad config in .*\/out\/\.a\d+/,
    );
    expect(readFileSync(r.dest, "utf8")).toBe("old\n");
    expect(rep.reloads).toBe(0);
    expect(stageFiles()).toEqual([]);
    expect(logs.some((l) => l.level === 50 && String(l.msg).includes("bad config in"))).toBe(true);
    const ok = await runCycle([r], snap({ "/app/v": "good" }), opts, deps());
    expect(ok.outcomes[0]!.status).toBe("updated");
    expect(ok.reloads).toBe(1);
    expect(readFileSync(r.dest, "utf8")).toContain("/app/v=good");
  });

  it("a failing render leaves dest untouched and names the template", async () => {
    const r = resource("a");
    writeFileSync(r.dest, "old\n");
    writeFileSync(r.src, "FAIL");
    const rep = await runCycle([r], snap({}), opts, deps());
    expect(rep.outcomes[0]).toMatchObject({
      status: "failed",
      reason: expect.stringContaining(`render ${r.src} failed`),
    });
    expect(readFileSync(r.dest, "utf8")).toBe("old\n");
  });

  it("reports a missing dest directory clearly", async () => {
    const r = resource("a", { dest: join(dir, "nope", "a.cfg") });
    const rep = await runCycle([r], snap({}), opts, deps());
    expect(rep.outcomes[0]).toMatchObject({
      status: "failed",
      reason: expect.stringContaining(`destination directory ${join(dir, "nope")} does not exist`),
    });
  });

  it("swaps a reload group together and reloads once", async () => {
    const a = resource("a", { reloadCmd: "echo reload-x" });
    const b = resource("b", { reloadCmd: "echo reload-x" });
    const c = resource("c", { reloadCmd: "echo reload-y" });
    const rep = await runCycle([a, b, c], snap({ "/app/k": "1" }), opts, deps());
    expect(rep.outcomes.map((o) => o.status)).toEqual(["updated", "updated", "updated"]);
    expect(commands.sort()).toEqual(["echo reload-x", "echo reload-y"]);
    expect(rep.reloads).toBe(2);
  });

  it("never reloads a half-updated group: one failing check holds every member", async () => {
    const a = resource("a", { reloadCmd: "echo reload-x" });
    const b = resource("b", { reloadCmd: "echo reload-x", checkCmd: "false" });
    const alone = resource("c");
    const rep = await runCycle([a, b, alone], snap({ "/app/k": "1" }), opts, deps());
    expect(rep.outcomes.map((o) => [o.resource.file, o.status])).toEqual([
      ["conf.d/a.toml", "held"],
      ["conf.d/b.toml", "failed"],
      ["conf.d/c.toml", "updated"],
    ]);
    expect(existsSync(a.dest)).toBe(false);
    expect(existsSync(b.dest)).toBe(false);
    expect(commands).toEqual(["false"]);
    expect(stageFiles()).toEqual([]);
  });

  it("puts back the members already swapped in when a later member of the group cannot be", async () => {
    const a = resource("a", { reloadCmd: "echo reload-x" });
    const b = resource("b", { reloadCmd: "echo reload-x" });
    writeFileSync(a.dest, "old a\n");
    chmodSync(a.dest, 0o640);
    writeFileSync(b.dest, "old b\n");
    // The check of a (run before any swap) turns b's dest into a directory: b's rename fails.
    a.checkCmd = `rm -f ${b.dest} && mkdir -p ${b.dest}/sub`;
    const inode = statSync(a.dest).ino;
    const rep = await runCycle([a, b], snap({ "/app/k": "1" }), opts, deps());
    expect(rep.outcomes.map((o) => [o.resource.file, o.status])).toEqual([
      ["conf.d/a.toml", "held"],
      ["conf.d/b.toml", "failed"],
    ]);
    expect(rep.outcomes[0]!.reason).toContain(`put back as it was: cannot replace ${b.dest}`);
    expect(readFileSync(a.dest, "utf8")).toBe("old a\n");
    expect(statSync(a.dest).ino).toBe(inode);
    expect(statSync(a.dest).mode & 0o777).toBe(0o640);
    expect(commands).toEqual([a.checkCmd]);
    expect(rep.reloads).toBe(0);
    expect(stageFiles()).toEqual([]);
  });

  it("a dest that did not exist before the group's swap is removed again by the roll-back", async () => {
    const a = resource("a", { reloadCmd: "echo r" });
    const b = resource("b", { reloadCmd: "echo r" });
    b.checkCmd = `mkdir -p ${b.dest}/sub`;
    const rep = await runCycle([a, b], snap({}), opts, deps());
    expect(rep.outcomes.map((o) => o.status)).toEqual(["held", "failed"]);
    expect(existsSync(a.dest)).toBe(false);
    expect(stageFiles()).toEqual([]);
  });

  it("holds a group when a member fails to render", async () => {
    const a = resource("a", { reloadCmd: "echo r" });
    const b = resource("b", { reloadCmd: "echo r" });
    writeFileSync(b.src, "FAIL");
    const rep = await runCycle([a, b], snap({}), opts, deps());
    expect(rep.outcomes.map((o) => o.status)).toEqual(["held", "failed"]);
    expect(commands).toEqual([]);
  });

  it("reports a failing reload_cmd with its output", async () => {
    const r = resource("a", { reloadCmd: "echo cannot reload >&2; exit 7" });
    const rep = await runCycle([r], snap({}), opts, deps());
    expect(rep.outcomes[0]).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(/reload_cmd failed \(exit 7\)[\s\S]*cannot reload/),
    });
    expect(existsSync(r.dest)).toBe(true);
  });

  it("-sync-only writes without check or reload", async () => {
    const r = resource("a", { checkCmd: "false", reloadCmd: "false" });
    const rep = await runCycle([r], snap({}), { ...opts, syncOnly: true }, deps());
    expect(rep.outcomes[0]!.status).toBe("updated");
    expect(commands).toEqual([]);
  });

  it("-noop prints a unified diff and touches nothing", async () => {
    const r = resource("a", { reloadCmd: "echo r", mode: 0o640 });
    writeFileSync(r.dest, "# a\n/app/old=1\n");
    chmodSync(r.dest, 0o644);
    const rep = await runCycle([r], snap({ "/app/new": "2" }), { ...opts, noop: true }, deps());
    expect(rep.outcomes[0]!.status).toBe("would-update");
    expect(out).toContain(`# ${r.dest}: mode 0644 -> 0640`);
    expect(out).toContain(`--- ${r.dest}\tcurrent`);
    expect(out).toContain(`+++ ${r.dest}\trendered`);
    expect(out).toContain("-/app/old=1");
    expect(out).toContain("+/app/new=2");
    expect(readFileSync(r.dest, "utf8")).toBe("# a\n/app/old=1\n");
    expect(commands).toEqual([]);
    expect(stageFiles()).toEqual([]);
  });

  it("-keep-stage-file keeps the .<name><random> stage file", async () => {
    const r = resource("a", { checkCmd: "false" });
    await runCycle([r], snap({}), { ...opts, keepStageFile: true }, deps());
    const staged = stageFiles();
    expect(staged).toHaveLength(1);
    expect(staged[0]).toMatch(/^\.a\d{10}$/);
    expect(readFileSync(join(dir, "out", staged[0]!), "utf8")).toBe("# a\n");
  });

  it("writes the bytes Go renders, invalid UTF-8 included, and then finds dest in sync", async () => {
    const r = resource("bytes");
    // a raw 0xff in the template text, base64Decode of "\xffa", and "€" cut into two byte slices
    writeFileSync(
      r.src,
      Buffer.concat([
        Buffer.from("raw "),
        Buffer.from([0xff]),
        Buffer.from(' {{base64Decode (getv "/app/b64")}} {{slice "€" 0 2}}{{slice "€" 2}}\n'),
      ]),
    );
    const real = { ...deps(), render: templateFileRenderer({}) };
    const first = await runCycle([r], snap({ "/app/b64": "/2E=" }), opts, real);
    expect(first.outcomes[0]).toMatchObject({ status: "updated", changes: ["missing"] });
    expect(readFileSync(r.dest).toString("hex")).toBe(
      Buffer.concat([
        Buffer.from("raw "),
        Buffer.from([0xff]),
        Buffer.from(" "),
        Buffer.from([0xff]),
        Buffer.from("a "),
        Buffer.from([0xe2, 0x82, 0xac]),
        Buffer.from("\n"),
      ]).toString("hex"),
    );
    const second = await runCycle([r], snap({ "/app/b64": "/2E=" }), opts, real);
    expect(second.outcomes[0]!.status).toBe("in-sync");
  });

  it("logs which changed keys triggered an update and the render time", async () => {
    const r = resource("a");
    await runCycle([r], snap({ "/app/k": "1" }), opts, deps(), {
      added: ["/app/k", "/other"],
      changed: [],
      removed: [],
    });
    const entry = logs.find((l) => String(l.msg).includes("has been updated"));
    expect(entry).toMatchObject({ dest: r.dest, keys: { added: ["/app/k"], changed: [], removed: [] } });
    expect(typeof entry!.renderMs).toBe("number");
  });
});
