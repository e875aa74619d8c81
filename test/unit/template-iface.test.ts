// lookupIfaceIPV4 / lookupIfaceIPV6 against this machine's interfaces (os.networkInterfaces())
// and against Go running confd's InterfaceByName/Addrs logic on the same machine.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { networkInterfaces, tmpdir, type NetworkInterfaceInfo } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lookupIfaceIPV4, lookupIfaceIPV6 } from "../../src/confd/iface.js";
import { renderTemplate } from "../../src/confd/template-file.js";
import { requireTool } from "../harness/tools.js";

const MISSING = "hecdnosuchif0";

// confd's two functions, plus net.IP.String() of parsed addresses, printed one per line.
const GO_PROGRAM = `package main

import (
	"fmt"
	"net"
	"os"
)

func v4(name string) string {
	ief, err := net.InterfaceByName(name)
	if err != nil {
		return ""
	}
	addrs, err := ief.Addrs()
	if err != nil {
		return ""
	}
	var ip net.IP
	for _, a := range addrs {
		ip = a.(*net.IPNet).IP.To4()
		if ip != nil {
			break
		}
	}
	return ip.String()
}

func v6(name string) string {
	ief, err := net.InterfaceByName(name)
	if err != nil {
		return ""
	}
	addrs, err := ief.Addrs()
	if err != nil {
		return ""
	}
	var ip net.IP
	for _, a := range addrs {
		ip = a.(*net.IPNet).IP.To16()
		if ip != nil {
			break
		}
	}
	return ip.String()
}

func main() {
	mode := os.Args[1]
	for _, arg := range os.Args[2:] {
		switch mode {
		case "iface":
			fmt.Printf("%s|%s\\n", v4(arg), v6(arg))
		case "ip":
			fmt.Println(net.ParseIP(arg).String())
		}
	}
}
`;

function runGo(args: string[]): string[] {
  const go = requireTool("go", "apt-get install golang-go");
  const dir = mkdtempSync(join(tmpdir(), "hecd-iface-"));
  try {
    writeFileSync(join(dir, "main.go"), GO_PROGRAM);
    const out = execFileSync(go, ["run", "main.go", ...args], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, GO111MODULE: "off" },
    });
    return out.split("\n").slice(0, -1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function info(address: string, family: "IPv4" | "IPv6"): NetworkInterfaceInfo {
  const base = { address, netmask: "", mac: "00:00:00:00:00:00", internal: false, cidr: null };
  return family === "IPv4" ? { ...base, family } : { ...base, family, scopeid: 0 };
}

describe("lookupIfaceIPV4 / lookupIfaceIPV6", () => {
  it("gives lo's addresses from os.networkInterfaces()", () => {
    const lo = networkInterfaces().lo;
    expect(lo, "this machine has a running lo").toBeDefined();
    const firstV4 = lo!.find((a) => a.family === "IPv4")!.address;
    expect(firstV4).toBe("127.0.0.1");
    expect(lookupIfaceIPV4("lo")).toBe(firstV4);
    // confd's IPV6 takes the first address of either family (To16 never fails).
    expect(lookupIfaceIPV6("lo")).toBe(lo![0]!.address);
  });

  it("renders through the confd function map", () => {
    const out = renderTemplate({
      name: "t",
      text: `{{lookupIfaceIPV4 "lo"}}|{{lookupIfaceIPV4 "${MISSING}"}}|{{printf "%T" (lookupIfaceIPV6 "lo")}}`,
    });
    expect(out).toBe("127.0.0.1||string");
  });

  it("matches confd's Go logic on this machine (lo, eth0 when present, a missing name)", () => {
    const names = ["lo", MISSING, ""];
    const table = networkInterfaces();
    if (table.eth0 !== undefined) names.push("eth0");
    const got = runGo(["iface", ...names]);
    expect(got).toEqual(names.map((n) => `${lookupIfaceIPV4(n)}|${lookupIfaceIPV6(n)}`));
  });

  it("formats IPv6 addresses like Go's net.IP.String()", () => {
    const addrs = [
      "::1",
      "::",
      "fe80::fc:ff:fe00:1",
      "2001:db8:0:0:1:0:0:1",
      "2001:db8::1:0:0:1",
      "2001:0db8:0000:0000:0000:0000:0002:0001",
      "1:0:2:3:4:5:6:7",
      "1::",
      "::ffff:10.1.2.3",
      "::ffff:a01:203",
      "::10.1.2.3",
      "0:0:0:0:0:ffff:0:0",
      "fd00::2",
      "ABCD:EF01::9",
    ];
    const want = runGo(["ip", ...addrs]);
    const got = addrs.map((a) =>
      lookupIfaceIPV6("x", { interfaces: () => ({ x: [info(a, "IPv6")] }), exists: () => true }),
    );
    expect(got).toEqual(want);
  });

  it("picks addresses with confd's rules", () => {
    const table = {
      v6first: [info("fd00::5", "IPv6"), info("10.0.0.5", "IPv4")],
      v6only: [info("fe80::1", "IPv6")],
      mapped: [info("fd00::7", "IPv6"), info("::ffff:10.9.8.7", "IPv6")],
      empty: [],
    };
    const opts = { interfaces: () => table, exists: (n: string) => n === "down0" };
    expect(lookupIfaceIPV4("v6first", opts)).toBe("10.0.0.5");
    expect(lookupIfaceIPV6("v6first", opts)).toBe("fd00::5");
    expect(lookupIfaceIPV4("v6only", opts)).toBe("<nil>");
    expect(lookupIfaceIPV6("v6only", opts)).toBe("fe80::1");
    expect(lookupIfaceIPV4("mapped", opts)).toBe("10.9.8.7");
    expect(lookupIfaceIPV4("empty", opts)).toBe("<nil>");
    expect(lookupIfaceIPV6("empty", opts)).toBe("<nil>");
    // Present but not running (libuv leaves it out): it exists, so "<nil>", not "".
    expect(lookupIfaceIPV4("down0", opts)).toBe("<nil>");
    expect(lookupIfaceIPV4("gone0", opts)).toBe("");
    expect(lookupIfaceIPV6("gone0", opts)).toBe("");
    expect(lookupIfaceIPV4("../lo", {})).toBe("");
  });
});
