// Stage file, comparison with dest (content, mode, owner) and the atomic swap.
import { randomInt } from "node:crypto";
import { chmod, chown, copyFile, link, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { goBytes, goString, goStringsEqual } from "../go/gostring.js";

export interface Desired {
  content: string;
  mode: number;
  uid: number;
  gid: number;
}

export interface DestState {
  exists: boolean;
  content?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

export async function readDest(dest: string): Promise<DestState> {
  try {
    const st = await stat(dest);
    const content = goString(await readFile(dest));
    return { exists: true, content, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { exists: false };
    throw e;
  }
}

/** What differs between dest and the desired file; empty when in sync. */
export function differences(cur: DestState, want: Desired): string[] {
  if (!cur.exists) return ["missing"];
  const out: string[] = [];
  if (cur.content === undefined || !goStringsEqual(cur.content, want.content)) out.push("content");
  if (cur.mode !== want.mode) out.push(`mode ${octal(cur.mode!)} -> ${octal(want.mode)}`);
  if (cur.uid !== want.uid) out.push(`uid ${cur.uid} -> ${want.uid}`);
  if (cur.gid !== want.gid) out.push(`gid ${cur.gid} -> ${want.gid}`);
  return out;
}

export function octal(mode: number): string {
  return "0" + mode.toString(8).padStart(3, "0");
}

/** A clear error when dest's directory is missing (confd crashes there). */
export async function checkDestDir(dest: string, resourceFile: string): Promise<string | undefined> {
  const dir = dirname(dest);
  try {
    if (!(await stat(dir)).isDirectory())
      return `destination ${dir} is not a directory (dest = "${dest}" in ${resourceFile})`;
  } catch {
    return `destination directory ${dir} does not exist (dest = "${dest}" in ${resourceFile}): create it or fix dest`;
  }
  return undefined;
}

/** Writes `.<basename><random>` next to dest (same filesystem, so the rename is atomic). */
export async function writeStage(dest: string, want: Desired): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const path = join(dirname(dest), `.${basename(dest)}${randomInt(1e9, 1e10)}`);
    let fh;
    try {
      fh = await open(path, "wx", 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && attempt < 10) continue;
      throw e;
    }
    try {
      // No fsync (confd does none either): dest is derived state, rewritten from the store on
      // the next start, and ext4 flushes a file replaced by rename before the rename commits.
      await fh.writeFile(goBytes(want.content));
    } finally {
      await fh.close();
    }
    try {
      await chmod(path, want.mode);
      const st = await stat(path);
      if (st.uid !== want.uid || st.gid !== want.gid) {
        try {
          await chown(path, want.uid, want.gid);
        } catch (e) {
          throw new Error(
            `cannot set owner ${want.uid}:${want.gid} on ${path}: ${(e as Error).message} (run as root, or drop owner/uid/group/gid)`,
            { cause: e },
          );
        }
      }
    } catch (e) {
      await unlink(path).catch(() => {});
      throw e;
    }
    return path;
  }
}

export async function swapIn(stage: string, dest: string): Promise<void> {
  await rename(stage, dest);
}

/**
 * Keeps the current dest under a name next to it, so a reload group whose later member
 * cannot be swapped in can be put back as it was. Null when dest does not exist yet.
 */
export async function preserveDest(dest: string): Promise<string | null> {
  const backup = join(dirname(dest), `.${basename(dest)}.hecd-old${randomInt(1e9)}`);
  try {
    await link(dest, backup);
    return backup;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EMLINK") throw e;
  }
  // No hard links on this filesystem: a copy with the same mode and owner.
  const st = await stat(dest);
  await copyFile(dest, backup);
  await chmod(backup, st.mode & 0o7777);
  await chown(backup, st.uid, st.gid).catch(() => {});
  return backup;
}

/** Puts dest back as {@link preserveDest} found it (removes it when it did not exist). */
export async function restoreDest(dest: string, backup: string | null): Promise<void> {
  if (backup === null) await unlink(dest).catch(() => {});
  else await rename(backup, dest);
}

export async function removeStage(stage: string): Promise<void> {
  await unlink(stage).catch(() => {});
}
