// One processing cycle over all resources: render, stage, compare, check, swap, reload.
import { createTwoFilesPatch } from "diff";
import type { Logger } from "pino";
import type { CommandRunner } from "./command.js";
import {
  checkDestDir,
  differences,
  readDest,
  removeStage,
  swapIn,
  writeStage,
  type DestState,
  type Desired,
} from "./files.js";
import { decideGroup, groupByReload, type MemberState } from "./plan.js";
import type { CommandRenderer, Renderer } from "./render.js";
import type { TemplateResource } from "./resource.js";
import { resourceValues, touches, type KeyChanges } from "./store.js";

export interface CycleOptions {
  noop: boolean;
  syncOnly: boolean;
  keepStageFile: boolean;
}

export interface CycleDeps {
  render: Renderer;
  renderCmd: CommandRenderer;
  run: CommandRunner;
  log: Logger;
  euid: number;
  egid: number;
  /** Where -noop diffs go (stdout). */
  out: (text: string) => void;
}

export type OutcomeStatus = "in-sync" | "updated" | "would-update" | "failed" | "held";

export interface Outcome {
  resource: TemplateResource;
  status: OutcomeStatus;
  /** Why it failed or was held. */
  reason?: string;
  /** What differed from dest ("content", "mode 0600 -> 0644", ...). */
  changes?: string[];
}

export interface CycleReport {
  outcomes: Outcome[];
  renders: number;
  reloads: number;
  /** True when any resource failed or was held back. */
  failed: boolean;
}

interface Prepared {
  resource: TemplateResource;
  state: MemberState;
  reason?: string;
  stage?: string;
  changes?: string[];
  renderMs?: number;
}

function unifiedDiff(dest: string, cur: DestState, want: Desired, changes: string[]): string {
  const meta = changes.filter((c) => c !== "content" && c !== "missing").map((c) => `# ${dest}: ${c}\n`);
  const patch = createTwoFilesPatch(
    dest,
    dest,
    cur.content ?? "",
    want.content,
    cur.exists ? "current" : "(new file)",
    "rendered",
  );
  return meta.join("") + (cur.content === want.content ? "" : patch);
}

async function prepare(
  r: TemplateResource,
  snapshot: ReadonlyMap<string, string>,
  opts: CycleOptions,
  deps: CycleDeps,
): Promise<Prepared> {
  const dirError = await checkDestDir(r.dest, r.file);
  if (dirError) return { resource: r, state: "failed", reason: dirError };
  const started = performance.now();
  let content: string;
  try {
    content = await deps.render(r.src, resourceValues(r, snapshot));
  } catch (e) {
    return { resource: r, state: "failed", reason: `render ${r.src} failed: ${(e as Error).message}` };
  }
  const renderMs = performance.now() - started;
  let cur: DestState;
  try {
    cur = await readDest(r.dest);
  } catch (e) {
    return { resource: r, state: "failed", reason: `cannot read ${r.dest}: ${(e as Error).message}` };
  }
  const want: Desired = {
    content,
    mode: r.mode ?? cur.mode ?? 0o644,
    uid: r.uid ?? deps.euid,
    gid: r.gid ?? deps.egid,
  };
  const changes = differences(cur, want);
  const base = { resource: r, renderMs };
  if (opts.noop) {
    if (changes.length > 0) deps.out(unifiedDiff(r.dest, cur, want, changes));
    return { ...base, state: changes.length > 0 ? "changed" : "in-sync", changes };
  }
  if (changes.length === 0 && !opts.keepStageFile) return { ...base, state: "in-sync" };
  let stage: string;
  try {
    stage = await writeStage(r.dest, want);
  } catch (e) {
    return { ...base, state: "failed", reason: `cannot stage ${r.dest}: ${(e as Error).message}` };
  }
  if (opts.keepStageFile) deps.log.info({ dest: r.dest, stage }, "keeping staged file");
  return { ...base, state: changes.length > 0 ? "changed" : "in-sync", stage, changes };
}

export async function runCycle(
  resources: readonly TemplateResource[],
  snapshot: ReadonlyMap<string, string>,
  opts: CycleOptions,
  deps: CycleDeps,
  trigger?: KeyChanges,
): Promise<CycleReport> {
  const { log } = deps;
  const prepared = new Map<TemplateResource, Prepared>();
  for (const r of resources) prepared.set(r, await prepare(r, snapshot, opts, deps));
  const outcomes: Outcome[] = [];
  let reloads = 0;
  const discard = async (p: Prepared) => {
    if (p.stage && !opts.keepStageFile) await removeStage(p.stage);
  };

  for (const group of groupByReload(resources)) {
    const members = group.members.map((r) => prepared.get(r)!);
    for (const m of members) {
      if (m.state === "failed")
        log.error({ resource: m.resource.file, dest: m.resource.dest }, m.reason ?? "failed");
    }
    if (opts.noop) {
      for (const m of members) {
        const status: OutcomeStatus =
          m.state === "failed" ? "failed" : m.state === "changed" ? "would-update" : "in-sync";
        if (status === "would-update")
          log.warn(
            { dest: m.resource.dest, changes: m.changes },
            "noop mode: dest would change but is not modified",
          );
        outcomes.push({
          resource: m.resource,
          status,
          ...(m.reason ? { reason: m.reason } : {}),
          ...(m.changes ? { changes: m.changes } : {}),
        });
      }
      continue;
    }
    const decision = decideGroup(
      members.map((m) => ({ file: m.resource.file, state: m.state })),
      group.reloadCmd,
      opts.syncOnly,
    );
    if (decision.action !== "apply") {
      for (const m of members) {
        await discard(m);
        if (m.state === "failed")
          outcomes.push({ resource: m.resource, status: "failed", reason: m.reason! });
        else if (m.state === "changed") {
          const reason = `not applied: ${decision.action === "hold" ? decision.because.join(", ") : ""} failed and shares reload_cmd`;
          log.warn({ dest: m.resource.dest }, reason);
          outcomes.push({ resource: m.resource, status: "held", reason });
        } else outcomes.push({ resource: m.resource, status: "in-sync" });
      }
      continue;
    }

    const changed = members.filter((m) => m.state === "changed");
    let checkFailure: string | undefined;
    if (!opts.syncOnly) {
      for (const m of changed) {
        const cmdText = m.resource.checkCmd;
        if (!cmdText) continue;
        let cmd: string;
        try {
          cmd = deps.renderCmd(cmdText, m.stage!);
        } catch (e) {
          m.state = "failed";
          m.reason = `check_cmd is not a valid template: ${(e as Error).message}`;
        }
        if (m.state !== "failed") {
          const res = await deps.run(cmd!);
          if (res.ok) {
            log.debug({ dest: m.resource.dest, cmd: cmd!, ms: Math.round(res.ms) }, "check passed");
            continue;
          }
          m.state = "failed";
          m.reason = `check_cmd failed (exit ${res.status}): ${cmd!}\n${res.output.trimEnd()}`;
        }
        log.error({ dest: m.resource.dest, resource: m.resource.file }, m.reason!);
        checkFailure = m.resource.file;
        break;
      }
    }
    if (checkFailure) {
      for (const m of members) {
        await discard(m);
        if (m.state === "failed")
          outcomes.push({ resource: m.resource, status: "failed", reason: m.reason! });
        else if (m.state === "changed")
          outcomes.push({
            resource: m.resource,
            status: "held",
            reason: `not applied: check of ${checkFailure} failed and it shares reload_cmd`,
          });
        else outcomes.push({ resource: m.resource, status: "in-sync" });
      }
      continue;
    }

    let swapped = 0;
    let swapError: string | undefined;
    for (const m of members) {
      if (m.state !== "changed") {
        await discard(m);
        outcomes.push({ resource: m.resource, status: "in-sync" });
        continue;
      }
      if (swapError) {
        await discard(m);
        outcomes.push({ resource: m.resource, status: "held", reason: `not applied: ${swapError}` });
        continue;
      }
      try {
        await swapIn(m.stage!, m.resource.dest);
        swapped++;
        const seen = trigger ? keysSeen(m.resource, trigger) : undefined;
        log.info(
          {
            dest: m.resource.dest,
            changes: m.changes,
            renderMs: round(m.renderMs),
            ...(seen ? { keys: seen } : {}),
          },
          `target config ${m.resource.dest} has been updated`,
        );
        outcomes.push({ resource: m.resource, status: "updated", changes: m.changes! });
      } catch (e) {
        await discard(m);
        swapError = `cannot replace ${m.resource.dest}: ${(e as Error).message}`;
        log.error({ dest: m.resource.dest }, swapError);
        outcomes.push({ resource: m.resource, status: "failed", reason: swapError });
      }
    }
    if (decision.reload && swapped > 0 && !swapError) {
      const res = await deps.run(group.reloadCmd!);
      reloads++;
      if (res.ok) {
        log.info(
          { cmd: group.reloadCmd, ms: Math.round(res.ms), files: changed.map((m) => m.resource.dest) },
          "reloaded",
        );
        if (res.output.trim() !== "")
          log.debug({ cmd: group.reloadCmd, output: res.output.trimEnd() }, "reload_cmd output");
      } else {
        const reason = `reload_cmd failed (exit ${res.status}): ${group.reloadCmd}\n${res.output.trimEnd()}`;
        log.error({ cmd: group.reloadCmd }, reason);
        for (const o of outcomes)
          if (changed.some((m) => m.resource === o.resource)) Object.assign(o, { status: "failed", reason });
      }
    }
  }
  const renders = [...prepared.values()].filter((p) => p.renderMs !== undefined).length;
  return {
    outcomes,
    renders,
    reloads,
    failed: outcomes.some((o) => o.status === "failed" || o.status === "held"),
  };
}

function round(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms * 10) / 10;
}

function keysSeen(r: TemplateResource, c: KeyChanges): KeyChanges | undefined {
  const only = (keys: string[]) => keys.filter((k) => touches(r, { added: [k], changed: [], removed: [] }));
  const seen = { added: only(c.added), changed: only(c.changed), removed: only(c.removed) };
  return seen.added.length + seen.changed.length + seen.removed.length > 0 ? seen : undefined;
}
