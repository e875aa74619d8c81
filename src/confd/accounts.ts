// Resolves owner/group names to ids from /etc/passwd and /etc/group (Node has no getpwnam).
import { readFileSync } from "node:fs";

function lookup(file: string, name: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f[2] !== undefined && /^\d+$/.test(f[2])) return Number(f[2]);
  }
  return undefined;
}

export interface Accounts {
  uidOf(name: string): number | undefined;
  gidOf(name: string): number | undefined;
}

export function systemAccounts(passwd = "/etc/passwd", group = "/etc/group"): Accounts {
  return {
    uidOf: (name) => (/^\d+$/.test(name) ? Number(name) : lookup(passwd, name)),
    gidOf: (name) => (/^\d+$/.test(name) ? Number(name) : lookup(group, name)),
  };
}
