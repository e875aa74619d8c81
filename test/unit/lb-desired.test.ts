// The load balancer's edge: etcd keys and values -> validated, typed servers.
import { describe, expect, it } from "vitest";
import type { Backend } from "../../src/backends/types.js";
import { serverNameFor } from "../../src/haproxy/names.js";
import { DesiredState, etcdSource } from "../../src/lb/desired.js";

function recording(): {
  lines: string[];
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
} {
  const lines: string[] = [];
  return {
    lines,
    info: (_o, m) => void lines.push(`info ${m}`),
    warn: (_o, m) => void lines.push(`warn ${m}`),
    error: (_o, m) => void lines.push(`error ${m}`),
  };
}

describe("DesiredState.fromEtcd", () => {
  it("takes the keys directly below the prefix only, as typed entries sorted by name", () => {
    const d = DesiredState.fromEtcd(
      "/app/servers",
      new Map([
        ["/app/servers/web2", "10.0.0.2:8080"],
        ["/app/servers/web1", "[::1]:81"],
        ["/app/servers", "10.0.0.9:1"],
        ["/app/servers/", "10.0.0.9:2"],
        ["/app/servers/deep/x", "10.0.0.9:3"],
        ["/app/servers2/web3", "10.0.0.9:4"],
      ]),
      7n,
    );
    expect(d.revision).toBe(7n);
    expect(d.servers).toEqual([
      { name: "web1", source: "web1", address: { ip: "::1", port: 81, family: 6 } },
      { name: "web2", source: "web2", address: { ip: "10.0.0.2", port: 8080, family: 4 } },
    ]);
    expect(d.rejected).toEqual([]);
    expect(d.registered).toBe(2);
  });

  it("refuses values that are not IP:port, with the key, the value and the expected form, and logs each", () => {
    const log = recording();
    const d = DesiredState.fromEtcd(
      "/app/servers",
      new Map([
        ["/app/servers/good", "127.0.0.1:80"],
        ["/app/servers/garbage", "not-an-address"],
        ["/app/servers/named", "example.com:80"],
        ["/app/servers/inject", "127.0.0.1:80 check\nlisten x"],
      ]),
      1n,
      log,
    );
    expect(d.servers.map((s) => s.name)).toEqual(["good"]);
    expect(d.rejected.map((r) => [r.source, r.value])).toEqual([
      ["garbage", "not-an-address"],
      ["inject", "127.0.0.1:80 check\nlisten x"],
      ["named", "example.com:80"],
    ]);
    for (const r of d.rejected) expect(r.error).toMatch(/expected IPv4:port or \[IPv6\]:port/);
    expect(d.registered).toBe(4);
    expect(log.lines.filter((l) => l.startsWith("warn refusing backend"))).toEqual([
      `warn refusing backend "garbage": ${d.rejected[0]!.error}`,
      `warn refusing backend "inject": ${d.rejected[1]!.error}`,
      `warn refusing backend "named": ${d.rejected[2]!.error}`,
    ]);
  });

  it("maps an unsafe name to a safe HAProxy name and refuses a second name mapping to the same one", () => {
    const evil = "evil name;del server x";
    const d = DesiredState.fromEtcd(
      "/p",
      new Map([
        [`/p/${evil}`, "127.0.0.1:81"],
        [`/p/${serverNameFor(evil)}`, "127.0.0.1:82"],
      ]),
      1n,
    );
    expect(d.servers).toEqual([
      { name: serverNameFor(evil), source: evil, address: { ip: "127.0.0.1", port: 81, family: 4 } },
    ]);
    expect(d.rejected).toEqual([
      {
        source: serverNameFor(evil),
        value: "127.0.0.1:82",
        error: `its HAProxy name ${serverNameFor(evil)} is already used by ${JSON.stringify(evil)}`,
      },
    ]);
  });
});

describe("etcdSource", () => {
  it("reads the prefix at a revision and watches it from a revision", async () => {
    const calls: string[] = [];
    const backend: Backend = {
      name: "fake",
      getValues: (prefixes) => {
        calls.push(`get ${prefixes.join(",")}`);
        return Promise.resolve({ values: new Map([["/s/a", "127.0.0.1:1"]]), revision: 42n });
      },
      watch: (prefixes, since) => {
        calls.push(`watch ${prefixes.join(",")} ${since}`);
        return Promise.resolve(since + 1n);
      },
      close: () => Promise.resolve(),
    };
    const src = etcdSource(backend, "/s");
    const d = await src.read();
    expect(d.revision).toBe(42n);
    expect(d.servers.map((s) => s.name)).toEqual(["a"]);
    await src.changed(42n, new AbortController().signal);
    expect(calls).toEqual(["get /s", "watch /s 42"]);
  });
});
