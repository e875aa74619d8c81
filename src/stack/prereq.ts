// Checks what `hecd up` needs before it starts anything, and says exactly how to get it.
import { execFileSync } from "node:child_process";
import type Docker from "dockerode";

export interface Missing {
  what: string;
  fix: string;
}

const INSTALL: Record<string, string> = {
  etcd: "apt-get install -y etcd-server etcd-client",
  haproxy: "apt-get install -y haproxy",
  docker: "apt-get install -y docker.io",
};

export function which(bin: string): string | undefined {
  try {
    return (
      execFileSync("bash", ["-c", `command -v -- ${JSON.stringify(bin)}`], { encoding: "utf8" }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

export function missingBinaries(bins: readonly string[]): Missing[] {
  return bins
    .filter((b) => which(b) === undefined)
    .map((b) => ({ what: `the '${b}' binary is not on PATH`, fix: INSTALL[b] ?? `install ${b}` }));
}

export async function dockerEngineProblem(docker: Docker, endpoint: string): Promise<Missing | undefined> {
  try {
    await docker.ping();
    return undefined;
  } catch (e) {
    return {
      what: `no Docker engine answers at ${endpoint} (${(e as Error).message})`,
      fix:
        which("dockerd") === undefined
          ? "install and start it: `apt-get install -y docker.io && dockerd &` (or pass --docker-host)"
          : "start one: `dockerd &` (or `systemctl start docker`), or pass --docker-host",
    };
  }
}

export function formatMissing(problems: readonly Missing[]): string {
  return (
    "hecd up cannot start:\n" +
    problems.map((p) => `  - ${p.what}\n    fix: ${p.fix}`).join("\n") +
    "\nOr run `bash scripts/demo.sh`, which installs and starts everything on Debian."
  );
}
