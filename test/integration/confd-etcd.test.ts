import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CycleReport } from "../../src/confd/cycle.js";
import { startEtcd, type EtcdServer } from "../harness/etcd.js";
import { confdInProcess, confdProcess, eventually, makeConfdir, v2del, v2put } from "./confd-helpers.js";

let etcd: EtcdServer;
let client: Etcd3;
const dirs: string[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
});
afterAll(async () => {
  client?.close();
  await etcd?.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const LIST_TMPL = `{{range gets "/servers/*"}}{{base .Key}}={{.Value}}\n{{end}}`;

function confdir(toml: string, tmpl = LIST_TMPL, name = "app"): string {
  const d = makeConfdir([{ name, toml, tmpl }]);
  dirs.push(d);
  return d;
}
const read = (p: string) => (existsSync(p) ? readFileSync(p, "utf8") : undefined);
const lines = (p: string) => (read(p) ?? "").split("\n").filter(Boolean);

describe("hecd confd with etcd v3", () => {
  it("renders keys relative to the prefix, in-process and as a process", async () => {
    await client.put("/v3a/servers/web1").value("10.0.0.1:80");
    await client.put("/v3a/servers/web2").value("10.0.0.2:80");
    await client.put("/v3a/other/x").value("not mine");
    const d = confdir(
      `[template]\nsrc = "app.tmpl"\ndest = "{{DIR}}/out/app.cfg"\nkeys = ["/servers"]\nprefix = "/v3a"\n`,
    );
    const r = await confdInProcess(["-onetime", "-backend", "etcdv3", "-node", etcd.endpoint, "-confdir", d]);
    expect(r.code, r.stderr).toBe(0);
    expect(read(join(d, "out/app.cfg"))).toBe("web1=10.0.0.1:80\nweb2=10.0.0.2:80\n");

    await client.put("/v3a/servers/web3").value("10.0.0.3:80");
    const p = await confdProcess([
      "--onetime",
      "--backend=etcdv3",
      `-node=${etcd.endpoint}`,
      "-confdir",
      d,
      "-log-level",
      "debug",
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect(read(join(d, "out/app.cfg"))).toBe("web1=10.0.0.1:80\nweb2=10.0.0.2:80\nweb3=10.0.0.3:80\n");
    expect(p.logs.some((l) => String(l.msg).includes("has been updated"))).toBe(true);
  });

  it("a global -prefix replaces the resource's prefix", async () => {
    await client.put("/v3g/servers/a").value("1.1.1.1:1");
    const d = confdir(
      `[template]\nsrc = "app.tmpl"\ndest = "{{DIR}}/out/app.cfg"\nkeys = ["/servers"]\nprefix = "/ignored"\n`,
    );
    const r = await confdInProcess([
      "-onetime",
      "-backend",
      "etcdv3",
      "-node",
      etcd.endpoint,
      "-confdir",
      d,
      "-prefix",
      "v3g",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(read(join(d, "out/app.cfg"))).toBe("a=1.1.1.1:1\n");
  });

  it("honours every TOML field: keys, prefix, owner, group, uid/gid, mode, check_cmd, reload_cmd", async () => {
    await client.put("/v3f/servers/a").value("1");
    await client.put("/v3f/conf/maxconn").value("99");
    const d = confdir(
      `[template]
src = "app.tmpl"
dest = "{{DIR}}/out/app.cfg"
keys = ["/servers", "/conf"]
prefix = "/v3f"
owner = "nobody"
group = "nogroup"
mode = "640"
check_cmd = "echo {{.src}} >> {{DIR}}/checked; grep -q maxconn {{.src}}"
reload_cmd = "echo reload >> {{DIR}}/reloads"
`,
      `maxconn {{getv "/conf/maxconn"}}\n` + LIST_TMPL,
    );
    const args = ["-onetime", "-backend", "etcdv3", "-node", etcd.endpoint, "-confdir", d];
    expect((await confdInProcess(args)).code).toBe(0);
    const dest = join(d, "out/app.cfg");
    expect(read(dest)).toBe("maxconn 99\na=1\n");
    expect(statSync(dest).mode & 0o7777).toBe(0o640);
    expect(statSync(dest)).toMatchObject({ uid: 65534, gid: 65534 });
    expect(lines(join(d, "checked"))).toHaveLength(1);
    expect(lines(join(d, "checked"))[0]).toMatch(new RegExp(`^${d}/out/\\.app\\.cfg\\d+$`));
    expect(lines(join(d, "reloads"))).toEqual(["reload"]);

    // Nothing changed: no check, no reload, same file.
    const ino = statSync(dest).ino;
    expect((await confdInProcess(args)).code).toBe(0);
    expect(lines(join(d, "reloads"))).toEqual(["reload"]);
    expect(lines(join(d, "checked"))).toHaveLength(1);
    expect(statSync(dest).ino).toBe(ino);

    // uid/gid numbers instead of names; mode drift is repaired.
    writeFileSync(
      join(d, "conf.d/app.toml"),
      readFileSync(join(d, "conf.d/app.toml"), "utf8").replace(
        'owner = "nobody"\ngroup = "nogroup"',
        "uid = 1\ngid = 2",
      ),
    );
    expect((await confdInProcess(args)).code).toBe(0);
    expect(statSync(dest)).toMatchObject({ uid: 1, gid: 2 });
    expect(lines(join(d, "reloads"))).toEqual(["reload", "reload"]);
  });

  it("a failing check keeps the old file, exits 1, and the next run applies a fixed value", async () => {
    await client.put("/v3c/servers/a").value("good");
    const d = confdir(
      `[template]\nsrc = "app.tmpl"\ndest = "{{DIR}}/out/app.cfg"\nkeys = ["/servers"]\nprefix = "/v3c"\ncheck_cmd = "! grep -q bad {{.src}} || { echo found a bad value; exit 1; }"\nreload_cmd = "echo reload >> {{DIR}}/reloads"\n`,
    );
    const args = ["-onetime", "-backend", "etcdv3", "-node", etcd.endpoint, "-confdir", d];
    expect((await confdInProcess(args)).code).toBe(0);
    await client.put("/v3c/servers/a").value("bad");
    const failed = await confdInProcess(args);
    expect(failed.code).toBe(1);
    expect(read(join(d, "out/app.cfg"))).toBe("a=good\n");
    expect(failed.logs.some((l) => l.level === 50 && String(l.msg).includes("found a bad value"))).toBe(true);
    expect(readdirSync(join(d, "out"))).toEqual(["app.cfg"]);
    expect(lines(join(d, "reloads"))).toEqual(["reload"]);
    await client.put("/v3c/servers/a").value("fixed");
    expect((await confdInProcess(args)).code).toBe(0);
    expect(read(join(d, "out/app.cfg"))).toBe("a=fixed\n");
    expect(lines(join(d, "reloads"))).toEqual(["reload", "reload"]);
  });

  it("-noop prints a unified diff and changes nothing; -onetime exits 1 on a missing dest dir", async () => {
    await client.put("/v3n/servers/a").value("1");
    const d = confdir(
      `[template]\nsrc = "app.tmpl"\ndest = "{{DIR}}/out/app.cfg"\nkeys = ["/servers"]\nprefix = "/v3n"\nreload_cmd = "echo reload >> {{DIR}}/reloads"\n`,
    );
    writeFileSync(join(d, "out/app.cfg"), "a=0\n");
    const r = await confdProcess([
      "-onetime",
      "-noop",
      "-backend",
      "etcdv3",
      "-node",
      etcd.endpoint,
      "-confdir",
      d,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`--- ${d}/out/app.cfg\tcurrent`);
    expect(r.stdout).toContain("-a=0\n+a=1");
    expect(read(join(d, "out/app.cfg"))).toBe("a=0\n");
    expect(existsSync(join(d, "reloads"))).toBe(false);

    const m = confdir(
      `[template]\nsrc = "app.tmpl"\ndest = "{{DIR}}/missing/app.cfg"\nkeys = ["/servers"]\nprefix = "/v3n"\n`,
    );
    const miss = await confdProcess([
      "-onetime",
      "-backend",
      "etcdv3",
      "-node",
      etcd.endpoint,
      "-confdir",
      m,
    ]);
    expect(miss.code).toBe(1);
    expect(
      miss.logs.some((l) => String(l.msg).includes(`destination directory ${m}/missing does not exist`)),
    ).toBe(true);
  });

  it("-watch follows puts and deletes and survives an etcd restart", async () => {
    await client.put("/v3w/servers/a").value("1");
    const d = confdir(
      `[template]\nsrc = "app.tmpl"\ndest = "{{DIR}}/out/app.cfg"\nkeys = ["/servers"]\nprefix = "/v3w"\nreload_cmd = "echo reload >> {{DIR}}/reloads"\n`,
    );
    const dest = join(d, "out/app.cfg");
    const ac = new AbortController();
    const run = confdInProcess(["-watch", "-backend", "etcdv3", "-node", etcd.endpoint, "-confdir", d], {
      signal: ac.signal,
    });
    try {
      await eventually("first render", () => read(dest) === "a=1\n");
      await client.put("/v3w/servers/b").value("2");
      await eventually("b added", () => read(dest) === "a=1\nb=2\n");
      await client.delete().key("/v3w/servers/a");
      await eventually("a removed", () => read(dest) === "b=2\n");

      await etcd.stop();
      await new Promise((r) => setTimeout(r, 500));
      await etcd.restart();
      await client.put("/v3w/servers/c").value("3");
      await eventually("c after restart", () => read(dest) === "b=2\nc=3\n", 30_000);
      // reload_cmd runs right after the swap: wait for it rather than racing it.
      await eventually("4 reloads", () => lines(join(d, "reloads")).length >= 4);
      await new Promise((r) => setTimeout(r, 300));
      expect(lines(join(d, "reloads"))).toHaveLength(4);
    } finally {
      ac.abort();
    }
    expect((await run).code).toBe(0);
  });

  it("-wait coalesces a burst of puts into a few renders", async () => {
    await client.put("/v3b/servers/seed").value("0");
    const d = confdir(
      `[template]\nsrc = "app.tmpl"\ndest = "{{DIR}}/out/app.cfg"\nkeys = ["/servers"]\nprefix = "/v3b"\nreload_cmd = "echo reload >> {{DIR}}/reloads"\n`,
    );
    const reports: CycleReport[] = [];
    const ac = new AbortController();
    const run = confdInProcess(
      ["-watch", "-wait", "500ms:5s", "-backend", "etcdv3", "-node", etcd.endpoint, "-confdir", d],
      {
        signal: ac.signal,
        onCycle: (r) => reports.push(r),
      },
    );
    try {
      await eventually("first render", () => reports.length === 1);
      // One put after another: without -wait each could trigger its own render and reload.
      for (let i = 0; i < 100; i++) await client.put(`/v3b/servers/s${i}`).value(String(i));
      await eventually("burst rendered", () => lines(join(d, "out/app.cfg")).length === 101);
      await new Promise((r) => setTimeout(r, 500));
      expect(reports.length).toBeLessThanOrEqual(3);
      expect(lines(join(d, "reloads")).length).toBeLessThanOrEqual(3);
    } finally {
      ac.abort();
    }
    await run;
  });
});

describe("hecd confd with etcd v2 (-backend etcd)", () => {
  it("renders v2 keys once and follows them in -watch mode, across an etcd restart", async () => {
    await v2put(etcd.endpoint, "/v2a/servers/web1", "10.0.1.1:80");
    const d = confdir(
      `[template]\nsrc = "app.tmpl"\ndest = "{{DIR}}/out/app.cfg"\nkeys = ["/servers"]\nprefix = "/v2a"\n`,
    );
    const once = await confdProcess(["-onetime", "-backend", "etcd", "-node", etcd.endpoint, "-confdir", d]);
    expect(once.code, once.stderr).toBe(0);
    const dest = join(d, "out/app.cfg");
    expect(read(dest)).toBe("web1=10.0.1.1:80\n");

    const ac = new AbortController();
    const run = confdInProcess(["-watch", "-backend", "etcd", "-node", etcd.endpoint, "-confdir", d], {
      signal: ac.signal,
    });
    try {
      await v2put(etcd.endpoint, "/v2a/servers/web2", "10.0.1.2:80");
      await eventually("web2", () => read(dest) === "web1=10.0.1.1:80\nweb2=10.0.1.2:80\n");
      await v2del(etcd.endpoint, "/v2a/servers/web1");
      await eventually("web1 removed", () => read(dest) === "web2=10.0.1.2:80\n");

      await etcd.stop();
      await new Promise((r) => setTimeout(r, 500));
      await etcd.restart();
      await v2put(etcd.endpoint, "/v2a/servers/web3", "10.0.1.3:80");
      await eventually(
        "web3 after restart",
        () => read(dest) === "web2=10.0.1.2:80\nweb3=10.0.1.3:80\n",
        30_000,
      );
    } finally {
      ac.abort();
    }
    expect((await run).code).toBe(0);
  });
});

describe("hecd confd with etcd v3 authentication", () => {
  let secured: EtcdServer;
  beforeAll(async () => {
    secured = await startEtcd();
    const ctl = (...a: string[]) =>
      execFileSync("etcdctl", ["--endpoints", secured.endpoint, ...a], {
        env: { ...process.env, ETCDCTL_API: "3" },
        encoding: "utf8",
      });
    ctl("put", "/auth/servers/web1", "10.9.0.1:80");
    ctl("user", "add", "root:rootpw");
    ctl("user", "grant-role", "root", "root");
    ctl("auth", "enable");
  });
  afterAll(async () => {
    await secured?.destroy();
  });

  it("reads with -username/-password and fails clearly without them", async () => {
    const d = confdir(
      `[template]\nsrc = "app.tmpl"\ndest = "{{DIR}}/out/app.cfg"\nkeys = ["/servers"]\nprefix = "/auth"\n`,
    );
    const base = ["-onetime", "-backend", "etcdv3", "-node", secured.endpoint, "-confdir", d];
    const denied = await confdInProcess(base);
    expect(denied.code).toBe(1);
    expect(existsSync(join(d, "out/app.cfg"))).toBe(false);
    const ok = await confdInProcess([...base, "-username", "root", "-password", "rootpw"]);
    expect(ok.code, JSON.stringify(ok.logs)).toBe(0);
    expect(read(join(d, "out/app.cfg"))).toBe("web1=10.9.0.1:80\n");
    writeFileSync(join(d, "confd.toml"), `username = "root"\npassword = "wrong"\n`);
    expect((await confdInProcess(base)).code).toBe(1);
  });
});
