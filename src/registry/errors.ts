/** A service (etcd or Docker) did not answer; worth retrying, unlike a configuration error. */
export class UnreachableError extends Error {
  constructor(
    readonly service: "etcd" | "docker",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "UnreachableError";
  }
}
