import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, parseWait } from "../../src/confd/config.js";
import { parseGoDuration } from "../../src/confd/duration.js";
import { backendConfig } from "../../src/confd/main.js";

const dir = mkdtempSync(join(tmpdir(), "hecd-confd-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function confdir(toml: string): string {
  const d = mkdtempSync(join(dir, "c-"));
  writeFileSync(join(d, "confd.toml"), toml);
  return d;
}

describe("confd.toml, environment and flags", () => {
  it("uses confd's defaults without a config file", () => {
    const r = loadConfig({ confdir: join(dir, "nothing-here") }, {});
    expect(r).toMatchObject({
      ok: true,
      config: {
        backend: "etcd",
        nodes: ["http://127.0.0.1:4001"],
        intervalSec: 600,
        prefix: "",
        watch: false,
        logLevel: "info",
        filter: "*",
      },
    });
    if (r.ok) expect(r.config.configFile).toBeUndefined();
  });

  it("reads <confdir>/confd.toml with confd's setting names", () => {
    const d = confdir(`
backend = "etcdv3"
nodes = ["http://127.0.0.1:1", "http://127.0.0.1:2"]
prefix = "/app"
interval = 10
watch = true
noop = true
sync-only = true
log-level = "warning"
scheme = "https"
client_cert = "/c.pem"
client_key = "/k.pem"
client_cakeys = "/ca.pem"
basic_auth = true
username = "u"
password = "p"
filter = "*.yaml"
wait = "1s:3s"
`);
    const r = loadConfig({ confdir: d }, {});
    expect(r).toMatchObject({
      ok: true,
      config: {
        backend: "etcdv3",
        nodes: ["http://127.0.0.1:1", "http://127.0.0.1:2"],
        prefix: "/app",
        intervalSec: 10,
        watch: true,
        noop: true,
        syncOnly: true,
        logLevel: "warn",
        scheme: "https",
        clientCert: "/c.pem",
        clientKey: "/k.pem",
        clientCaKeys: "/ca.pem",
        basicAuth: true,
        username: "u",
        password: "p",
        filter: "*.yaml",
        wait: { minMs: 1000, maxMs: 3000 },
        configFile: join(d, "confd.toml"),
        confdir: d,
      },
    });
  });

  it("lets flags override the file, and CONFD_CLIENT_* fill what the file left empty", () => {
    const d = confdir(`backend = "etcd"\nprefix = "/file"\nclient_cert = "/from-file.pem"\n`);
    const env = {
      CONFD_CLIENT_CERT: "/env.pem",
      CONFD_CLIENT_KEY: "/env-key.pem",
      CONFD_CLIENT_CAKEYS: "/env-ca.pem",
    };
    const r = loadConfig(
      { confdir: d, backend: "etcdv3", prefix: "/flag", clientCaKeys: "/flag-ca.pem" },
      env,
    );
    expect(r).toMatchObject({
      ok: true,
      config: {
        backend: "etcdv3",
        prefix: "/flag",
        clientCert: "/from-file.pem",
        clientKey: "/env-key.pem",
        clientCaKeys: "/flag-ca.pem",
      },
    });
  });

  it("uses ETCDCTL_PEERS for the etcd backend's default nodes, like confd", () => {
    const r = loadConfig({ confdir: join(dir, "none") }, { ETCDCTL_PEERS: "http://a:1,http://b:2" });
    expect(r).toMatchObject({ ok: true, config: { nodes: ["http://a:1", "http://b:2"] } });
  });

  it("fails clearly on an explicit missing -config-file, bad TOML, unknown or mistyped settings", () => {
    expect(loadConfig({ configFile: join(dir, "missing.toml") }, {})).toMatchObject({
      ok: false,
      error: expect.stringContaining("cannot read config file"),
    });
    const bad = confdir(`backend = `);
    expect(loadConfig({ confdir: bad }, {})).toMatchObject({
      ok: false,
      error: expect.stringContaining("invalid TOML"),
    });
    const unknown = confdir(`backnd = "etcd"`);
    expect(loadConfig({ confdir: unknown }, {})).toMatchObject({
      ok: false,
      error: expect.stringContaining('unknown setting "backnd"'),
    });
    const typed = confdir(`interval = "10"`);
    expect(loadConfig({ confdir: typed }, {})).toMatchObject({
      ok: false,
      error: expect.stringContaining('setting "interval"'),
    });
    const other = confdir(`table = "x"`);
    expect(loadConfig({ confdir: other }, {})).toMatchObject({
      ok: true,
      config: { warnings: [expect.stringContaining('"table"')] },
    });
    expect(loadConfig({ confdir: join(dir, "none"), backend: "file" }, {})).toMatchObject({
      ok: false,
      error: expect.stringContaining("-file"),
    });
    expect(loadConfig({ confdir: join(dir, "none"), backend: "env", watch: true }, {})).toMatchObject({
      ok: false,
      error: expect.stringContaining("cannot be watched"),
    });
  });

  it("parses Go durations and -wait min[:max]", () => {
    expect(parseGoDuration("50ms")).toEqual({ ms: 50 });
    expect(parseGoDuration("1m30s")).toEqual({ ms: 90_000 });
    expect(parseGoDuration("1.5s")).toEqual({ ms: 1500 });
    expect(parseGoDuration("5")).toMatchObject({ error: expect.stringContaining('"5"') });
    expect(parseGoDuration("-1s")).toMatchObject({ error: expect.stringContaining('"-1s"') });
    expect(parseGoDuration("300us")).toEqual({ ms: 0.3 });
    expect(parseWait("50ms:500ms")).toEqual({ wait: { minMs: 50, maxMs: 500 } });
    expect(parseWait("2s")).toEqual({ wait: { minMs: 2000, maxMs: 8000 } });
    expect(parseWait("1s:2s:3s")).toMatchObject({ error: expect.any(String) });
  });
});

describe("the backend settings handed to createBackend", () => {
  it("carries every connection setting from flags, file and environment", () => {
    const r = loadConfig(
      {
        confdir: join(dir, "none"),
        backend: "etcdv3",
        nodes: ["https://10.0.0.1:2379"],
        scheme: "https",
        username: "u",
        password: "p",
        basicAuth: true,
        clientCert: "/c.pem",
        clientKey: "/k.pem",
      },
      { CONFD_CLIENT_CAKEYS: "/ca.pem" },
    );
    if (!r.ok) throw new Error(r.error);
    const env = { A: "1" };
    expect(backendConfig(r.config, env)).toEqual({
      backend: "etcdv3",
      nodes: ["https://10.0.0.1:2379"],
      scheme: "https",
      username: "u",
      password: "p",
      basicAuth: true,
      clientCert: "/c.pem",
      clientKey: "/k.pem",
      clientCaKeys: "/ca.pem",
      files: [],
      filter: "*",
      environment: env,
    });
  });
});
