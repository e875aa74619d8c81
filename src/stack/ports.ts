import { createServer } from "node:net";

/** A TCP port free on 127.0.0.1 right now (for etcd's client and peer listeners). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() =>
        addr && typeof addr === "object" ? resolve(addr.port) : reject(new Error("no free port")),
      );
    });
  });
}
