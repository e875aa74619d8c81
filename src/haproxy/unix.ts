import { createConnection } from "node:net";

export interface UnixRequestOptions {
  timeoutMs: number;
  /** What the socket is, for error messages ("runtime API", "master CLI"). */
  label: string;
}

/**
 * Sends one line to a HAProxy CLI socket, half-closes, and returns everything HAProxy
 * writes before it closes the connection. The master CLI only answers and closes after
 * it sees the client's end of stream, so the half-close is needed there.
 */
export function unixRequest(path: string, line: string, opts: UnixRequestOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const sock = createConnection({ path });
    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(`HAProxy ${opts.label} at ${path} did not answer "${line}" within ${opts.timeoutMs} ms`),
        ),
      opts.timeoutMs,
    );
    sock.on("connect", () => {
      sock.end(`${line}\n`);
    });
    sock.on("data", (d: Buffer) => chunks.push(d));
    sock.on("end", () => finish(undefined));
    sock.on("close", () => finish(undefined));
    sock.on("error", (e: NodeJS.ErrnoException) => finish(socketError(path, opts.label, line, e)));
  });
}

export function socketError(path: string, label: string, line: string, e: NodeJS.ErrnoException): Error {
  const hint =
    e.code === "ENOENT" || e.code === "ECONNREFUSED"
      ? " (is HAProxy running, and does its configuration or -S option create this socket?)"
      : e.code === "EACCES"
        ? " (permission denied: run as the user that owns the socket)"
        : "";
  return new Error(`cannot send "${line}" to HAProxy ${label} at ${path}: ${e.code ?? e.message}${hint}`, {
    cause: e,
  });
}
