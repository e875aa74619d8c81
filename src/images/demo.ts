// The one recipe for hecd's local demo/test image: a static busybox running httpd on port 80 that
// answers `GET /` with the container's name. Built with `docker import` from a tar of a tiny rootfs
// (no registry needed). The name comes from env HECD_NAME, else the container's hostname: start
// containers with `Hostname: <name>` or `HECD_NAME=<name>` to make it answer with its name.
import { spawn } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  closeSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";

export const DEMO_IMAGE = "hecd-demo:1";
export const DEMO_PORT = 80;
export const BUSYBOX_CANDIDATES = ["/bin/busybox", "/usr/bin/busybox"];

const START_SCRIPT = `#!/bin/busybox sh
name="\${HECD_NAME:-$HOSTNAME}"
/bin/busybox mkdir -p /www
echo "$name" > /www/index.html
echo ok > /www/health
exec /bin/busybox httpd -f -p "\${HECD_HTTP_PORT:-${DEMO_PORT}}" -h /www
`;

/** True when the ELF file has no PT_INTERP header (statically linked, runs in an empty rootfs). */
export function isStaticElf(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2) return false; // ELF, 64-bit
    const le = head[5] === 1;
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const phoff = Number(le ? head.readBigUInt64LE(32) : head.readBigUInt64BE(32));
    const phentsize = u16(head, 54);
    const phnum = u16(head, 56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) if (u32(ph, i * phentsize) === 3) return false; // PT_INTERP
    return true;
  } finally {
    closeSync(fd);
  }
}

/** Path of a statically linked busybox, or a clear error saying how to get one. */
export function findStaticBusybox(candidates = BUSYBOX_CANDIDATES): string {
  for (const p of candidates) {
    try {
      if (isStaticElf(p)) return p;
    } catch {
      // missing or unreadable: try the next one
    }
  }
  throw new Error(
    `no statically linked busybox found at ${candidates.join(" or ")}; install it: apt-get install -y busybox-static`,
  );
}

/** Writes the demo rootfs into `dir`. */
export function writeDemoRootfs(dir: string, busybox = findStaticBusybox()): void {
  for (const d of ["bin", "www", "tmp", "etc"]) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(busybox, join(dir, "bin/busybox"));
  chmodSync(join(dir, "bin/busybox"), 0o755);
  writeFileSync(join(dir, "bin/hecd-demo"), START_SCRIPT, { mode: 0o755 });
  writeFileSync(
    join(dir, "etc/passwd"),
    "root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n",
  );
  writeFileSync(join(dir, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
}

async function imageExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return false;
    throw e;
  }
}

/** Imports the demo image into `docker` unless it is there already; returns its NAME:TAG. */
export async function ensureDemoImage(docker: Docker, name = DEMO_IMAGE): Promise<string> {
  if (await imageExists(docker, name)) return name;
  const dir = mkdtempSync(join(tmpdir(), "hecd-rootfs-"));
  try {
    writeDemoRootfs(dir);
    const tar = spawn("tar", ["-C", dir, "--numeric-owner", "-c", "."], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let tarErr = "";
    tar.stderr.on("data", (d) => (tarErr += d));
    const tarDone = new Promise<void>((resolve, reject) => {
      tar.on("error", (e) => reject(new Error(`cannot run tar: ${e.message}`)));
      tar.on("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`tar exited with ${code}: ${tarErr}`)),
      );
    });
    const [repo, tag] = name.split(":");
    const stream = await docker.importImage(tar.stdout, {
      repo,
      tag: tag ?? "latest",
      changes: ['CMD ["/bin/hecd-demo"]', `EXPOSE ${DEMO_PORT}/tcp`, "WORKDIR /"],
    } as object);
    const output = await new Promise<string>((resolve, reject) => {
      let out = "";
      stream.on("data", (d: Buffer) => (out += d.toString()));
      stream.on("end", () => resolve(out));
      stream.on("error", reject);
    });
    await tarDone;
    if (/"error"/.test(output)) throw new Error(`docker import of ${name} failed: ${output}`);
    if (!(await imageExists(docker, name)))
      throw new Error(`docker import of ${name} reported no error but the image is missing: ${output}`);
    return name;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
