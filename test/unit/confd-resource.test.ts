import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { systemAccounts, type Accounts } from "../../src/confd/accounts.js";
import { clean as goClean, join as goJoin } from "../../src/go/path.js";
import {
  fetchPrefixes,
  loadResources,
  parseMode,
  parseResource,
  type ResourceContext,
} from "../../src/confd/resource.js";
import { diffSnapshots, resourceValues, touches, unionPrefixes } from "../../src/confd/store.js";

const accounts: Accounts = {
  uidOf: (n) => ({ nobody: 65534, root: 0 })[n] ?? (/^\d+$/.test(n) ? Number(n) : undefined),
  gidOf: (n) => ({ nogroup: 65534, root: 0 })[n] ?? (/^\d+$/.test(n) ? Number(n) : undefined),
};
const ctx: ResourceContext = { templateDir: "/etc/confd/templates", globalPrefix: "", accounts };

const dir = mkdtempSync(join(tmpdir(), "hecd-confd-res-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("template resource TOML", () => {
  it("reads every [template] field", () => {
    const r = parseResource(
      "conf.d/x.toml",
      `[template]
src = "haproxy.cfg.tmpl"
dest = "/etc/haproxy/haproxy.cfg"
keys = ["/servers", "/config"]
prefix = "app"
owner = "nobody"
group = "nogroup"
mode = "0640"
check_cmd = "haproxy -c -f {{.src}}"
reload_cmd = "systemctl reload haproxy"
`,
      ctx,
    );
    expect(r).toEqual({
      ok: true,
      resource: {
        file: "conf.d/x.toml",
        src: "/etc/confd/templates/haproxy.cfg.tmpl",
        dest: "/etc/haproxy/haproxy.cfg",
        keys: ["/servers", "/config"],
        prefix: "/app",
        mode: 0o640,
        uid: 65534,
        gid: 65534,
        checkCmd: "haproxy -c -f {{.src}}",
        reloadCmd: "systemctl reload haproxy",
      },
    });
    if (r.ok) expect(fetchPrefixes(r.resource)).toEqual(["/app/servers", "/app/config"]);
  });

  it("reads uid/gid as numbers and lets a global prefix replace the resource's", () => {
    const r = parseResource(
      "a.toml",
      `[template]\nsrc="t"\ndest="/d"\nkeys=["/k/"]\nuid=12\ngid=34\nprefix="/own"\n`,
      { ...ctx, globalPrefix: "/global" },
    );
    expect(r).toMatchObject({ ok: true, resource: { uid: 12, gid: 34, prefix: "/global" } });
    if (r.ok) expect(fetchPrefixes(r.resource)).toEqual(["/global/k"]);
  });

  it('reads mode as octal, including "644" (confd\'s decimal reading is a bug)', () => {
    expect(parseMode("0644")).toBe(0o644);
    expect(parseMode("644")).toBe(0o644);
    expect(parseMode("0o600")).toBe(0o600);
    expect(parseMode("4755")).toBe(0o4755);
    expect(parseMode("0999")).toBeUndefined();
    expect(parseMode("rw-r--r--")).toBeUndefined();
  });

  it("names the file and the field in every validation error", () => {
    const cases: [string, string][] = [
      [`[template]\ndest="/d"\nkeys=[]`, "[template] src: missing"],
      [`[template]\nsrc="t"\nkeys=[]`, "[template] dest: missing"],
      [`[template]\nsrc="t"\ndest="/d"`, "[template] keys: missing"],
      [`[template]\nsrc="t"\ndest="/d"\nkeys="/k"`, "[template] keys: want a list"],
      [`[template]\nsrc="t"\ndest="/d"\nkeys=[]\nmode="rw"`, "[template] mode: invalid"],
      [`[template]\nsrc="t"\ndest="/d"\nkeys=[]\nmode=644`, "[template] mode: want a string"],
      [
        `[template]\nsrc="t"\ndest="/d"\nkeys=[]\nowner="nosuchuser"`,
        '[template] owner: no such user "nosuchuser"',
      ],
      [
        `[template]\nsrc="t"\ndest="/d"\nkeys=[]\ngroup="nosuchgroup"`,
        '[template] group: no such group "nosuchgroup"',
      ],
      [
        `[template]\nsrc="t"\ndest="/d"\nkeys=[]\nowner="nobody"\nuid=1`,
        '[template] owner: user "nobody" is uid 65534 but uid = 1',
      ],
      [`[template]\nsrc="t"\ndest="/d"\nkeys=[]\nuid=-1`, "[template] uid: want a whole number"],
      [`[template]\nsrc="t"\ndest="/d"\nkeys=[]\nreload="x"`, "[template] reload: unknown field"],
      [`src="t"`, "missing [template] table"],
      [`[template`, "invalid TOML"],
    ];
    for (const [text, msg] of cases) {
      const r = parseResource("conf.d/bad.toml", text, ctx);
      expect(r.ok, text).toBe(false);
      if (!r.ok) {
        expect(r.error).toContain("conf.d/bad.toml: ");
        expect(r.error).toContain(msg);
      }
    }
  });

  it("loads conf.d recursively and reports all bad files together", () => {
    const c = join(dir, "confd1");
    mkdirSync(join(c, "conf.d", "sub"), { recursive: true });
    writeFileSync(join(c, "conf.d", "a.toml"), `[template]\nsrc="a.tmpl"\ndest="/tmp/a"\nkeys=["/a"]\n`);
    writeFileSync(
      join(c, "conf.d", "sub", "b.toml"),
      `[template]\nsrc="b.tmpl"\ndest="/tmp/b"\nkeys=["/b"]\n`,
    );
    writeFileSync(join(c, "conf.d", "README"), "not a resource");
    const ok = loadResources(c, "", systemAccounts());
    expect(ok.ok && ok.resources.map((r) => r.src)).toEqual([
      join(c, "templates", "a.tmpl"),
      join(c, "templates", "b.tmpl"),
    ]);
    writeFileSync(join(c, "conf.d", "c.toml"), `[template]\nsrc="c"\n`);
    writeFileSync(join(c, "conf.d", "d.toml"), `[template]\ndest="/x"\n`);
    const bad = loadResources(c, "", systemAccounts());
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.split("\n")).toHaveLength(2);
    expect(loadResources(join(dir, "absent"), "", systemAccounts())).toMatchObject({
      ok: false,
      error: expect.stringContaining("-confdir"),
    });
  });

  it("resolves names from /etc/passwd and /etc/group", () => {
    const a = systemAccounts();
    expect(a.uidOf("root")).toBe(0);
    expect(a.gidOf("root")).toBe(0);
    expect(a.uidOf("nobody")).toBe(65534);
    expect(a.uidOf("1234")).toBe(1234);
    expect(a.uidOf("no-such-user-hecd")).toBeUndefined();
  });
});

describe("the store a template sees", () => {
  const res = (prefix: string, keys: string[]) => {
    const r = parseResource(
      "r.toml",
      `[template]\nsrc="t"\ndest="/d"\nkeys=${JSON.stringify(keys)}\nprefix="${prefix}"`,
      ctx,
    );
    if (!r.ok) throw new Error(r.error);
    return r.resource;
  };
  const snapshot = new Map([
    ["/app/servers/a", "1.1.1.1:80"],
    ["/app/servers/b", "2.2.2.2:80"],
    ["/app/serversX/c", "other"],
    ["/app/config/maxconn", "100"],
    ["/other/x", "y"],
  ]);

  it("strips the prefix: keys start with / relative to the prefix (confd 0.16)", () => {
    expect(resourceValues(res("/app", ["/servers"]), snapshot)).toEqual(
      new Map([
        ["/servers/a", "1.1.1.1:80"],
        ["/servers/b", "2.2.2.2:80"],
      ]),
    );
    expect(resourceValues(res("app", ["servers", "config"]), snapshot).get("/config/maxconn")).toBe("100");
  });

  it("keeps full keys without a prefix", () => {
    expect([...resourceValues(res("", ["/app/servers"]), snapshot).keys()]).toEqual([
      "/app/servers/a",
      "/app/servers/b",
    ]);
    expect(resourceValues(res("", ["/"]), snapshot).size).toBe(5);
  });

  it("reads each prefix once", () => {
    expect(unionPrefixes([res("/app", ["/servers", "/"]), res("", ["/other", "/app/config"])])).toEqual([
      "/app",
      "/other",
    ]);
  });

  it("diffs snapshots to name the keys that changed", () => {
    const after = new Map(snapshot);
    after.delete("/app/servers/a");
    after.set("/app/servers/b", "3.3.3.3:80");
    after.set("/app/servers/z", "4.4.4.4:80");
    const c = diffSnapshots(snapshot, after);
    expect(c).toEqual({
      added: ["/app/servers/z"],
      changed: ["/app/servers/b"],
      removed: ["/app/servers/a"],
    });
    expect(touches(res("/app", ["/servers"]), c)).toBe(true);
    expect(touches(res("/app", ["/config"]), c)).toBe(false);
  });

  it("cleans paths like Go's path package", () => {
    expect(goJoin("/app", "/servers/")).toBe("/app/servers");
    expect(goJoin("/", "")).toBe("/");
    expect(goJoin("/app", "../x")).toBe("/x");
    expect(goClean("a//b/./c/..")).toBe("a/b");
    expect(goClean("")).toBe(".");
  });
});

describe("examples/haproxy", () => {
  it("holds a valid resource for the seed architecture", () => {
    const file = join(import.meta.dirname, "../../examples/haproxy/conf.d/haproxy.toml");
    const r = parseResource(file, readFileSync(file, "utf8"), { ...ctx, accounts: systemAccounts() });
    expect(r).toMatchObject({
      ok: true,
      resource: {
        dest: "/etc/haproxy/haproxy.cfg",
        keys: ["/app/servers"],
        checkCmd: "haproxy -c -f {{.src}}",
        mode: 0o644,
        uid: 0,
        gid: 0,
      },
    });
  });
});
