import { describe, expect, it } from "vitest";
import { parseFlags, usage } from "../../src/confd/flags.js";
import { checkFlagValues } from "../../src/confd/config.js";

describe("confd flags (Go flag syntax)", () => {
  it("accepts -flag value, -flag=value and --flag forms", () => {
    const r = parseFlags([
      "-backend",
      "etcdv3",
      "--prefix=/app",
      "-confdir=/tmp/c",
      "--interval",
      "10",
      "-log-level",
      "debug",
    ]);
    expect(r).toEqual({
      ok: true,
      flags: { backend: "etcdv3", prefix: "/app", confdir: "/tmp/c", interval: 10, logLevel: "debug" },
    });
  });

  it("treats booleans Go's way: -flag, -flag=false, -flag=1", () => {
    expect(
      parseFlags(["-onetime", "--watch", "-noop=false", "-sync-only=1", "-keep-stage-file=T", "-basic-auth"]),
    ).toEqual({
      ok: true,
      flags: {
        onetime: true,
        watch: true,
        noop: false,
        syncOnly: true,
        keepStageFile: true,
        basicAuth: true,
      },
    });
    // A boolean never consumes the next argument.
    const r = parseFlags(["-onetime", "false"]);
    expect(r.ok).toBe(false);
  });

  it("repeats -node and -file", () => {
    const r = parseFlags([
      "-node",
      "http://a:2379",
      "-node=http://b:2379",
      "-file",
      "x.yaml",
      "--file=y.json",
    ]);
    expect(r).toEqual({
      ok: true,
      flags: { nodes: ["http://a:2379", "http://b:2379"], files: ["x.yaml", "y.json"] },
    });
  });

  it("reads every confd flag", () => {
    const r = parseFlags([
      "-client-cert",
      "c.pem",
      "-client-key",
      "k.pem",
      "-client-ca-keys",
      "ca.pem",
      "-username",
      "u",
      "-password",
      "p",
      "-scheme",
      "https",
      "-filter",
      "*.yml",
      "-config-file",
      "/x/confd.toml",
      "-version",
      "-wait",
      "1s:2s",
    ]);
    expect(r).toEqual({
      ok: true,
      flags: {
        clientCert: "c.pem",
        clientKey: "k.pem",
        clientCaKeys: "ca.pem",
        username: "u",
        password: "p",
        scheme: "https",
        filter: "*.yml",
        configFile: "/x/confd.toml",
        version: true,
        wait: "1s:2s",
      },
    });
  });

  it("rejects unknown flags, missing values, bad numbers and positional arguments with a clear message", () => {
    expect(parseFlags(["-bogus"])).toEqual({
      ok: false,
      error: "flag provided but not defined: -bogus (see -help)",
    });
    expect(parseFlags(["-prefix"])).toEqual({ ok: false, error: "flag needs an argument: -prefix <path>" });
    expect(parseFlags(["-interval", "ten"])).toMatchObject({
      ok: false,
      error: expect.stringContaining('invalid value "ten" for -interval'),
    });
    expect(parseFlags(["-interval", "0"])).toMatchObject({ ok: false });
    expect(parseFlags(["onetime"])).toMatchObject({
      ok: false,
      error: expect.stringContaining("did you mean -onetime"),
    });
    expect(parseFlags(["-noop=maybe"])).toMatchObject({ ok: false, error: expect.stringContaining("-noop") });
    expect(parseFlags(["-srv-domain", "x"])).toMatchObject({
      ok: false,
      error: expect.stringContaining("does not support"),
    });
    expect(parseFlags(["---x"])).toMatchObject({ ok: false, error: "bad flag syntax: ---x" });
  });

  it("validates flag values: backend, log level, scheme, wait", () => {
    expect(checkFlagValues({ backend: "consul" })).toContain('invalid value "consul" for -backend');
    expect(checkFlagValues({ logLevel: "loud" })).toContain("-log-level");
    expect(checkFlagValues({ scheme: "ftp" })).toContain("-scheme");
    expect(checkFlagValues({ wait: "soon" })).toContain("invalid -wait");
    expect(checkFlagValues({ wait: "2s:1s" })).toContain("max must not be below min");
    expect(
      checkFlagValues({ backend: "etcdv3", logLevel: "warning", scheme: "https", wait: "50ms:500ms" }),
    ).toBeUndefined();
  });

  it("has a usage text naming every flag", () => {
    const text = usage();
    for (const f of [
      "-backend",
      "-node",
      "-prefix",
      "-confdir",
      "-config-file",
      "-interval",
      "-watch",
      "-onetime",
      "-noop",
      "-sync-only",
      "-keep-stage-file",
      "-log-level",
      "-scheme",
      "-username",
      "-password",
      "-basic-auth",
      "-client-cert",
      "-client-key",
      "-client-ca-keys",
      "-file",
      "-filter",
      "-version",
      "-wait",
    ]) {
      expect(text).toContain(`  ${f} `);
    }
  });
});
