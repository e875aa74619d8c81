import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfigOptions, renderConfig, type HaproxyConfigOptions } from "../../src/haproxy/config.js";
import { checkConfig, writeConfigAtomic } from "../../src/haproxy/config-file.js";
import { generateStatsPassword } from "../../src/haproxy/secrets.js";
import { normalizeServers, type Logger } from "../../src/haproxy/servers.js";
import {
  freePort,
  startBackend,
  startHaproxy,
  type HaproxyInstance,
  type TestBackend,
} from "../harness/haproxy.js";
import { requireTool } from "../harness/tools.js";

const haproxy = requireTool("haproxy", "apt-get install -y haproxy");

function warnings(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info() {}, warn: (_o, m) => void lines.push(m), error: (_o, m) => void lines.push(m) };
}

describe("the built-in HAProxy config passes haproxy -c", () => {
  const dir = mkdtempSync(join(tmpdir(), "hecd-hacfg-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function valid(o: HaproxyConfigOptions, desired: Map<string, string>): Promise<string> {
    const text = renderConfig(o, normalizeServers(desired, warnings()).servers);
    const path = join(dir, `c-${Math.random().toString(36).slice(2)}.cfg`);
    writeFileSync(path, text);
    const r = await checkConfig(path, haproxy);
    expect(r.output).toMatch(/Configuration file is valid/);
    expect(r.ok).toBe(true);
    return text;
  }

  it("with the defaults, servers and the stats page on the frontend", async () => {
    const o = defaultConfigOptions(dir, {
      user: "admin",
      password: generateStatsPassword(),
      uri: "/admin-status",
    });
    const text = await valid(
      o,
      new Map([
        ["web-1", "10.0.0.5:32768"],
        ["web-2", "[fd00::2]:32769"],
      ]),
    );
    for (const line of [
      "    master-worker",
      `    stats socket ${dir}/haproxy.sock mode 600 level admin expose-fd listeners`,
      "    bind *:8080",
      "    option forwardfor",
      "    option redispatch",
      "    retries 3",
      "    balance roundrobin",
      "    retry-on conn-failure empty-response",
      "    http-request disable-l7-retry if !METH_GET !METH_HEAD !METH_OPTIONS",
      "    server web-1 10.0.0.5:32768 check inter 2000 fall 2 rise 1",
      "    server web-2 [fd00::2]:32769 check inter 2000 fall 2 rise 1",
      "    stats uri /admin-status",
    ]) {
      expect(text.split("\n")).toContain(line);
    }
  });

  it("with every dynamic balance, a stats listener of its own and no servers", async () => {
    for (const balance of ["roundrobin", "leastconn", "random", "first"] as const) {
      const o: HaproxyConfigOptions = {
        ...defaultConfigOptions(dir, {
          user: "ops",
          password: generateStatsPassword(),
          uri: "/s",
          bind: { address: "127.0.0.1", port: 9000 },
        }),
        balance,
        log: null,
      };
      const text = await valid(o, new Map());
      expect(text).toContain("listen hecd-stats");
    }
  });

  it("injection attempts in names and addresses never reach the config", async () => {
    const log = warnings();
    const desired = new Map([
      ["good", "10.0.0.1:80"],
      ["bad\n    stats admin if TRUE", "10.0.0.2:80"],
      ["spaced name", "10.0.0.3:80"],
      ["x1", "10.0.0.4:80\nlisten evil"],
      ["x2", "10.0.0.5:80 backup"],
      ["x3", "evil.example.com:80"],
      ["x4", "10.0.0.6:99999"],
      ["x5", "300.1.1.1:80"],
    ]);
    const { servers, rejected } = normalizeServers(desired, log);
    expect(rejected.map((r) => r.source).sort()).toEqual(["x1", "x2", "x3", "x4", "x5"]);
    expect(log.lines.filter((l) => l.startsWith("refusing backend"))).toHaveLength(5);
    const text = await valid(defaultConfigOptions(dir, null), desired);
    expect(text).not.toMatch(/stats admin|listen evil|backup|evil\.example|99999|300\.1/);
    const serverLines = text.split("\n").filter((l) => /^\s+server /.test(l));
    expect(serverLines).toHaveLength(3);
    for (const l of serverLines)
      expect(l).toMatch(/^ {4}server [A-Za-z0-9_.-]+ 10\.0\.0\.[123]:80 check inter 2000 fall 2 rise 1$/);
    expect(servers.map((s) => s.name)).toContain("good");
  });

  it("bad options are refused with a message naming them", () => {
    const o = defaultConfigOptions(dir, null);
    expect(() => renderConfig({ ...o, backend: "a b" }, [])).toThrow(/backend name "a b"/);
    expect(() => renderConfig({ ...o, stateDir: "/tmp/with space" }, [])).toThrow(/state directory/);
    expect(() => renderConfig({ ...o, port: 70000 }, [])).toThrow(/frontend port/);
    expect(() => renderConfig({ ...o, stateDir: `/tmp/${"d".repeat(100)}` }, [])).toThrow(
      /longer than 107 bytes/,
    );
    expect(() =>
      renderConfig({ ...o, stats: { user: "a", password: "pw with space", uri: "/s" } }, []),
    ).toThrow(/stats password/);
    expect(() =>
      renderConfig(o, [{ name: "x\ny", address: { ip: "10.0.0.1", port: 80, family: 4 }, source: "x" }]),
    ).toThrow(/unsafe HAProxy server name/);
  });

  it("writeConfigAtomic keeps the old file when haproxy -c rejects the new one, and writes 0600", async () => {
    const path = join(dir, "atomic.cfg");
    const good = renderConfig(defaultConfigOptions(dir, null), []);
    await writeConfigAtomic(path, good, haproxy);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await expect(writeConfigAtomic(path, `${good}backend b\n    balance nosuch\n`, haproxy)).rejects.toThrow(
      /refusing to write .*atomic\.cfg/,
    );
    expect(readFileSync(path, "utf8")).toBe(good);
  });
});

describe("startHaproxy fails loudly", () => {
  it("when HAProxy rejects its config", async () => {
    await expect(startHaproxy({ config: "global\n    nosuchkeyword\n" })).rejects.toThrow(
      /haproxy exited \(1\) before it was ready:.*nosuchkeyword/s,
    );
  });
});

describe("the stats page requires the generated password", () => {
  const password = generateStatsPassword();
  let onFrontend: HaproxyInstance;
  let ownListener: HaproxyInstance;
  let statsPort: number;
  let backend: TestBackend;

  beforeAll(async () => {
    backend = await startBackend("web");
    onFrontend = await startHaproxy({
      options: { stats: { user: "admin", password, uri: "/admin-status" } },
      servers: new Map([["web", backend.address]]),
    });
    statsPort = await freePort();
    ownListener = await startHaproxy({
      options: {
        stats: {
          user: "admin",
          password,
          uri: "/admin-status",
          bind: { address: "127.0.0.1", port: statsPort },
        },
      },
    });
  });
  afterAll(async () => {
    await onFrontend?.stop();
    await ownListener?.stop();
    await backend?.close();
  });

  const basic = (user: string, pw: string): Record<string, string> => ({
    authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString("base64")}`,
  });

  for (const which of ["frontend", "own listener"] as const) {
    it(`on the ${which}`, async () => {
      const port = which === "frontend" ? onFrontend.port : statsPort;
      const url = `http://127.0.0.1:${port}/admin-status`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: basic("admin", "123456") })).status).toBe(401);
      expect((await fetch(url, { headers: basic("admin", `${password}x`) })).status).toBe(401);
      const ok = await fetch(url, { headers: basic("admin", password) });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toMatch(/Statistics Report/);
    });
  }

  it("other paths on the frontend still reach the backend", async () => {
    const r = await fetch(`http://127.0.0.1:${onFrontend.port}/`);
    expect(r.status).toBe(200);
    expect((await r.text()).trim()).toBe("web");
  });
});
