// One processing cycle over all resources: render, stage, compare, check, swap, reload.
import { createTwoFilesPatch } from "diff";
import type { Logger } from "pino";
import type { CommandRunner } from "./command.js";
import {
  checkDestDir,
  differences,
  preserveDest,
  readDest,
  removeStage,
  restoreDest,
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
  const prepared = new Map<TemplateResource, Prepared>();
  for (const r of resources) prepared.set(r, await prepare(r, snapshot, opts, deps));
  for (const p of prepared.values()) {
    if (p.state === "failed") deps.log.error({ resource: p.resource.file, dest: p.resource.dest }, p.reason!);
  }
  const outcomes: Outcome[] = [];
  let reloads = 0;
  for (const group of groupByReload(resources)) {
    const members = group.members.map((r) => prepared.get(r)!);
    if (opts.noop) {
      outcomes.push(...members.map((m) => noopOutcome(m, deps.log)));
      continue;
    }
    const settled = await settleGroup(group.reloadCmd, members, opts, deps, trigger);
    outcomes.push(...settled.outcomes);
    if (settled.reloaded) reloads++;
  }
  const renders = [...prepared.values()].filter((p) => p.renderMs !== undefined).length;
  return {
    outcomes,
    renders,
    reloads,
    failed: outcomes.some((o) => o.status === "failed" || o.status === "held"),
  };
}

function noopOutcome(m: Prepared, log: Logger): Outcome {
  const status: OutcomeStatus =
    m.state === "failed" ? "failed" : m.state === "changed" ? "would-update" : "in-sync";
  if (status === "would-update") {
    log.warn(
      { dest: m.resource.dest, changes: m.changes },
      "noop mode: dest would change but is not modified",
    );
  }
  return {
    resource: m.resource,
    status,
    ...(m.reason ? { reason: m.reason } : {}),
    ...(m.changes ? { changes: m.changes } : {}),
  };
}

/** Every member as it stands, with changed ones held back for `why`; no stage file survives. */
async function holdAll(
  members: Prepared[],
  why: string,
  opts: CycleOptions,
  log: Logger,
): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const m of members) {
    await discard(m, opts);
    if (m.state === "failed") out.push({ resource: m.resource, status: "failed", reason: m.reason! });
    else if (m.state === "changed") {
      const reason = `not applied: ${why}`;
      log.warn({ dest: m.resource.dest }, reason);
      out.push({ resource: m.resource, status: "held", reason });
    } else out.push({ resource: m.resource, status: "in-sync" });
  }
  return out;
}

async function discard(p: Prepared, opts: CycleOptions): Promise<void> {
  if (p.stage && !opts.keepStageFile) await removeStage(p.stage);
}

/** Runs check_cmd on each changed member's stage file; marks and returns the first failure. */
async function checkAll(changed: Prepared[], deps: CycleDeps): Promise<Prepared | undefined> {
  for (const m of changed) {
    if (!m.resource.checkCmd) continue;
    let cmd: string;
    try {
      cmd = deps.renderCmd(m.resource.checkCmd, m.stage!);
    } catch (e) {
      m.state = "failed";
      m.reason = `check_cmd is not a valid template: ${(e as Error).message}`;
      return m;
    }
    const res = await deps.run(cmd);
    if (res.ok) {
      deps.log.debug({ dest: m.resource.dest, cmd, ms: Math.round(res.ms) }, "check passed");
      continue;
    }
    m.state = "failed";
    m.reason = `check_cmd failed (exit ${res.status}): ${cmd}\n${res.output.trimEnd()}`;
    deps.log.error({ dest: m.resource.dest, resource: m.resource.file }, m.reason);
    return m;
  }
  return undefined;
}

/** One reload group: check every changed member, swap them all, reload once. */
async function settleGroup(
  reloadCmd: string | undefined,
  members: Prepared[],
  opts: CycleOptions,
  deps: CycleDeps,
  trigger: KeyChanges | undefined,
): Promise<{ outcomes: Outcome[]; reloaded: boolean }> {
  const { log } = deps;
  const decision = decideGroup(
    members.map((m) => ({ file: m.resource.file, state: m.state })),
    reloadCmd,
    opts.syncOnly,
  );
  if (decision.action === "nothing")
    return { outcomes: await holdAll(members, "", opts, log), reloaded: false };
  if (decision.action === "hold") {
    const why = `${decision.because.join(", ")} failed and shares its reload_cmd`;
    return { outcomes: await holdAll(members, why, opts, log), reloaded: false };
  }
  const changed = members.filter((m) => m.state === "changed");
  if (!opts.syncOnly) {
    const bad = await checkAll(changed, deps);
    if (bad) {
      const why = `the check of ${bad.resource.file} failed and it shares this reload_cmd`;
      return { outcomes: await holdAll(members, why, opts, log), reloaded: false };
    }
  }

  const outcomes: Outcome[] = [];
  let swapError: string | undefined;
  // With several files to swap, each old dest is kept until all are in, to undo a partial swap.
  const undoable = changed.length > 1;
  const swapped: { outcome: Outcome; backup: string | null }[] = [];
  for (const m of members) {
    if (m.state !== "changed") {
      await discard(m, opts);
      outcomes.push({ resource: m.resource, status: "in-sync" });
    } else if (swapError) {
      await discard(m, opts);
      outcomes.push({ resource: m.resource, status: "held", reason: `not applied: ${swapError}` });
    } else {
      try {
        const backup = undoable ? await preserveDest(m.resource.dest) : null;
        try {
          await swapIn(m.stage!, m.resource.dest);
        } catch (e) {
          if (backup !== null) await removeStage(backup);
          throw e;
        }
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
        const outcome: Outcome = { resource: m.resource, status: "updated", changes: m.changes! };
        outcomes.push(outcome);
        swapped.push({ outcome, backup });
      } catch (e) {
        await discard(m, opts);
        swapError = `cannot replace ${m.resource.dest}: ${(e as Error).message}`;
        log.error({ dest: m.resource.dest }, swapError);
        outcomes.push({ resource: m.resource, status: "failed", reason: swapError });
        await rollBack(swapped, swapError, log);
      }
    }
  }
  if (!swapError) for (const s of swapped) if (s.backup !== null) await removeStage(s.backup);
  if (!decision.reload || swapError) return { outcomes, reloaded: false };

  const res = await deps.run(reloadCmd!);
  if (res.ok) {
    log.info(
      { cmd: reloadCmd, ms: Math.round(res.ms), files: changed.map((m) => m.resource.dest) },
      "reloaded",
    );
    if (res.output.trim() !== "")
      log.debug({ cmd: reloadCmd, output: res.output.trimEnd() }, "reload_cmd output");
  } else {
    const reason = `reload_cmd failed (exit ${res.status}): ${reloadCmd}\n${res.output.trimEnd()}`;
    log.error({ cmd: reloadCmd }, reason);
    for (const o of outcomes) if (o.status === "updated") Object.assign(o, { status: "failed", reason });
  }
  return { outcomes, reloaded: true };
}

/** Puts back the members of a group already swapped in when a later one could not be. */
async function rollBack(
  swapped: { outcome: Outcome; backup: string | null }[],
  why: string,
  log: Logger,
): Promise<void> {
  for (const s of swapped.reverse()) {
    const dest = s.outcome.resource.dest;
    try {
      await restoreDest(dest, s.backup);
      log.warn({ dest }, `target config ${dest} put back as it was: ${why}`);
      Object.assign(s.outcome, { status: "held", reason: `put back as it was: ${why}` });
    } catch (e) {
      const reason = `cannot put ${dest} back after ${why}: ${(e as Error).message}`;
      log.error({ dest }, reason);
      Object.assign(s.outcome, { status: "failed", reason });
    }
  }
  swapped.length = 0;
}

function round(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms * 10) / 10;
}

function keysSeen(r: TemplateResource, c: KeyChanges): KeyChanges | undefined {
  const only = (keys: string[]) => keys.filter((k) => touches(r, { added: [k], changed: [], removed: [] }));
  const seen = { added: only(c.added), changed: only(c.changed), removed: only(c.removed) };
  return seen.added.length + seen.changed.length + seen.removed.length > 0 ? seen : undefined;
}
