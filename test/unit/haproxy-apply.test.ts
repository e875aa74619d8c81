import { describe, expect, it } from "vitest";
import { applyBackends as applyEntries, type ApplyOptions } from "../../src/haproxy/apply.js";
import { normalizeServers } from "../../src/haproxy/servers.js";
import type { ServerState } from "../../src/haproxy/parse.js";
import { HaproxyCommandError, type RuntimeApi, type RuntimeCommand } from "../../src/haproxy/runtime.js";

const quiet = { info() {}, warn() {}, error() {} };
const opts: ApplyOptions = {
  check: { interMs: 100, fall: 2, rise: 1 },
  drain: { timeoutMs: 1000, pollMs: 10, log: quiet },
};

/** A runtime API whose answers are scripted per command; it records what was sent and how. */
function fakeRuntime(
  live: ServerState[],
  answer: (command: string) => string,
): { runtime: RuntimeApi; batches: string[][]; singles: string[] } {
  const batches: string[][] = [];
  const singles: string[] = [];
  const fake = {
    socketPath: "/fake.sock",
    showServersState: () => Promise.resolve(live),
    sendAll: (cmds: readonly RuntimeCommand[]) => {
      batches.push(cmds.map((c) => c.command));
      return Promise.resolve(
        cmds.map((c) => {
          const out = answer(c.command);
          return c.ok.test(out) ? out : new HaproxyCommandError(c.command, out, "/fake.sock");
        }),
      );
    },
    setServerState: (b: string, s: string, state: string) => {
      singles.push(`set server ${b}/${s} state ${state}`);
      return Promise.resolve();
    },
    delServer: (b: string, s: string) => {
      singles.push(`del server ${b}/${s}`);
      return Promise.resolve();
    },
  };
  return { runtime: fake as unknown as RuntimeApi, batches, singles };
}

/** Desired sets are written as etcd holds them (name -> "ip:port"), validated at the edge. */
const applyBackends = (
  runtime: RuntimeApi,
  backend: string,
  desired: ReadonlyMap<string, string>,
  o: ApplyOptions,
) => applyEntries(runtime, backend, normalizeServers(desired).servers, o);

const ok = (command: string): string => (command.startsWith("add server") ? "New server registered.\n" : "");

describe("applyBackends sends one batch per apply", () => {
  it("adds and repairs travel in one batch, in plan order", async () => {
    const stale: ServerState = {
      backend: "app",
      backendId: 3,
      name: "old",
      id: 1,
      addr: "127.0.0.1",
      port: 80,
      opState: 2,
      adminState: 1,
      checkState: 6,
    };
    const f = fakeRuntime([stale], ok);
    const report = await applyBackends(
      f.runtime,
      "app",
      new Map([
        ["a", "127.0.0.1:81"],
        ["old", "127.0.0.1:80"],
      ]),
      opts,
    );
    expect(f.batches).toEqual([
      [
        "add server app/a 127.0.0.1:81 check inter 100 fall 2 rise 1",
        "enable health app/a",
        "set server app/a state ready",
        "set server app/old state ready",
      ],
    ]);
    expect(report.added).toEqual(["a"]);
    expect(report.repaired).toEqual(["set old ready (was maint)"]);
    expect(report.failed).toEqual([]);
  });

  it("a failed step fails only its own action, with HAProxy's text; a half-added server is undone", async () => {
    const f = fakeRuntime([], (c) =>
      c === "enable health app/b"
        ? "Health checks are not configured on this server, cannot enable.\n"
        : c.startsWith("add server app/c")
          ? "Already exists a server with the same name in backend.\n"
          : ok(c),
    );
    const report = await applyBackends(
      f.runtime,
      "app",
      new Map([
        ["a", "127.0.0.1:81"],
        ["b", "127.0.0.1:82"],
        ["c", "127.0.0.1:83"],
      ]),
      opts,
    );
    expect(report.added).toEqual(["a"]);
    expect(report.failed).toEqual([
      {
        action: "add b at 127.0.0.1:82",
        error:
          'HAProxy rejected "enable health app/b" (socket /fake.sock): Health checks are not configured on this server, cannot enable.',
      },
      {
        action: "add c at 127.0.0.1:83",
        error: expect.stringMatching(/^HAProxy rejected "add server app\/c .*Already exists/) as unknown,
      },
    ]);
    // b was created, so it is put in maint and deleted; c was never created, so nothing is undone.
    expect(f.singles).toEqual(["set server app/b state maint", "del server app/b"]);
  });

  it("a lost connection fails every action of the batch with the socket error", async () => {
    const f = fakeRuntime([], ok);
    (f.runtime as unknown as { sendAll: () => Promise<never> }).sendAll = () =>
      Promise.reject(new Error("cannot send to HAProxy runtime API at /fake.sock: ECONNREFUSED"));
    const report = await applyBackends(f.runtime, "app", new Map([["a", "127.0.0.1:81"]]), opts);
    expect(report.added).toEqual([]);
    expect(report.failed).toEqual([
      { action: "add a at 127.0.0.1:81", error: expect.stringMatching(/ECONNREFUSED/) as unknown },
    ]);
  });
});
