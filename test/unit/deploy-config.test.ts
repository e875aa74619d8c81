import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readClusterFile } from "../../src/deploy/config-file.js";
import { parseHostSpec } from "../../src/deploy/hosts.js";
import { defaultService } from "../../src/deploy/run.js";
import { formatTable } from "../../src/deploy/ps.js";

const dir = mkdtempSync(join(tmpdir(), "hecd-cfg-"));
function file(text: string): string {
  const p = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, text);
  return p;
}

describe("hosts config file", () => {
  it("reads etcd endpoints and docker hosts", () => {
    const p = file(
      "etcd: [http://10.0.0.2:2379]\ndocker_hosts:\n  - { name: web1, endpoint: 'tcp://10.0.0.5:2376', address: 10.0.0.5 }\n  - endpoint: unix:///var/run/docker.sock\n",
    );
    expect(readClusterFile(p)).toEqual({
      etcd: ["http://10.0.0.2:2379"],
      dockerHosts: [
        { name: "web1", endpoint: "tcp://10.0.0.5:2376", address: "10.0.0.5" },
        { endpoint: "unix:///var/run/docker.sock" },
      ],
    });
  });

  it("names the file and the mistake", () => {
    expect(() => readClusterFile(file("etcd: http://x:1\n"))).toThrow(
      /hosts config .*: etcd must be a list of URLs/,
    );
    expect(() => readClusterFile(file("docker_hosts: [{name: a}]\n"))).toThrow(
      /docker_hosts\[0\] needs an endpoint/,
    );
    expect(() => readClusterFile(file("hosts: []\n"))).toThrow(/unknown setting "hosts"/);
    expect(() => readClusterFile(file("docker_hosts: [{endpoint: x, port: 1}]\n"))).toThrow(
      /unknown setting port/,
    );
    expect(() => readClusterFile(join(dir, "missing.yaml"))).toThrow(
      /cannot read hosts config .*missing\.yaml/,
    );
    expect(() => readClusterFile(file("etcd: [\n"))).toThrow(/cannot read hosts config/);
  });
});

describe("host specs and names", () => {
  it("parses ENDPOINT[@ADDRESS] and takes a TCP host as the address", () => {
    expect(parseHostSpec("unix:///run/d.sock@127.0.0.2")).toEqual({
      endpoint: "unix:///run/d.sock",
      address: "127.0.0.2",
    });
    expect(parseHostSpec("tcp://10.1.2.3:2376")).toEqual({
      endpoint: "tcp://10.1.2.3:2376",
      address: "10.1.2.3",
    });
    expect(parseHostSpec("unix:///run/d.sock")).toEqual({
      endpoint: "unix:///run/d.sock",
      address: undefined,
    });
    expect(() => parseHostSpec("unix:///run/d.sock@not an ip")).toThrow();
  });

  it("derives a service name from the image", () => {
    expect(defaultService("registry.local:5000/team/web-app:1.2")).toBe("web-app");
    expect(defaultService("busybox@sha256:abc")).toBe("busybox");
    expect(defaultService("___")).toBe("app");
  });

  it("formats ps rows as an aligned table", () => {
    const t = formatTable([
      {
        name: "web-1",
        service: "web",
        host: "h1",
        state: "running",
        address: "10.0.0.1:32768",
        key: "/app/servers/web-1",
        registered: "yes",
      },
      { name: "db", service: "", host: "h2", state: "exited", address: "", key: "", registered: "-" },
    ]);
    expect(t).toBe(
      "NAME   SERVICE  HOST  STATE    ADDRESS         IN ETCD\n" +
        "web-1  web      h1    running  10.0.0.1:32768  yes\n" +
        "db              h2    exited   -               -\n",
    );
  });
});
