import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EnvBackend, envNameForKey, envValues, keyForEnvName } from "../../src/backends/env.js";
import { encodeKeyPath, flattenV2Node } from "../../src/backends/etcdv2.js";
import { flattenDocument } from "../../src/backends/file.js";
import { match } from "../../src/go/filepath.js";
import { formatFloatF } from "../../src/go/strconv.js";
import { createBackend, parseNodes } from "../../src/backends/index.js";
import { coveringDirs, coveringPrefixes, isUnder } from "../../src/backends/prefixes.js";

function flatYaml(text: string): Record<string, string> {
  const m = new Map<string, string>();
  flattenDocument(text, "test.yaml", m);
  return Object.fromEntries(m);
}

describe("env backend transform (confd's transform/clean)", () => {
  it("maps keys to variable names and back", () => {
    expect(envNameForKey("/app/servers")).toBe("APP_SERVERS");
    expect(envNameForKey("app/db/host")).toBe("APP_DB_HOST");
    expect(envNameForKey("/")).toBe("");
    expect(keyForEnvName("APP_SERVERS_WEB1")).toBe("/app/servers/web1");
    expect(keyForEnvName("Mixed_Case")).toBe("/mixed/case");
  });

  it("returns every variable starting with the transformed prefix", () => {
    const env = {
      APP_SERVERS_WEB1: "10.0.0.1:80",
      APP_SERVERS_WEB2: "10.0.0.2:80",
      APP_PORT: "80",
      HOME: "/root",
    };
    expect(Object.fromEntries(envValues(["/app/servers"], env))).toEqual({
      "/app/servers/web1": "10.0.0.1:80",
      "/app/servers/web2": "10.0.0.2:80",
    });
    expect(Object.fromEntries(envValues(["/app/port", "/home"], env))).toEqual({
      "/app/port": "80",
      "/home": "/root",
    });
    expect(envValues(["/missing"], env).size).toBe(0);
    // confd matches names as plain prefixes: "/app/serv" selects APP_SERVERS_*.
    expect(envValues(["/app/serv"], env).size).toBe(2);
  });

  it("cannot watch, and says why", async () => {
    const b = new EnvBackend({ A: "1" });
    await expect(b.getValues(["/a"])).resolves.toEqual({ values: new Map([["/a", "1"]]), revision: 0n });
    await expect(b.watch(["/a"], 0n, new AbortController().signal)).rejects.toThrow(
      /env backend cannot watch/,
    );
  });
});

describe("file backend flattening (confd's nodeWalk)", () => {
  it("turns nested maps and lists into paths and formats scalars like Go", () => {
    const yaml = [
      "app:",
      "  servers:",
      "    web1: 10.0.0.1:80",
      "    web2: 10.0.0.2:80",
      "  ports: [80, 443]",
      "  weights:",
      "    - name: a",
      "      w: 1.5",
      "    - name: b",
      "      w: 2.0",
      "flags:",
      "  on: true",
      "  legacy: yes",
      "  big: 12345678901234567890123",
      "  octal: 0777",
      "  hex: 0x1f",
      "  exp: 1e21",
      "  tiny: 0.0000001",
      "  date: 2001-12-14",
      "  nothing: ~",
      "  empty: {}",
      "  emptylist: []",
      "  quoted: '0777'",
      "1: numeric key",
      "base: &b {p: 1, q: 2}",
      "merged:",
      "  <<: *b",
      "  q: 3",
      "  r: 4",
    ].join("\n");
    expect(flatYaml(yaml)).toEqual({
      "/app/servers/web1": "10.0.0.1:80",
      "/app/servers/web2": "10.0.0.2:80",
      "/app/ports/0": "80",
      "/app/ports/1": "443",
      "/app/weights/0/name": "a",
      "/app/weights/0/w": "1.5",
      "/app/weights/1/name": "b",
      "/app/weights/1/w": "2",
      "/flags/on": "true",
      "/merged/p": "1",
      "/merged/q": "3",
      "/merged/r": "4",
      "/flags/legacy": "true",
      "/flags/big": "12345678901234567890123",
      "/flags/octal": "511",
      "/flags/hex": "31",
      "/flags/exp": "1000000000000000000000",
      "/flags/tiny": "0.0000001",
      "/flags/date": "2001-12-14",
      "/flags/quoted": "0777",
      "/1": "numeric key",
      "/base/p": "1",
      "/base/q": "2",
    });
  });

  it("reads JSON the same way", () => {
    expect(flatYaml('{"a": {"b": [1, "x", {"c": false}]}, "n": null, "f": -0.5}')).toEqual({
      "/a/b/0": "1",
      "/a/b/1": "x",
      "/a/b/2/c": "false",
      "/f": "-0.5",
    });
  });

  it("rejects documents that are not a mapping, naming the file", () => {
    expect(() => flatYaml("- a\n- b\n")).toThrow(/test.yaml must hold a mapping at the top level/);
    expect(() => flatYaml("just a string")).toThrow(/test.yaml must hold a mapping/);
    expect(() => flatYaml("a: [unclosed")).toThrow(/cannot parse test.yaml/);
    expect(flatYaml("")).toEqual({});
  });

  it("later documents win for the same key", () => {
    const m = new Map<string, string>();
    flattenDocument("a: 1\nb: 2\n", "one.yaml", m);
    flattenDocument('{"a": "3"}', "two.json", m);
    expect(Object.fromEntries(m)).toEqual({ "/a": "3", "/b": "2" });
  });

  it("formats floats as strconv.FormatFloat(f, 'f', -1, 64)", () => {
    expect(formatFloatF(1)).toBe("1");
    expect(formatFloatF(0.1)).toBe("0.1");
    expect(formatFloatF(1e21)).toBe("1000000000000000000000");
    expect(formatFloatF(1.5e-7)).toBe("0.00000015");
    expect(formatFloatF(-2.5e22)).toBe("-25000000000000000000000");
    expect(formatFloatF(1.2345e25)).toBe("12345000000000000000000000");
    expect(formatFloatF(-0)).toBe("-0");
    expect(formatFloatF(Infinity)).toBe("+Inf");
    expect(formatFloatF(-Infinity)).toBe("-Inf");
    expect(formatFloatF(NaN)).toBe("NaN");
  });

  it("matches -filter globs with Go's filepath.Match", () => {
    expect(match("*", "a.yaml")).toBe(true);
    expect(match("*.yaml", "a.yaml")).toBe(true);
    expect(match("*.yaml", "a.yml")).toBe(false);
    expect(match("*.y?ml", "a.yaml")).toBe(true);
    expect(match("[ab].json", "b.json")).toBe(true);
    expect(match("[^ab].json", "b.json")).toBe(false);
    expect(match("[a-c].json", "c.json")).toBe(true);
    expect(match("a\\*", "a*")).toBe(true);
    expect(match("a\\*", "ab")).toBe(false);
    expect(match("a.b", "axb")).toBe(false);
    // Cases a regexp translation of the glob gets wrong: `?` is one rune (an emoji
    // is two UTF-16 units), `\` escapes inside a class, and a bad range is an error.
    expect(match("?.yaml", "\u{1F600}.yaml")).toBe(true);
    expect(match("[\\]]x", "]x")).toBe(true);
    expect(() => match("[a-]", "")).toThrow(/syntax error in pattern/);
    expect(() => match("[abc", "")).toThrow(/syntax error in pattern/);
  });

  it("refuses a bad -filter before reading any file, naming the pattern", async () => {
    await expect(
      createBackend({ backend: "file", nodes: [], files: ["/nonexistent.yaml"], filter: "[a-]" }),
    ).rejects.toThrow('-filter: bad filter pattern "[a-]": syntax error in pattern');
  });
});

describe("etcd v2 flattening", () => {
  it("keeps leaves only, recursively", () => {
    const m = new Map<string, string>();
    flattenV2Node(
      {
        key: "/app",
        dir: true,
        nodes: [
          { key: "/app/a", value: "1" },
          { key: "/app/d", dir: true, nodes: [{ key: "/app/d/b", value: "2" }] },
          { key: "/app/empty", dir: true },
        ],
      },
      m,
    );
    expect(Object.fromEntries(m)).toEqual({ "/app/a": "1", "/app/d/b": "2" });
    expect(encodeKeyPath("")).toBe("/");
    expect(encodeKeyPath("/app/my key/")).toBe("/app/my%20key");
  });
});

describe("prefix sets", () => {
  it("drops duplicates and covered prefixes", () => {
    expect(coveringPrefixes(["/app/servers", "/app", "/app/servers/x", "/b", "/app"])).toEqual([
      "/b",
      "/app",
    ]);
    expect(coveringPrefixes(["/x", ""])).toEqual([""]);
    expect(coveringPrefixes(["/app/servers", "/app/serv"])).toEqual(["/app/serv", "/app/servers"]);
    expect(isUnder("/app/servers", "/app/servers")).toBe(true);
    expect(isUnder("/app/servers/a", "/app/servers")).toBe(true);
    expect(isUnder("/app/servers/a", "/app/servers/")).toBe(true);
    expect(isUnder("/app/servers2/a", "/app/servers")).toBe(false);
    expect(isUnder("/x", "")).toBe(true);
    expect(isUnder("x", "")).toBe(false);
    expect(coveringDirs(["/app/servers", "/app", "/apple"])).toEqual(["/app", "/apple"]);
    expect(coveringDirs(["", "/app"])).toEqual(["/"]);
  });
});

describe("createBackend config errors", () => {
  it("parses -node with and without a scheme", () => {
    expect(parseNodes(["127.0.0.1:2379"]).map(String)).toEqual(["http://127.0.0.1:2379/"]);
    expect(parseNodes(["etcd1:4001"], "https").map(String)).toEqual(["https://etcd1:4001/"]);
    expect(parseNodes(["http://10.0.0.1:80"]).map((u) => u.origin)).toEqual(["http://10.0.0.1"]);
    expect(parseNodes(["10.0.0.1"]).map((u) => u.origin)).toEqual(["http://10.0.0.1:2379"]);
    expect(() => parseNodes(["ftp://x:1"])).toThrow(/scheme ftp is not supported/);
    expect(() => parseNodes(["http://"])).toThrow(/-node/);
  });

  it("names the bad setting and the fix", async () => {
    await expect(createBackend({ backend: "nope" as never, nodes: [] })).rejects.toThrow(
      /unknown backend "nope"; pass -backend etcdv3, etcd, env, file/,
    );
    await expect(createBackend({ backend: "file", nodes: [] })).rejects.toThrow(/needs at least one -file/);
    await expect(
      createBackend({ backend: "file", nodes: [], files: ["/nonexistent/x.yaml"] }),
    ).rejects.toThrow(/cannot read \/nonexistent\/x.yaml.*pass -file/);
    await expect(
      createBackend({ backend: "etcdv3", nodes: ["127.0.0.1:1"], clientCert: "/nonexistent.pem" }),
    ).rejects.toThrow(/-client-cert and -client-key go together/);
    await expect(
      createBackend({ backend: "etcd", nodes: ["127.0.0.1:1"], clientCaKeys: "/nonexistent/ca.pem" }),
    ).rejects.toThrow(/-client-ca-keys \/nonexistent\/ca.pem: cannot read the file \(ENOENT\)/);
    await expect(createBackend({ backend: "etcd", nodes: [], password: "x" })).rejects.toThrow(
      /-password needs -username/,
    );
    await expect(
      createBackend({
        backend: "etcdv3",
        nodes: ["http://127.0.0.1:1"],
        clientCaKeys: fileURLToPath(import.meta.url),
      }),
    ).rejects.toThrow(
      /TLS files were given but every -node uses http .*use https:\/\/ nodes or -scheme https/,
    );
    await expect(
      createBackend({ backend: "etcdv3", nodes: ["http://127.0.0.1:1", "https://127.0.0.1:2"] }),
    ).rejects.toThrow(/mix of http and https/);
  });
});
