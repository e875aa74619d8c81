import fc from "fast-check";
import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  formatServerAddress,
  isSafeName,
  parseServerAddress,
  serverNameFor,
} from "../../src/haproxy/names.js";
import type { ServerState } from "../../src/haproxy/parse.js";
import { describeAction, planBackend } from "../../src/haproxy/plan.js";
import {
  generateStatsPassword,
  loadOrCreateStatsPassword,
  readSecretFile,
} from "../../src/haproxy/secrets.js";
import { normalizeServers, silentLogger, type ServerEntry } from "../../src/haproxy/servers.js";
import { configSkeleton, defaultConfigOptions, renderConfig } from "../../src/haproxy/config.js";

function live(name: string, addr: string, port: number, adminState = 0, checkState = 6): ServerState {
  return { backend: "app", backendId: 3, name, id: 1, addr, port, opState: 2, adminState, checkState };
}
function entry(name: string, value: string): ServerEntry {
  const { servers } = normalizeServers(new Map([[name, value]]), silentLogger);
  return servers[0]!;
}

describe("server names and addresses", () => {
  it("keeps safe names and maps others deterministically to distinct safe names", () => {
    expect(serverNameFor("web-1.a_b")).toBe("web-1.a_b");
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), fc.string({ maxLength: 100 }), (a, b) => {
        const na = serverNameFor(a);
        expect(isSafeName(na)).toBe(true);
        expect(serverNameFor(a)).toBe(na);
        if (a !== b) expect(serverNameFor(b)).not.toBe(na);
      }),
    );
    expect(serverNameFor("/web 1")).toMatch(/^_web_1-[0-9a-f]{8}$/);
    expect(serverNameFor("")).toMatch(/^s-[0-9a-f]{8}$/);
  });

  it("accepts IPv4:port and [IPv6]:port only", () => {
    expect(parseServerAddress("10.0.0.5:32768")).toEqual({
      ok: true,
      value: { ip: "10.0.0.5", port: 32768, family: 4 },
    });
    expect(parseServerAddress("[fd00::1]:80")).toEqual({
      ok: true,
      value: { ip: "fd00::1", port: 80, family: 6 },
    });
    expect(parseServerAddress("[FD00:0:0:0:0:0:0:1]:80")).toEqual({
      ok: true,
      value: { ip: "fd00::1", port: 80, family: 6 },
    });
    expect(parseServerAddress("[::ffff:10.0.0.1]:80")).toMatchObject({
      ok: false,
      error: expect.stringMatching(/IPv4-mapped/),
    });
    for (const bad of [
      "10.0.0.5",
      "10.0.0.5:0",
      "10.0.0.5:65536",
      "host:80",
      "10.0.0.5:80 backup",
      "10.0.0.5:80\n",
      " 10.0.0.5:80",
      "fd00::1:80",
      "[10.0.0.1]:80",
      "1.2.3.256:80",
      "",
    ]) {
      const r = parseServerAddress(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/expected IPv4:port or \[IPv6\]:port/);
    }
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = parseServerAddress(s);
        if (r.ok)
          expect(formatServerAddress(r.value)).toMatch(/^(\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:.]+\]):\d+$/);
      }),
    );
  });
});

describe("planBackend", () => {
  it("adds first, then repairs, then removes", () => {
    const plan = planBackend(
      [
        live("a", "10.0.0.1", 80),
        live("b", "10.0.0.2", 80),
        live("c", "10.0.0.3", 80, 1, 2),
        live("gone", "10.0.0.9", 80),
      ],
      [
        entry("a", "10.0.0.1:80"),
        entry("b", "10.0.0.2:81"),
        entry("c", "10.0.0.3:80"),
        entry("new", "10.0.0.4:80"),
      ],
    ).map(describeAction);
    expect(plan).toEqual([
      "add new at 10.0.0.4:80",
      "re-address b from 10.0.0.2:80 to 10.0.0.2:81",
      "enable health checks of c",
      "set c ready (was maint)",
      "drain and remove gone",
    ]);
  });

  it("is empty when live equals desired, including IPv6", () => {
    expect(planBackend([live("a", "fd00::1", 80)], [entry("a", "[fd00::1]:80")])).toEqual([]);
  });

  it("converges: applying the plan's effect yields an empty plan", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.constantFrom("a", "b", "c", "d"), fc.integer({ min: 1, max: 3 })), {
          selector: (t) => t[0],
        }),
        fc.uniqueArray(fc.tuple(fc.constantFrom("a", "b", "c", "e"), fc.integer({ min: 1, max: 3 })), {
          selector: (t) => t[0],
        }),
        (liveSet, desiredSet) => {
          const desired = desiredSet.map(([n, p]) => entry(n, `10.0.0.1:${p}`));
          const plan = planBackend(
            liveSet.map(([n, p]) => live(n, "10.0.0.1", p)),
            desired,
          );
          const after = new Map<string, number>(liveSet.map(([n, p]) => [n, p]));
          for (const a of plan) {
            if (a.kind === "remove") after.delete(a.name);
            else after.set(a.entry.name, a.entry.address.port);
          }
          expect(
            planBackend(
              [...after].map(([n, p]) => live(n, "10.0.0.1", p)),
              desired,
            ),
          ).toEqual([]);
          const kinds = plan.map((a) => a.kind);
          expect(kinds.lastIndexOf("add")).toBeLessThan(
            kinds.indexOf("remove") === -1 ? Infinity : kinds.indexOf("remove"),
          );
        },
      ),
    );
  });
});

describe("config text", () => {
  it("the skeleton ignores server lines only", () => {
    const o = defaultConfigOptions("/run/hecd", null);
    const a = renderConfig(o, [entry("a", "10.0.0.1:80")]);
    const b = renderConfig(o, [entry("b", "10.0.0.2:80"), entry("c", "10.0.0.3:80")]);
    expect(configSkeleton(a)).toBe(configSkeleton(b));
    expect(configSkeleton(a)).not.toBe(configSkeleton(renderConfig({ ...o, port: 8081 }, [])));
  });
});

describe("stats password storage", () => {
  it("generates URL-safe passwords and stores them 0600, once", () => {
    const p = generateStatsPassword();
    expect(p).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(generateStatsPassword()).not.toBe(p);
    const dir = mkdtempSync(join(tmpdir(), "hecd-secret-"));
    try {
      const first = loadOrCreateStatsPassword(dir);
      expect(first.created).toBe(true);
      expect(statSync(first.path).mode & 0o777).toBe(0o600);
      const second = loadOrCreateStatsPassword(dir);
      expect(second).toEqual({ ...first, created: false });
      chmodSync(first.path, 0o644);
      expect(() => readSecretFile(first.path)).toThrow(/readable by others.*chmod 600/);
      writeFileSync(first.path, "bad pw\n", { mode: 0o600 });
      chmodSync(first.path, 0o600);
      expect(() => readSecretFile(first.path)).toThrow(/not hold a valid stats password/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
