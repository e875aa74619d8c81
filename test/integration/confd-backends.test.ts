// The file and env backends, and the CLI's own behaviour as a process (help, version, bad flags).
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../harness/ports.js";
import { confdInProcess, confdProcess, eventually, makeConfdir, REPO } from "./confd-helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const TMPL = `{{range gets "/servers/*"}}{{base .Key}}={{.Value}}\n{{end}}count:{{len (ls "/servers")}}\n`;
function confdir(prefix: string): string {
  const d = makeConfdir([
    {
      name: "app",
      toml: `[template]\nsrc = "app.tmpl"\ndest = "{{DIR}}/out/app.cfg"\nkeys = ["/servers"]\nprefix = "${prefix}"\n`,
      tmpl: TMPL,
    },
  ]);
  dirs.push(d);
  return d;
}
const read = (p: string) => (existsSync(p) ? readFileSync(p, "utf8") : undefined);

describe("file backend", () => {
  it("reads YAML and JSON files, several -file flags merged", async () => {
    const d = confdir("/app");
    writeFileSync(join(d, "a.yaml"), "app:\n  servers:\n    web1: 10.0.0.1:80\n");
    writeFileSync(join(d, "b.json"), JSON.stringify({ app: { servers: { web2: "10.0.0.2:80" } } }));
    const r = await confdProcess([
      "-onetime",
      "-backend",
      "file",
      "-file",
      join(d, "a.yaml"),
      "-file",
      join(d, "b.json"),
      "-confdir",
      d,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(read(join(d, "out/app.cfg"))).toBe("web1=10.0.0.1:80\nweb2=10.0.0.2:80\ncount:2\n");
  });

  it("follows file edits in -watch mode", async () => {
    const d = confdir("/app");
    const f = join(d, "kv.yaml");
    writeFileSync(f, "app:\n  servers:\n    web1: 10.0.0.1:80\n");
    const ac = new AbortController();
    const run = confdInProcess(["-watch", "-backend", "file", "-file", f, "-confdir", d], {
      signal: ac.signal,
    });
    try {
      await eventually("first", () => read(join(d, "out/app.cfg")) === "web1=10.0.0.1:80\ncount:1\n");
      writeFileSync(f, "app:\n  servers:\n    web9: 10.0.0.9:80\n");
      await eventually("edit seen", () => read(join(d, "out/app.cfg")) === "web9=10.0.0.9:80\ncount:1\n");
    } finally {
      ac.abort();
    }
    expect((await run).code).toBe(0);
  });

  it("-interval picks up a template resource added to conf.d while it runs", async () => {
    const d = confdir("/app");
    const f = join(d, "kv.yaml");
    writeFileSync(f, "app:\n  servers:\n    web1: 10.0.0.1:80\n  name: demo\n");
    const ac = new AbortController();
    const run = confdInProcess(["-interval", "1", "-backend", "file", "-file", f, "-confdir", d], {
      signal: ac.signal,
    });
    try {
      await eventually("first", () => read(join(d, "out/app.cfg")) === "web1=10.0.0.1:80\ncount:1\n");
      writeFileSync(join(d, "templates", "name.tmpl"), 'name={{getv "/name"}}\n');
      writeFileSync(
        join(d, "conf.d", "name.toml"),
        `[template]\nsrc = "name.tmpl"\ndest = "${d}/out/name.cfg"\nkeys = ["/name"]\nprefix = "/app"\n`,
      );
      await eventually("new resource rendered", () => read(join(d, "out/name.cfg")) === "name=demo\n", 5000);
    } finally {
      ac.abort();
    }
    expect((await run).code).toBe(0);
  });

  it("serves Prometheus metrics with -metrics: cycles, outcomes per resource, renders", async () => {
    const d = confdir("/app");
    const f = join(d, "kv.yaml");
    writeFileSync(f, "app:\n  servers:\n    web1: 10.0.0.1:80\n");
    const port = await freePort();
    const ac = new AbortController();
    const run = confdInProcess(
      ["-watch", "-backend", "file", "-file", f, "-confdir", d, "-metrics", `127.0.0.1:${port}`],
      { signal: ac.signal },
    );
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    try {
      await eventually("first", () => read(join(d, "out/app.cfg")) === "web1=10.0.0.1:80\ncount:1\n");
      writeFileSync(f, "app:\n  servers:\n    web2: 10.0.0.2:80\n");
      await eventually("edit seen", () => read(join(d, "out/app.cfg")) === "web2=10.0.0.2:80\ncount:1\n");
      let text = "";
      await eventually("two cycles counted", async () =>
        /^hecd_confd_cycles_total 2$/m.test((text = await scrape())),
      );
      expect(text).toMatch(/^hecd_confd_resource_outcomes_total\{resource="app.toml",status="updated"\} 2$/m);
      expect(text).toMatch(/^hecd_confd_renders_total 2$/m);
      expect(text).toMatch(/^hecd_confd_cycle_duration_seconds_count 2$/m);
      expect(text).toMatch(/^hecd_confd_last_success_timestamp_seconds \d/m);
    } finally {
      ac.abort();
    }
    expect((await run).code).toBe(0);
    await expect(scrape()).rejects.toThrow();
  });

  it("fails clearly on a missing file", async () => {
    const d = confdir("/app");
    const r = await confdProcess([
      "-onetime",
      "-backend",
      "file",
      "-file",
      join(d, "nope.yaml"),
      "-confdir",
      d,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nope.yaml");
  });
});

describe("env backend", () => {
  it("maps APP_SERVERS_WEB1 to /app/servers/web1, in-process and as a process", async () => {
    const d = confdir("/app");
    const env = { APP_SERVERS_WEB1: "10.0.0.1:80", APP_SERVERS_WEB2: "10.0.0.2:80", OTHER: "x" };
    const r = await confdInProcess(["-onetime", "-backend", "env", "-confdir", d], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(read(join(d, "out/app.cfg"))).toBe("web1=10.0.0.1:80\nweb2=10.0.0.2:80\ncount:2\n");
    rmSync(join(d, "out/app.cfg"));
    const p = await confdProcess(["-onetime", "-backend=env", `-confdir=${d}`], env);
    expect(p.code, p.stderr).toBe(0);
    expect(read(join(d, "out/app.cfg"))).toBe("web1=10.0.0.1:80\nweb2=10.0.0.2:80\ncount:2\n");
  });

  it("reads settings from confd.toml and lets flags override them", async () => {
    const d = confdir("/app");
    writeFileSync(join(d, "confd.toml"), `backend = "env"\nprefix = "/nothing"\nlog-level = "error"\n`);
    const env = { APP_SERVERS_WEB1: "10.0.0.1:80", ALT_SERVERS_X: "1.1.1.1:1" };
    expect((await confdInProcess(["-onetime", "-confdir", d], { env })).code).toBe(0);
    expect(read(join(d, "out/app.cfg"))).toBe("count:0\n");
    expect((await confdInProcess(["-onetime", "-confdir", d, "-prefix", "/alt"], { env })).code).toBe(0);
    expect(read(join(d, "out/app.cfg"))).toBe("x=1.1.1.1:1\ncount:1\n");
    const other = join(d, "other.toml");
    writeFileSync(other, `backend = "env"\nprefix = "/app"\n`);
    expect((await confdInProcess(["-onetime", "-confdir", d, "-config-file", other], { env })).code).toBe(0);
    expect(read(join(d, "out/app.cfg"))).toBe("web1=10.0.0.1:80\ncount:1\n");
  });
});

describe("the confd command line as a process", () => {
  it("prints help and version, exit 0", async () => {
    const h = await confdProcess(["-help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("Usage: hecd confd [flags]");
    expect(h.stdout).toContain("-client-ca-keys");
    expect((await confdProcess(["--help"])).stdout).toContain("Usage: hecd confd");
    const v = await confdProcess(["-version"]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^hecd confd \d+\.\d+\.\d+\n$/);
  });

  it("exits 2 with a clear message on unknown flags and bad values", async () => {
    const u = await confdProcess(["-onetime", "-bogus"]);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("flag provided but not defined: -bogus");
    const b = await confdProcess(["-backend", "consul"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('invalid value "consul" for -backend');
    const i = await confdProcess(["-interval", "soon"]);
    expect(i.code).toBe(2);
    const w = await confdProcess(["-wait", "fast"]);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain("invalid -wait");
  });

  it("runs -watch as a process until SIGTERM, then exits 0", async () => {
    const d = confdir("/app");
    const f = join(d, "kv.yaml");
    writeFileSync(f, "app:\n  servers:\n    web1: 10.0.0.1:80\n");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(REPO, "src/cli/main.ts"),
        "confd",
        "-watch",
        "-backend",
        "file",
        "-file",
        f,
        "-confdir",
        d,
      ],
      {
        cwd: REPO,
        stdio: "ignore",
      },
    );
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      await eventually(
        "first render",
        () => read(join(d, "out/app.cfg")) === "web1=10.0.0.1:80\ncount:1\n",
        20_000,
      );
      writeFileSync(f, "app:\n  servers:\n    web2: 10.0.0.2:80\n");
      await eventually("edit", () => read(join(d, "out/app.cfg")) === "web2=10.0.0.2:80\ncount:1\n");
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it("-onetime exits 1 and says so when etcd cannot be reached", async () => {
    const d = confdir("/app");
    const port = await freePort();
    const r = await confdProcess([
      "-onetime",
      "-backend",
      "etcdv3",
      "-node",
      `http://127.0.0.1:${port}`,
      "-confdir",
      d,
    ]);
    expect(r.code).toBe(1);
    expect(r.logs.some((l) => String(l.msg).startsWith("cannot read keys from the etcdv3 backend"))).toBe(
      true,
    );
    expect(existsSync(join(d, "out/app.cfg"))).toBe(false);
  });

  it("exits 1 with a clear message when conf.d is missing", async () => {
    const r = await confdProcess(["-onetime", "-backend", "env", "-confdir", "/nonexistent-hecd"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("/nonexistent-hecd/conf.d does not exist");
  });
});
