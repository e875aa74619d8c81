// The one etcd client stack: connect, leases, typed errors. Nothing outside src/etcd/
// imports etcd3; the client's types are re-exported here.
export type { Etcd3 as EtcdClient, IRequestOp, IResponseOp, Watcher } from "etcd3";
export { classify, unreachableFrom, type ClassifyContext } from "./classify.js";
export { connect, type EtcdAuthOptions, type EtcdConnectOptions, type EtcdTlsOptions } from "./connect.js";
export { resolveEndpoints, usesTls } from "./endpoints.js";
export {
  EtcdAuthError,
  EtcdCompactedError,
  EtcdConfigError,
  EtcdError,
  EtcdRequestError,
  EtcdUnreachableError,
  causeMessage,
  endpointList,
  withHint,
  type EtcdConfigProblem,
  type EtcdErrorCode,
  type EtcdHint,
} from "./errors.js";
export { grantLease, keepAliveOnce, revokeLease } from "./lease.js";
export { prefixRange } from "./range.js";
