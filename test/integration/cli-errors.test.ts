// What an operator sees when the input is wrong: every command run as a real process
// (`node --import tsx src/cli/main.ts`) against a real etcd, dockerd and HAProxy.
// Each case pins the exit status, an empty stdout where nothing was done, a message that
// names the thing and the fix, and that nothing was half-written or left behind.
import { spawn, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDockerHosts, type DockerHost } from "../harness/docker.js";
import { startEtcd, type EtcdServer } from "../harness/etcd.js";
import { freePort, waitFor } from "../harness/ports.js";
import { requireTool } from "../harness/tools.js";
import { VERSION } from "../../src/version.js";

const REPO = resolve(import.meta.dirname, "../..");
const CLI = ["--import", "tsx", "src/cli/main.ts"];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The environment without anything that would point hecd at another etcd, Docker or hosts file. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ["ETCDCTL_ENDPOINTS", "ETCDCTL_USER", "HECD_CONFIG", "DOCKER_HOST", "DOCKER_TLS_VERIFY"])
    delete env[k];
  return { ...env, ...extra };
}

function hecd(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((done) => {
    const p = spawn(process.execPath, [...CLI, ...args], {
      cwd: REPO,
      env: cleanEnv(opts.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    p.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

let root: string;
let etcd: EtcdServer;
let client: Etcd3;
let closedPort: number;
let closed: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "hecd-cli-errors-"));
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  closedPort = await freePort();
  closed = `http://127.0.0.1:${closedPort}`;
}, 60_000);

afterAll(async () => {
  client?.close();
  await etcd?.destroy();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("help and usage", () => {
  it("`hecd` alone prints the help with examples on stderr and exits 1", async () => {
    const r = await hecd([]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Usage: hecd [options] [command]");
    expect(r.stderr).toContain("Examples:");
    expect(r.stderr).toContain("hecd up --demo 3");
  });

  it("`hecd --version` prints the version", async () => {
    const r = await hecd(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
  });

  it.each([
    [[], "Usage: hecd [options] [command]"],
    [["up"], "Usage: hecd up [options]"],
    [["run"], "Usage: hecd run [options] <image> [cmd...]"],
    [["stop"], "Usage: hecd stop [options] [names...]"],
    [["scale"], "Usage: hecd scale [options] <service> <replicas>"],
    [["ps"], "Usage: hecd ps [options]"],
    [["confd"], "Usage: hecd confd [flags]"],
    [["agent"], "Usage: hecd agent [options]"],
    [["template"], "Usage: hecd template [options] <FILE>"],
  ])("hecd %j --help teaches, with an example", async (cmd, usage) => {
    const r = await hecd([...cmd, "--help"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(usage);
    expect(r.stdout).toMatch(/Examples?:/);
    expect(r.stdout).toMatch(/(^|: )\s*(\$ )?hecd [a-z]/m);
    // Repeatable options name their real fallback, not an empty list.
    expect(r.stdout).not.toContain("(default: [])");
  });

  it("the command list shows one-line summaries", async () => {
    const r = await hecd(["--help"]);
    const commands = r.stdout.slice(r.stdout.indexOf("Commands:"), r.stdout.indexOf("Examples:"));
    expect(commands).toMatch(/ps \[options\] +list hecd-managed containers/);
    expect(commands).toMatch(/run \[options\] <image> \[cmd\.\.\.\] +start containers spread/);
  });

  it("an unknown flag names it and points at --help, without burying the error under the whole help", async () => {
    const r = await hecd(["up", "--bogus"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("error: unknown option '--bogus'\n(add --help for usage and examples)\n");
    const c = await hecd(["confd", "-bogus"]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("flag provided but not defined: -bogus");
    expect(c.stderr).toContain("hecd confd -help");
  });

  it.each([
    [["run"], "missing required argument 'image'", 1],
    [["scale", "web"], "missing required argument 'replicas'", 1],
    // hecd template's help promises exit status 2 for usage errors, like confd's flags.
    [["template"], "missing required argument 'FILE'", 2],
    [["bogus"], "unknown command 'bogus'", 1],
  ])("hecd %j: %s", async (args, msg, code) => {
    const r = await hecd(args);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`error: ${msg}`);
  });

  it("`hecd stop` with nothing to stop says what to name", async () => {
    const r = await hecd(["stop", "--etcd", closed]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("hecd stop: name containers to stop, or pass --service NAME\n");
  });

  it.each([
    [["scale", "web", "-1"], "replicas must be a whole number >= 0"],
    [["scale", "web", "three"], "replicas must be a whole number >= 0"],
    [["run", "img", "--replicas", "0"], "--replicas must be a whole number >= 1"],
    [["stop", "x", "--grace", "-5"], "--grace must be a whole number >= 0"],
    [["up", "--port", "-5"], "--port must be a TCP port, 1-65535"],
    [["up", "--port", "70000"], "--port must be a TCP port, 1-65535"],
    [["up", "--port", "80x"], "--port must be a TCP port, 1-65535"],
    [["up", "--ttl", "1"], "--ttl must be a whole number >= 2"],
    [["up", "--demo", "0"], "--demo must be a whole number >= 1"],
    [["ps", "--output", "yaml"], "Allowed choices are table, json"],
  ])("bad value: hecd %j", async (args, msg) => {
    const r = await hecd(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(msg);
  });

  it("`hecd agent --host-ip` that is not an IP is refused at once", async () => {
    const r = await hecd(["agent", "--etcd", closed, "--host-ip", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      'hecd agent: --host-ip "nope" is not an IP address; give the address other hosts reach this one on\n',
    );
  });

  it("`hecd up --bind` with a non-address is refused before anything starts", async () => {
    const state = join(root, "up-bad-bind");
    const r = await hecd(["up", "--bind", "999.1.1.1", "--state-dir", state]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'hecd up: --bind "999.1.1.1" is not an IP address: use an address of this machine, or * for all\n',
    );
    expect(existsSync(state)).toBe(false);
  });

  it.each([
    [["-interval", "-5"], 'invalid value "-5" for -interval'],
    [["-backend", "zk"], 'invalid value "zk" for -backend: hecd confd supports etcdv3, etcd, env, file'],
    [["-wait", "abc"], 'invalid -wait "abc"'],
    [["-log-level", "loud"], 'invalid value "loud" for -log-level'],
  ])("confd bad flag value %j", async (args, msg) => {
    const r = await hecd(["confd", "-onetime", ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(msg);
    expect(r.stderr).toContain("Run 'hecd confd -help' for usage.");
  });
});

describe("an etcd that does not answer", () => {
  it.each([["ps"], ["run", "no-such:1"], ["stop", "web-1"], ["scale", "web", "2"]])(
    "hecd %j names the endpoint, where it came from, and the fix, within 10 s",
    async (...args) => {
      const state = join(root, "no-stack");
      const r = await hecd([...args, "--etcd", closed, "--state-dir", state]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        `hecd ${args[0]}: cannot reach etcd at ${closed} (from --etcd): no answer (connection refused or timed out); ` +
          "is etcd running there? Pass --etcd http://HOST:2379 (or set ETCDCTL_ENDPOINTS), or start a stack with `hecd up`\n",
      );
      expect(r.ms).toBeLessThan(10_000);
    },
  );

  it("an etcd that accepts connections but never answers: every command gives up after its 10 s timeout, within 16 s", async () => {
    const silentPort = await freePort();
    const sockets: Socket[] = [];
    const silent = createNetServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(silentPort, "127.0.0.1", r));
    const endpoint = `http://127.0.0.1:${silentPort}`;
    try {
      const dir = confdir("app.tmpl", "x\n");
      const [v3, v2, ps] = await Promise.all([
        hecd(["confd", "-onetime", "-backend", "etcdv3", "-node", endpoint, "-confdir", dir]),
        hecd(["confd", "-onetime", "-backend", "etcd", "-node", endpoint, "-confdir", dir]),
        hecd(["ps", "--etcd", endpoint, "--state-dir", join(root, "no-stack")]),
      ]);
      for (const r of [v3, v2]) {
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(
          `cannot reach etcd at ${endpoint}: no answer within 10000 ms; is etcd running? pass -node`,
        );
        expect(r.ms).toBeLessThan(16_000);
      }
      expect(ps.code).toBe(1);
      expect(ps.stderr).toContain(`hecd ps: cannot reach etcd at ${endpoint} (from --etcd)`);
      expect(ps.ms).toBeLessThan(16_000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 40_000);

  it("says when the endpoint came from ETCDCTL_ENDPOINTS", async () => {
    const r = await hecd(["ps", "--state-dir", join(root, "no-stack")], {
      env: { ETCDCTL_ENDPOINTS: closed },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach etcd at ${closed} (from ETCDCTL_ENDPOINTS)`);
  });

  it("with no etcd known at all, lists the ways to name one", async () => {
    const r = await hecd(["ps", "--state-dir", join(root, "no-stack")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "hecd ps: no etcd to use: pass --etcd http://HOST:2379, set ETCDCTL_ENDPOINTS, list it in a --config file, or start a stack here with `hecd up`",
    );
  });

  it("an endpoint that is not a URL is named", async () => {
    const r = await hecd(["ps", "--etcd", "notaurl"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('hecd ps: etcd endpoint "notaurl" is not of the form http(s)://host:port\n');
  });

  it("hecd confd -onetime names the endpoint and -node, in a plain last line, and touches no dest", async () => {
    const dir = confdir("app.tmpl", `{{range gets "/app/servers/*"}}{{.Value}}\n{{end}}`);
    writeFileSync(join(dir, "out/app.conf"), "OLD\n");
    for (const backend of ["etcdv3", "etcd"]) {
      const r = await hecd(["confd", "-onetime", "-backend", backend, "-node", closed, "-confdir", dir]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.ms).toBeLessThan(10_000);
      const plain = r.stderr.split("\n").filter((l) => l.startsWith("hecd confd: "));
      expect(plain[0]).toMatch(
        new RegExp(
          `^hecd confd: cannot read keys from the ${backend} backend: cannot reach etcd at ${closed}: .*ECONNREFUSED.*; is etcd running\\? pass -node$`,
        ),
      );
      expect(r.stderr).not.toContain("Resolution note");
      expect(readFileSync(join(dir, "out/app.conf"), "utf8")).toBe("OLD\n");
    }
  });
});

/** A confdir with one resource `app`: conf.d/app.toml and templates/app.tmpl. */
function confdir(src: string, tmpl: string, toml?: string): string {
  const dir = mkdtempSync(join(root, "confd-"));
  mkdirSync(join(dir, "conf.d"));
  mkdirSync(join(dir, "templates"));
  mkdirSync(join(dir, "out"));
  writeFileSync(
    join(dir, "conf.d/app.toml"),
    toml ?? `[template]\nsrc = "${src}"\ndest = "${dir}/out/app.conf"\nkeys = ["/app/servers"]\n`,
  );
  writeFileSync(join(dir, "templates/app.tmpl"), tmpl);
  return dir;
}

describe("hecd confd -onetime with bad input", () => {
  const run = (dir: string) =>
    hecd(["confd", "-onetime", "-backend", "etcdv3", "-node", etcd.endpoint, "-confdir", dir]);
  const plainLines = (r: Run) => r.stderr.split("\n").filter((l) => !l.startsWith("{"));

  beforeAll(async () => {
    await client.put("/app/servers/web1").value("127.0.0.1:8001");
  });

  it("a template that does not parse: dest untouched, the file and line named", async () => {
    const dir = confdir("app.tmpl", `{{range gets "/app/servers/*"}}server {{.Value}\n{{end}}\n`);
    writeFileSync(join(dir, "out/app.conf"), "OLD\n");
    const r = await run(dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(plainLines(r)).toContain(
      `hecd confd: ${dir}/conf.d/app.toml: render ${dir}/templates/app.tmpl failed: template: app.tmpl:1: bad character U+007D '}'`,
    );
    expect(r.stderr).toContain("the dest files of failed resources were left as they were");
    expect(readFileSync(join(dir, "out/app.conf"), "utf8")).toBe("OLD\n");
    expect(readdirSync(join(dir, "out"))).toEqual(["app.conf"]);
  });

  it("a template that fails while executing: dest untouched, the key named", async () => {
    const dir = confdir("app.tmpl", `{{getv "/app/missing"}}\n`);
    writeFileSync(join(dir, "out/app.conf"), "OLD\n");
    const r = await run(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("app.tmpl:1:2: executing");
    expect(r.stderr).toContain("key does not exist: /app/missing");
    expect(readFileSync(join(dir, "out/app.conf"), "utf8")).toBe("OLD\n");
  });

  it("a template file that does not exist is named, with the fix", async () => {
    const dir = confdir("missing.tmpl", "x\n");
    const r = await run(dir);
    expect(r.code).toBe(1);
    expect(plainLines(r)).toContain(
      `hecd confd: ${dir}/conf.d/app.toml: render ${dir}/templates/missing.tmpl failed: ` +
        `Missing template: ${dir}/templates/missing.tmpl (create it, or fix src: it names a file under templates/ in -confdir)`,
    );
    expect(readdirSync(join(dir, "out"))).toEqual([]);
  });

  it("malformed TOML: the file, line and column, the reason and the lines around it", async () => {
    const dir = confdir(
      "app.tmpl",
      "x\n",
      `[template]\nsrc = "app.tmpl"\nkeys = ["/app/servers"\nmode = "0644"\n`,
    );
    const r = await run(dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = plainLines(r);
    expect(lines[0]).toBe(
      `hecd confd: ${dir}/conf.d/app.toml: invalid TOML at line 4, column 1: expected comma or end of structure`,
    );
    expect(lines).toContain('3:  keys = ["/app/servers"');
    expect(readdirSync(join(dir, "out"))).toEqual([]);
  });

  it("a malformed confd.toml is named with its line too", async () => {
    const dir = confdir("app.tmpl", "x\n");
    writeFileSync(join(dir, "confd.toml"), 'backend = "etcdv3"\nnodes = ["http://127.0.0.1:1",\n');
    const r = await hecd(["confd", "-onetime", "-confdir", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^hecd confd: ${dir}/confd\\.toml: invalid TOML at line 3, column \\d+: `),
    );
  });

  it("a resource without dest says what dest is, with an example", async () => {
    const dir = confdir("app.tmpl", "x\n", `[template]\nsrc = "app.tmpl"\nkeys = ["/app/servers"]\n`);
    const r = await run(dir);
    expect(r.code).toBe(1);
    expect(plainLines(r)).toContain(
      `hecd confd: ${dir}/conf.d/app.toml: [template] dest: missing: the file to manage, e.g. dest = "/etc/haproxy/haproxy.cfg"`,
    );
  });

  it("a missing -confdir says which directory it looked in and which flag to set", async () => {
    const r = await run(join(root, "no-such-confdir"));
    expect(r.code).toBe(1);
    expect(plainLines(r)).toContain(
      `hecd confd: cannot find template resources: ${root}/no-such-confdir/conf.d does not exist (set -confdir to the directory holding conf.d/ and templates/)`,
    );
  });

  it("a failing check_cmd keeps the old file, skips reload_cmd, and shows the command's output", async () => {
    const dir = confdir("app.tmpl", `{{range gets "/app/servers/*"}}{{.Value}}\n{{end}}`);
    writeFileSync(
      join(dir, "conf.d/app.toml"),
      `[template]\nsrc = "app.tmpl"\ndest = "${dir}/out/app.conf"\nkeys = ["/app/servers"]\n` +
        `check_cmd = "sh -c 'echo config error on line 3 >&2; exit 3'"\n` +
        `reload_cmd = "touch ${dir}/reloaded"\n`,
    );
    writeFileSync(join(dir, "out/app.conf"), "OLD\n");
    const r = await run(dir);
    expect(r.code).toBe(1);
    const lines = plainLines(r);
    expect(lines).toContain(
      `hecd confd: ${dir}/conf.d/app.toml: check_cmd failed (exit 3): sh -c 'echo config error on line 3 >&2; exit 3'`,
    );
    expect(lines).toContain("config error on line 3");
    expect(readFileSync(join(dir, "out/app.conf"), "utf8")).toBe("OLD\n");
    expect(existsSync(join(dir, "reloaded"))).toBe(false);
    expect(readdirSync(join(dir, "out"))).toEqual(["app.conf"]);
  });

  it("a dest directory that does not exist is named, with the fix", async () => {
    const dir = confdir(
      "app.tmpl",
      "x\n",
      `[template]\nsrc = "app.tmpl"\ndest = "${root}/no-such-dir/app.conf"\nkeys = ["/app/servers"]\n`,
    );
    const r = await run(dir);
    expect(r.code).toBe(1);
    expect(plainLines(r)).toContain(
      `hecd confd: ${dir}/conf.d/app.toml: destination directory ${root}/no-such-dir does not exist ` +
        `(dest = "${root}/no-such-dir/app.conf" in ${dir}/conf.d/app.toml): create it or fix dest`,
    );
    expect(existsSync(join(root, "no-such-dir"))).toBe(false);
  });

  it("the example HAProxy template skips a value that is not host:port, so haproxy -c passes", async () => {
    requireTool("haproxy", "apt-get install -y haproxy");
    const dir = mkdtempSync(join(root, "example-"));
    mkdirSync(join(dir, "conf.d"));
    mkdirSync(join(dir, "out"));
    mkdirSync(join(dir, "templates"));
    writeFileSync(
      join(dir, "templates/haproxy.cfg.tmpl"),
      readFileSync(join(REPO, "examples/haproxy/templates/haproxy.cfg.tmpl")),
    );
    writeFileSync(
      join(dir, "conf.d/haproxy.toml"),
      readFileSync(join(REPO, "examples/haproxy/conf.d/haproxy.toml"), "utf8")
        .replace("/etc/haproxy/haproxy.cfg", `${dir}/out/haproxy.cfg`)
        .replace("systemctl reload haproxy", `touch ${dir}/reloaded`),
    );
    await client.put("/app/servers/no_port").value("10.0.0.9");
    await client.put("/app/servers/garbage").value("not-an-address");
    try {
      const r = await hecd(
        ["confd", "-onetime", "-backend", "etcdv3", "-node", etcd.endpoint, "-confdir", dir],
        {
          env: {
            HAPROXY_BIND: `127.0.0.1:${await freePort()}`,
            HAPROXY_STATS_SOCKET: join(dir, "stats.sock"),
          },
        },
      );
      expect(r.code, r.stderr).toBe(0);
      const cfg = readFileSync(join(dir, "out/haproxy.cfg"), "utf8");
      expect(cfg).toContain("server web1 127.0.0.1:8001 check");
      expect(cfg).not.toContain("10.0.0.9");
      expect(cfg).not.toContain("not-an-address");
      expect(cfg.match(/an entry under \/app\/servers was skipped/g)).toHaveLength(2);
    } finally {
      await client.delete().key("/app/servers/no_port");
      await client.delete().key("/app/servers/garbage");
    }
  });
});

describe("with a real dockerd", () => {
  let host: DockerHost;
  beforeAll(async () => {
    [host] = await startDockerHosts(1);
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
  });

  const common = () => [
    "--etcd",
    etcd.endpoint,
    "--docker-host",
    host.endpoint,
    "--state-dir",
    join(root, "none"),
  ];
  const containers = async () => (await host.docker.listContainers({ all: true })).map((c) => c.Names[0]);

  it("a missing image is named with how to get it; no container, no key", async () => {
    const r = await hecd(["run", "no-such:1", ...common()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "hecd run: image no-such:1 is not present on Docker host(s) local; load it there first " +
        "(docker pull no-such:1, docker load, or docker import), or run only on hosts that have it (--host)\n",
    );
    expect(await containers()).toEqual([]);
    expect(await client.getAll().prefix("/app/servers/no-such").keys()).toEqual([]);
  });

  it.each([
    [["-e", "NOEQUALS"], '-e "NOEQUALS": use KEY=VALUE (e.g. -e TZ=UTC)'],
    [["-v", "nocolon"], '-v "nocolon": use SOURCE:/container/path[:ro]'],
    [["-v", "/a:b"], '-v "/a:b": use SOURCE:/container/path[:ro]'],
    [["--port", "0"], 'port "0" is not PORT or PORT/tcp|udp with PORT in 1..65535'],
    [["--name", "bad/name"], 'container name "bad/name" is not a valid key element'],
    [["--port", "53/udp"], "--port 53/udp: HAProxy balances TCP; give a TCP port such as 80 or 8080/tcp"],
  ])("hecd run %j is refused before anything is created", async (flags, msg) => {
    const r = await hecd(["run", "no-such:1", ...flags, ...common()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`hecd run: ${msg}`);
    expect(await containers()).toEqual([]);
  });

  it("a Docker socket that does not exist is named, with the fix", async () => {
    const r = await hecd(["ps", "--etcd", etcd.endpoint, "--docker-host", `unix://${root}/no.sock`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `hecd ps: cannot list containers on Docker host local (unix://${root}/no.sock): connect ENOENT ${root}/no.sock; ` +
        "is dockerd running there? Check --docker-host (or the hosts of --config, or of the stack in --state-dir)\n",
    );
  });

  it("a Docker host given as http:// or plain tcp:// is refused with the supported forms", async () => {
    const h = await hecd(["ps", "--etcd", etcd.endpoint, "--docker-host", "http://127.0.0.1:1"]);
    expect(h.code).toBe(1);
    expect(h.stderr).toContain("use unix:///path/to/docker.sock or tcp://HOST:PORT with TLS");
    const t = await hecd(["ps", "--etcd", etcd.endpoint, "--docker-host", "tcp://127.0.0.1:1"]);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain("TCP without TLS client certificates; refusing");
  });

  it("stop and scale of something that does not exist say what to do", async () => {
    const s = await hecd(["stop", "web-nope", ...common()]);
    expect(s.code).toBe(1);
    expect(s.stderr).toBe("hecd stop: no hecd-managed container named web-nope on local (see `hecd ps`)\n");
    // Stopping a service that has nothing running is done already: exit 0, but say so.
    const sv = await hecd(["stop", "--service", "nope", ...common()]);
    expect(sv.code).toBe(0);
    expect(sv.stdout).toBe("");
    expect(sv.stderr).toBe("hecd stop: no container of service nope found (see `hecd ps`)\n");
    const c = await hecd(["scale", "nope", "2", ...common()]);
    expect(c.code).toBe(1);
    expect(c.stderr).toBe(
      "hecd scale: service nope has no running container to copy; start it with `hecd run IMAGE --service nope`\n",
    );
  });

  it("hecd up without a Docker engine says how to start one and leaves nothing behind", async () => {
    const state = join(root, "up-no-docker");
    const r = await hecd(["up", "--docker-host", `unix://${root}/no.sock`, "--state-dir", state]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`no Docker engine answers at unix://${root}/no.sock`);
    expect(r.stderr).toContain("fix: start one");
    expect(existsSync(state)).toBe(false);
  });

  it("hecd up with an --etcd that does not answer names it and the fix, and starts nothing", async () => {
    requireTool("haproxy", "apt-get install -y haproxy");
    const state = join(root, "up-no-etcd");
    const r = await hecd([
      "up",
      "--etcd",
      closed,
      "--docker-host",
      host.endpoint,
      "--state-dir",
      state,
      "--log-level",
      "warn",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      new RegExp(
        `^hecd up: cannot use the etcd given with --etcd: cannot reach etcd at ${closed}: .*ECONNREFUSED.*; ` +
          "is etcd running there\\? Fix --etcd, or leave it out and `hecd up` starts its own etcd\n$",
      ),
    );
    expect(r.ms).toBeLessThan(10_000);
    expect(existsSync(join(state, "stack.json"))).toBe(false);
    expect(existsSync(join(state, "haproxy.cfg"))).toBe(false);
  });

  it("hecd up on a port already taken names the port and the flag", async () => {
    requireTool("haproxy", "apt-get install -y haproxy");
    const port = await freePort();
    const taken = createServer(() => {});
    await new Promise<void>((r) => taken.listen(port, "127.0.0.1", r));
    try {
      const state = join(root, "up-port-taken");
      const r = await hecd([
        "up",
        "--etcd",
        etcd.endpoint,
        "--docker-host",
        host.endpoint,
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--state-dir",
        state,
        "--prefix",
        "/cli-errors/taken",
        "--log-level",
        "error",
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(
        `hecd up: port ${port} on 127.0.0.1 is already in use: pick another with --port (and --bind)`,
      );
      expect(existsSync(join(state, "stack.json"))).toBe(false);
    } finally {
      taken.close();
    }
  });

  describe("hecd up's HAProxy sync with a value that is not host:port", () => {
    const prefix = "/cli-errors/servers";
    const servers: Server[] = [];
    let up: ChildProcess | undefined;
    let out = "";
    let port: number;
    let state: string;

    /** A backend on 127.0.0.2: the stack's agent owns 127.0.0.1 (its --host-ip) and prunes keys there. */
    async function backend(name: string): Promise<string> {
      const p = await freePort();
      const s = createServer((_q, res) => res.end(name));
      await new Promise<void>((r) => s.listen(p, "127.0.0.2", r));
      servers.push(s);
      return `127.0.0.2:${p}`;
    }

    async function answers(n = 6): Promise<string[]> {
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const r = await fetch(`http://127.0.0.1:${port}/`, {
          headers: { connection: "close" },
          signal: AbortSignal.timeout(3000),
        });
        seen.add(await r.text());
      }
      return [...seen].sort();
    }

    beforeAll(async () => {
      requireTool("haproxy", "apt-get install -y haproxy");
      await client.put(`${prefix}/good`).value(await backend("good"));
      await client.put(`${prefix}/garbage`).value("not-an-address");
      await client.put(`${prefix}/spaces`).value("127.0.0.2:1 backup");
      port = await freePort();
      state = join(root, "up-sync");
      up = spawn(
        process.execPath,
        [
          ...CLI,
          "up",
          "--etcd",
          etcd.endpoint,
          "--docker-host",
          host.endpoint,
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--prefix",
          prefix,
          "--state-dir",
          state,
          "--log-level",
          "warn",
        ],
        { cwd: REPO, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] },
      );
      up.stdout!.on("data", (d) => (out += d));
      up.stderr!.on("data", (d) => (out += d));
      await waitFor(
        "hecd up to be ready",
        () =>
          out.includes("Press Ctrl-C") || (up!.exitCode !== null ? Promise.reject(new Error(out)) : false),
        60_000,
        100,
      );
    }, 90_000);

    afterAll(async () => {
      if (up && up.exitCode === null) {
        const gone = new Promise((r) => up!.once("exit", r));
        up.kill("SIGTERM");
        await Promise.race([gone, new Promise((r) => setTimeout(r, 20_000))]);
        if (up.exitCode === null) up.kill("SIGKILL");
      }
      for (const s of servers) s.close();
      await client.delete().prefix("/cli-errors/");
    }, 30_000);

    it("refuses the bad entries with a log line naming key, value and the expected form, and serves the good one", async () => {
      expect(out).toContain('refusing backend \\"garbage\\": invalid server address \\"not-an-address\\"');
      expect(out).toContain("expected IPv4:port or [IPv6]:port");
      expect(out).toContain('refusing backend \\"spaces\\"');
      expect(await answers()).toEqual(["good"]);
    });

    it("a bad value arriving later is refused too, while a good one arriving with it is served", async () => {
      await client.put(`${prefix}/late_bad`).value("10.0.0.9");
      await client.put(`${prefix}/late_good`).value(await backend("late_good"));
      await waitFor("late_good served", async () => (await answers(8)).includes("late_good"), 20_000, 200);
      expect(await answers(8)).toEqual(["good", "late_good"]);
      expect(out).toContain('refusing backend \\"late_bad\\": invalid server address \\"10.0.0.9\\"');
      expect(up!.exitCode).toBeNull();
    });

    it("stops cleanly on SIGTERM and removes its stack file", async () => {
      const gone = new Promise<number | null>((r) => up!.once("exit", (c) => r(c)));
      up!.kill("SIGTERM");
      expect(await gone).toBe(0);
      expect(existsSync(join(state, "stack.json"))).toBe(false);
    }, 30_000);
  });
});
