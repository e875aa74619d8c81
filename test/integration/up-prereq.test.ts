import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { formatMissing, missingBinaries } from "../../src/stack/prereq.js";
import { startStack } from "../../src/stack/up.js";

describe("hecd up prerequisites", () => {
  const dir = mkdtempSync(join(tmpdir(), "hecd-prereq-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names each missing binary with the exact install command", () => {
    const missing = missingBinaries(["haproxy", "no-such-binary-hecd"]);
    expect(missing).toEqual([
      { what: "the 'no-such-binary-hecd' binary is not on PATH", fix: "install no-such-binary-hecd" },
    ]);
    const text = formatMissing([
      { what: "the 'etcd' binary is not on PATH", fix: "apt-get install -y etcd-server etcd-client" },
    ]);
    expect(text).toContain("fix: apt-get install -y etcd-server etcd-client");
    expect(text).toContain("bash scripts/demo.sh");
  });

  it("refuses to start without a Docker engine, says how to start one, and leaves nothing behind", async () => {
    const stateDir = join(dir, "state");
    await expect(
      startStack({
        stateDir,
        dockerHost: `unix://${join(dir, "no-docker.sock")}`,
        logger: pino({ level: "silent" }),
      }),
    ).rejects.toThrow(/no Docker engine answers at unix:\/\/.*no-docker\.sock[\s\S]*fix: .*dockerd/);
    expect(existsSync(stateDir)).toBe(false);
  });
});
