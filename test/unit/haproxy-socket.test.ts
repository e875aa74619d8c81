import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MasterCli } from "../../src/haproxy/master.js";
import { HaproxyCommandError, RuntimeApi } from "../../src/haproxy/runtime.js";

const dir = mkdtempSync(join(tmpdir(), "hecd-sock-"));
const servers: Server[] = [];
const conns: Socket[] = [];
afterAll(async () => {
  for (const c of conns) c.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

/** A fake CLI socket: answers each received line with `answer(line)`, or never when it returns null. */
async function fakeSocket(name: string, answer: (line: string) => string | null): Promise<string> {
  const path = join(dir, name);
  const srv = createServer({ allowHalfOpen: true }, (c) => {
    conns.push(c);
    let buf = "";
    c.on("data", (d) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      const out = answer(buf.slice(0, nl));
      if (out !== null) c.end(out);
    });
    c.on("error", () => {});
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(path, r));
  return path;
}

describe("CLI socket errors", () => {
  it("a missing socket names the socket, the command and the likely cause", async () => {
    const api = new RuntimeApi(join(dir, "nope.sock"));
    await expect(api.showStat()).rejects.toThrow(
      /cannot send "show stat" to HAProxy runtime API at .*nope\.sock: ENOENT \(is HAProxy running/,
    );
    await expect(new MasterCli(join(dir, "nope2.sock")).showProc()).rejects.toThrow(
      /HAProxy master CLI .*ENOENT/,
    );
  });

  it("a socket that never answers times out with the command in the message", async () => {
    const path = await fakeSocket("silent.sock", () => null);
    const api = new RuntimeApi(path, { timeoutMs: 200 });
    await expect(api.raw("show info")).rejects.toThrow(/did not answer "show info" within 200 ms/);
  });

  it("an error answer becomes a HaproxyCommandError with HAProxy's text", async () => {
    const path = await fakeSocket("err.sock", () => "Permission denied\n\n");
    const api = new RuntimeApi(path);
    const e = await api.showServersState("app").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HaproxyCommandError);
    expect((e as Error).message).toBe(
      `HAProxy rejected "show servers state app" (socket ${path}): Permission denied`,
    );
    await expect(api.addServer("app", "s1", { ip: "10.0.0.1", port: 80, family: 4 }, null)).rejects.toThrow(
      /add server app\/s1 10\.0\.0\.1:80.*Permission denied/,
    );
  });

  it("parses show proc from a master socket", async () => {
    const path = await fakeSocket("master.sock", (line) =>
      line === "show proc"
        ? "#<PID>  <type>  <reloads>  <uptime>  <version>\n10  master  2 [failed: 1]  0d00h00m05s  2.6.12\n# workers\n12  worker  0  0d00h00m01s  2.6.12\n# programs\n\n"
        : "Unknown command.\n",
    );
    const p = await new MasterCli(path).showProc();
    expect(p.master).toMatchObject({ pid: 10, reloads: 2, failedReloads: 1 });
    expect(p.workers.map((w) => w.pid)).toEqual([12]);
  });
});
