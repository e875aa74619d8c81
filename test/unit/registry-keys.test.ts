import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { ContainerInspectInfo } from "dockerode";
import {
  addressHost,
  DEFAULT_PREFIX,
  formatAddress,
  hostKey,
  keyBase,
  normalizePrefix,
  serverKey,
  serviceKey,
  validateAddress,
} from "../../src/registry/keys.js";
import { decide, normalizePortSpec, type LayoutConfig } from "../../src/agent/container.js";
import { parseEvent } from "../../src/agent/events.js";
import { resolveDockerEndpoint } from "../../src/docker/connect.js";
import { isStaticElf } from "../../src/images/demo.js";

describe("key layout", () => {
  it("builds the seed layout, the services layout and host keys", () => {
    expect(DEFAULT_PREFIX).toBe("/app/servers");
    expect(serverKey(DEFAULT_PREFIX, "cocky_morse")).toBe("/app/servers/cocky_morse");
    expect(serverKey("app/servers/", "/cocky_morse")).toBe("/app/servers/cocky_morse");
    expect(serviceKey("web", "web.1")).toBe("/services/web/web.1");
    expect(hostKey("127.0.0.2")).toBe("/hecd/hosts/127.0.0.2");
    expect(keyBase("/app/servers/goofy_goldstine")).toBe("goofy_goldstine");
  });

  it("rejects names that would escape or break the layout", () => {
    expect(() => serverKey("/app/servers", "a/b")).toThrow(
      /container name "a\/b" is not a valid key element/,
    );
    expect(() => serverKey("/app/servers", "..")).toThrow(/not a valid key element/);
    expect(() => serviceKey("", "x")).toThrow(/service name is empty/);
    expect(() => hostKey("h ost")).toThrow(/host name "h ost"/);
    expect(() => normalizePrefix("/")).toThrow(/whole keyspace/);
    expect(() => normalizePrefix("/app//servers")).toThrow(/empty, '.' or '..'/);
    expect(() => normalizePrefix("/app/ servers")).toThrow(/whitespace/);
  });
});

describe("validateAddress", () => {
  it("accepts host:port with IPv4, hostnames and [IPv6]", () => {
    for (const v of [
      "192.168.1.22:49156",
      "127.0.0.2:1",
      "web-1.example.com:65535",
      "[::1]:80",
      "[fd00::2]:8080",
      "localhost:80",
    ]) {
      expect(validateAddress(v)).toBe(v);
    }
  });

  it("rejects everything else with a message naming the value", () => {
    const bad: Array<[string, RegExp]> = [
      ["", /empty/],
      ["10.0.0.1", /no port/],
      ["10.0.0.1:0", /1\.\.65535/],
      ["10.0.0.1:65536", /1\.\.65535/],
      ["10.0.0.1:080", /leading zeros/],
      ["10.0.0.1:80 ", /whitespace/],
      ["10.0.0.1:80\nserver x 1.1.1.1:80", /whitespace or control/],
      ["10.0.0.256:80", /not a valid IPv4/],
      ["::1:80", /\[addr\]:port/],
      ["[10.0.0.1]:80", /only for IPv6/],
      ["ex ample:80", /whitespace/],
      ["-bad-:80", /not a valid IPv4 address, hostname/],
      ["a:b:c", /IPv6/],
      ["10.0.0.1:http", /port must be a number/],
    ];
    for (const [v, re] of bad) expect(() => validateAddress(v), v).toThrow(re);
  });

  it("never accepts a value containing whitespace or control characters (property)", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.constantFrom(" ", "\n", "\r", "\t", "\u0000", "\u007f"),
        fc.string(),
        (a, ws, b) => {
          expect(() => validateAddress(`${a}${ws}${b}`)).toThrow();
        },
      ),
    );
  });

  it("accepts every formatted IPv4 address and port, and addressHost inverts it (property)", () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
        const v = formatAddress(ip, port);
        expect(validateAddress(v)).toBe(v);
        expect(addressHost(v)).toBe(ip);
      }),
    );
  });
});

describe("docker endpoint", () => {
  it("uses the option, then DOCKER_HOST, then the local socket", () => {
    expect(resolveDockerEndpoint({}, {}).socketPath).toBe("/var/run/docker.sock");
    expect(resolveDockerEndpoint({}, { DOCKER_HOST: "unix:///tmp/d.sock" }).socketPath).toBe("/tmp/d.sock");
    expect(resolveDockerEndpoint({ host: "/run/x.sock" }, { DOCKER_HOST: "unix:///tmp/d.sock" }).url).toBe(
      "unix:///run/x.sock",
    );
  });

  it("requires TLS client certificates for TCP", () => {
    expect(() => resolveDockerEndpoint({ host: "tcp://10.0.0.5:2375" }, {})).toThrow(
      /TCP without TLS client certificates; refusing/,
    );
    const ep = resolveDockerEndpoint(
      {},
      { DOCKER_HOST: "tcp://10.0.0.5:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: "/certs" },
    );
    expect(ep).toMatchObject({ host: "10.0.0.5", port: 2376, tls: { verify: true, certPath: "/certs" } });
    expect(() => resolveDockerEndpoint({ host: "ssh://me@h" }, {})).toThrow(/not supported/);
  });
});

function container(over: {
  name?: string;
  running?: boolean;
  paused?: boolean;
  labels?: Record<string, string>;
  env?: string[];
  ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null>;
  networkMode?: string;
}): ContainerInspectInfo {
  return {
    Id: "abc123",
    Name: `/${over.name ?? "web1"}`,
    State: { Running: over.running ?? true, Paused: over.paused ?? false, Restarting: false },
    Config: { Labels: over.labels ?? {}, Env: over.env ?? [] },
    HostConfig: { NetworkMode: over.networkMode ?? "default" },
    NetworkSettings: { Ports: over.ports ?? { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "49156" }] } },
  } as unknown as ContainerInspectInfo;
}

const servers: LayoutConfig = {
  layout: "servers",
  prefix: "/app/servers",
  port: "80/tcp",
  hostIp: "192.168.1.22",
};
const services: LayoutConfig = { ...servers, layout: "services" };

describe("decide (which key and address a container gets)", () => {
  it("seed layout: /app/servers/<name> = <host-ip>:<host-port>", () => {
    expect(decide(container({}), servers)).toMatchObject({
      kind: "register",
      key: "/app/servers/web1",
      address: "192.168.1.22:49156",
    });
  });

  it("uses the binding's own IP when the port is bound to one address", () => {
    const d = decide(container({ ports: { "80/tcp": [{ HostIp: "127.0.0.12", HostPort: "32768" }] } }), {
      ...servers,
      hostIp: undefined,
    });
    expect(d).toMatchObject({ kind: "register", address: "127.0.0.12:32768" });
  });

  it("skips, saying why: unpublished port, wildcard bind without host IP, ignore, not running, paused", () => {
    expect(decide(container({ ports: { "80/tcp": null } }), servers)).toMatchObject({
      kind: "skip",
      reason: expect.stringMatching(/container port 80\/tcp is not published/),
    });
    expect(decide(container({}), { ...servers, hostIp: undefined })).toMatchObject({
      kind: "skip",
      reason: expect.stringMatching(/bound on all interfaces and no host IP is known \(pass --host-ip\)/),
    });
    expect(decide(container({ labels: { "hecd.ignore": "true" } }), servers)).toMatchObject({
      kind: "skip",
      reason: "label hecd.ignore is set",
    });
    expect(decide(container({ env: ["SERVICE_IGNORE=yes"] }), servers)).toMatchObject({
      kind: "skip",
      reason: "env SERVICE_IGNORE is set",
    });
    expect(decide(container({ labels: { "hecd.ignore": "false" } }), servers).kind).toBe("register");
    expect(decide(container({ running: false }), servers)).toMatchObject({ kind: "skip", eligible: false });
    expect(decide(container({ paused: true }), servers)).toMatchObject({ kind: "skip", reason: "paused" });
  });

  it("services layout: service from label, then env; port from hecd.port, then SERVICE_PORT", () => {
    const ports = {
      "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "1000" }],
      "8080/tcp": [{ HostIp: "0.0.0.0", HostPort: "2000" }],
    };
    expect(
      decide(container({ labels: { "hecd.service": "web" }, env: ["SERVICE_NAME=api"], ports }), services),
    ).toMatchObject({
      key: "/services/web/web1",
      address: "192.168.1.22:1000",
      service: "web",
    });
    expect(
      decide(container({ env: ["SERVICE_NAME=api", "SERVICE_PORT=8080"], ports }), services),
    ).toMatchObject({
      key: "/services/api/web1",
      address: "192.168.1.22:2000",
    });
    expect(
      decide(
        container({
          labels: { "hecd.service": "web", "hecd.port": "8080/tcp" },
          env: ["SERVICE_PORT=80"],
          ports,
        }),
        services,
      ),
    ).toMatchObject({
      address: "192.168.1.22:2000",
    });
    expect(decide(container({ ports }), services)).toMatchObject({
      kind: "skip",
      reason: expect.stringMatching(/no service name/),
    });
    expect(decide(container({ labels: { "hecd.service": "we/b" }, ports }), services)).toMatchObject({
      kind: "skip",
      reason: expect.stringMatching(/service name "we\/b" is not a valid key element/),
    });
    expect(
      decide(container({ labels: { "hecd.service": "web", "hecd.port": "http" }, ports }), services),
    ).toMatchObject({
      kind: "skip",
      reason: expect.stringMatching(/label hecd.port: port "http"/),
    });
  });

  it("host network: the container port on the host IP", () => {
    expect(decide(container({ networkMode: "host", ports: {} }), servers)).toMatchObject({
      address: "192.168.1.22:80",
    });
  });

  it("normalizes port specs", () => {
    expect(normalizePortSpec("80")).toBe("80/tcp");
    expect(normalizePortSpec("53/udp")).toBe("53/udp");
    expect(() => normalizePortSpec("0")).toThrow(/1\.\.65535/);
    expect(() => normalizePortSpec("80/xyz")).toThrow();
  });
});

describe("docker events", () => {
  it("parses container events and drops others", () => {
    expect(
      parseEvent({
        Type: "container",
        Action: "start",
        Actor: { ID: "id1", Attributes: { name: "w" } },
        timeNano: 1_700_000_000_123_000_000,
      }),
    ).toEqual({
      action: "start",
      id: "id1",
      attributes: { name: "w" },
      timeMs: 1_700_000_000_123,
    });
    expect(
      parseEvent({ Type: "container", Action: "exec_start: sh -c x", Actor: { ID: "id1" } })?.action,
    ).toBe("exec_start");
    expect(parseEvent({ Type: "network", Action: "connect", Actor: { ID: "n" } })).toBeUndefined();
    expect(parseEvent({ status: "die", id: "id2", time: 5 })).toMatchObject({
      action: "die",
      id: "id2",
      timeMs: 5000,
    });
  });
});

describe("demo image", () => {
  it("recognizes a static ELF (busybox-static) and a dynamic one (node)", () => {
    expect(isStaticElf("/bin/busybox")).toBe(true);
    expect(isStaticElf(process.execPath)).toBe(false);
  });
});
