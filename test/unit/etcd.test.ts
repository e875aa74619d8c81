// src/etcd/: classify() on the errors the etcd3 client and sockets produce, connect()'s
// refusals of settings that cannot work, endpoint lists, and the CLI's wording of each.
import {
  EtcdAuthenticationFailedError,
  EtcdError as Etcd3Error,
  GRPCDeadlineExceededError,
  GRPCUnavailableError,
} from "etcd3";
import { describe, expect, it } from "vitest";
import { confdEtcdHint, etcdFlagHint, upGivenEtcdHint } from "../../src/cli/etcd-hints.js";
import {
  EtcdAuthError,
  EtcdCompactedError,
  EtcdConfigError,
  EtcdError,
  EtcdRequestError,
  EtcdUnreachableError,
  classify,
  connect,
  resolveEndpoints,
  withHint,
  type EtcdConnectOptions,
} from "../../src/etcd/index.js";

const endpoints = ["http://127.0.0.1:1", "http://127.0.0.1:2"];
const at = "http://127.0.0.1:1, http://127.0.0.1:2";

/** A raw grpc-js error: a plain Error with a numeric status code. */
function grpc(code: number, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function errno(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe("classify", () => {
  it("a refused connection is unreachable and refused", () => {
    const raw = grpc(
      14,
      "14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1",
    );
    const e = classify(raw, { endpoints });
    expect(e).toBeInstanceOf(EtcdUnreachableError);
    expect(e).toMatchObject({ code: "ETCD_UNREACHABLE", refused: true, tls: false, cause: raw });
    expect(e.message).toBe(
      `cannot reach etcd at ${at}: 14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1`,
    );
  });

  it("the etcd3 client's typed UNAVAILABLE and a socket error are unreachable too", () => {
    expect(
      classify(new GRPCUnavailableError("14 UNAVAILABLE: read ECONNRESET"), { endpoints }),
    ).toMatchObject({
      code: "ETCD_UNREACHABLE",
      refused: false,
    });
    const sock = classify(errno("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1"), { endpoints });
    expect(sock).toMatchObject({
      code: "ETCD_UNREACHABLE",
      refused: true,
      detail: "connect ECONNREFUSED 127.0.0.1:1",
    });
  });

  it("a timeout names the deadline instead of the last retry's text", () => {
    const raw = new GRPCDeadlineExceededError(
      "4 DEADLINE_EXCEEDED: Deadline exceeded after 0.001s, waiting for name resolution",
    );
    const e = classify(raw, { endpoints, timeoutMs: 10_000 });
    expect(e).toBeInstanceOf(EtcdUnreachableError);
    expect(e.message).toBe(`cannot reach etcd at ${at}: no answer within 10000 ms`);
    // Without a known deadline the client's text stays.
    expect(classify(grpc(4, "4 DEADLINE_EXCEEDED: Deadline exceeded"), { endpoints }).message).toBe(
      `cannot reach etcd at ${at}: 4 DEADLINE_EXCEEDED: Deadline exceeded`,
    );
  });

  it("certificate and handshake failures are marked as TLS ones", () => {
    const grpcTls = grpc(
      14,
      "14 UNAVAILABLE: No connection established. Last error: self-signed certificate in certificate chain",
    );
    expect(classify(grpcTls, { endpoints })).toMatchObject({ code: "ETCD_UNREACHABLE", tls: true });
    const node = errno("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate");
    const e = classify(node, { endpoints });
    expect(e).toMatchObject({ code: "ETCD_UNREACHABLE", tls: true });
    expect(e.message).toBe(`cannot reach etcd at ${at}: DEPTH_ZERO_SELF_SIGNED_CERT self-signed certificate`);
  });

  it("an endpoint skipped after a failure (the per-host policy's rejection) counts as refused", () => {
    const raw = Object.assign(new Error("etcd endpoint recently failed; trying the next one"), {
      isBrokenCircuitError: true,
    });
    expect(classify(raw, { endpoints })).toMatchObject({ code: "ETCD_UNREACHABLE", refused: true });
  });

  it("refused credentials are an auth error, worded for the stage they ended", () => {
    const raw = new EtcdAuthenticationFailedError(
      "etcdserver: authentication failed, invalid user ID or password",
    );
    const during = classify(raw, { endpoints });
    expect(during).toBeInstanceOf(EtcdAuthError);
    expect(during.code).toBe("ETCD_AUTH");
    expect(during.message).toBe(
      `etcd at ${at} refused the request: etcdserver: authentication failed, invalid user ID or password`,
    );
    const connecting = classify(raw, { endpoints, connecting: true });
    expect(connecting).toBeInstanceOf(EtcdAuthError);
    expect(connecting.message).toBe(
      `cannot reach etcd at ${at}: etcdserver: authentication failed, invalid user ID or password`,
    );
    expect(classify(grpc(16, "16 UNAUTHENTICATED: bad token"), { endpoints })).toBeInstanceOf(EtcdAuthError);
    expect(
      classify(grpc(7, "7 PERMISSION_DENIED: etcdserver: permission denied"), { endpoints }),
    ).toBeInstanceOf(EtcdAuthError);
    expect(
      classify(grpc(3, "3 INVALID_ARGUMENT: etcdserver: user name is empty"), { endpoints }),
    ).toBeInstanceOf(EtcdAuthError);
  });

  it("a compacted revision is its own type", () => {
    const raw = new Etcd3Error("etcdserver: mvcc: required revision has been compacted");
    const e = classify(raw, { endpoints });
    expect(e).toBeInstanceOf(EtcdCompactedError);
    expect(e).toMatchObject({ code: "ETCD_COMPACTED" });
    expect(e.message).toBe(`etcd at ${at}: etcdserver: mvcc: required revision has been compacted`);
  });

  it("anything else etcd answers is a request error; on first contact it means etcd is not usable", () => {
    const raw = new Etcd3Error("etcdserver: too many operations in txn request");
    const e = classify(raw, { endpoints });
    expect(e).toBeInstanceOf(EtcdRequestError);
    expect(e).toMatchObject({ code: "ETCD_REQUEST" });
    expect(e.message).toBe(`etcd at ${at}: etcdserver: too many operations in txn request`);
    expect(classify(raw, { endpoints, connecting: true })).toBeInstanceOf(EtcdUnreachableError);
  });

  it("one line of text, without grpc's empty resolution note", () => {
    const raw = grpc(14, "14 UNAVAILABLE: No connection established.\n  Last error: x. Resolution note: ");
    expect(classify(raw, { endpoints }).message).toBe(
      `cannot reach etcd at ${at}: 14 UNAVAILABLE: No connection established. Last error: x`,
    );
  });

  it("an error already classified is returned as it is", () => {
    const e = new EtcdUnreachableError({ endpoints, detail: "x" });
    expect(classify(e, { endpoints: ["http://other:1"] })).toBe(e);
  });
});

describe("connect", () => {
  const refusal = (o: EtcdConnectOptions): EtcdConfigError => {
    try {
      connect(o).close();
    } catch (e) {
      expect(e).toBeInstanceOf(EtcdConfigError);
      return e as EtcdConfigError;
    }
    throw new Error("connect accepted the options");
  };
  const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  it("refuses settings that cannot work, before anything is sent", () => {
    expect(refusal({ endpoints: [] })).toMatchObject({ problem: "no-endpoint", message: "no etcd endpoint" });
    expect(refusal({ endpoints: ["http://a:1", "https://b:2"] })).toMatchObject({
      problem: "mixed-schemes",
      message: "mix of http and https endpoints (http://a:1, https://b:2); use one scheme",
    });
    expect(refusal({ endpoints: ["https://a:1"] })).toMatchObject({
      problem: "https-without-ca",
      message: "etcd endpoints use https:// but no CA was given",
    });
    expect(refusal({ endpoints: ["http://a:1"], tls: { ca: PEM } })).toMatchObject({
      problem: "tls-without-https",
      message: "an etcd CA was given but the endpoints use http://; write them as https://HOST:PORT",
    });
    expect(refusal({ endpoints: ["https://a:1"], tls: { ca: PEM, cert: PEM } })).toMatchObject({
      problem: "cert-without-key",
    });
    const unreadable = refusal({ endpoints: ["https://a:1"], tls: { ca: "/nonexistent/ca.pem" } });
    expect(unreadable.problem).toBe("unreadable-file");
    expect(unreadable.message).toMatch(/^cannot read etcd CA file \/nonexistent\/ca\.pem: ENOENT/);
    expect(refusal({ endpoints: ["http://a:1"], auth: { username: "", password: "x" } })).toMatchObject({
      problem: "no-user",
    });
    expect(refusal({ endpoints: ["http://a:1"], callTimeoutMs: 0 })).toMatchObject({
      problem: "bad-timeout",
    });
    expect(refusal({ endpoints: ["http://a:1"], hostCooldownMs: Number.NaN })).toMatchObject({
      problem: "bad-timeout",
    });
  });

  it("builds a client for settings that can work (no connection is made until a call)", () => {
    for (const o of [
      { endpoints: ["127.0.0.1:2379", "http://127.0.0.1:2380"] },
      { endpoints: ["https://a:1"], systemRoots: true },
      { endpoints: ["https://a:1"], tls: { ca: Buffer.from(PEM) } },
      {
        endpoints: ["http://a:1"],
        auth: { username: "u", password: "" },
        callTimeoutMs: 1000,
        dialTimeoutMs: 1000,
        hostCooldownMs: 500,
        watchBackoffMs: { first: 100, max: 2000 },
      },
    ] satisfies EtcdConnectOptions[]) {
      expect(() => connect(o).close()).not.toThrow();
    }
  });
});

describe("resolveEndpoints", () => {
  it("takes the list, else ETCDCTL_ENDPOINTS, else fails naming the fix", () => {
    expect(resolveEndpoints(["http://127.0.0.1:2379"], {})).toEqual(["http://127.0.0.1:2379"]);
    expect(resolveEndpoints([], { ETCDCTL_ENDPOINTS: "http://a:1, http://b:2" })).toEqual([
      "http://a:1",
      "http://b:2",
    ]);
    expect(resolveEndpoints(["http://a:1,http://b:2"], {})).toEqual(["http://a:1", "http://b:2"]);
    let none: unknown;
    try {
      resolveEndpoints([], {});
    } catch (e) {
      none = e;
    }
    expect(none).toMatchObject({ code: "ETCD_CONFIG", problem: "no-endpoint" });
    expect(etcdFlagHint(none as EtcdConfigError)).toMatch(/pass --etcd .* or set ETCDCTL_ENDPOINTS/);
    expect(() => resolveEndpoints(["http://a b:1"], {})).toThrow(
      'etcd endpoint "http://a b:1" is not of the form http(s)://host:port',
    );
  });
});

describe("the CLI's wording", () => {
  const refused = new EtcdUnreachableError({
    endpoints: ["http://h:1"],
    detail: "connect ECONNREFUSED",
    refused: true,
  });
  const tls = new EtcdUnreachableError({
    endpoints: ["https://h:1"],
    detail: "self-signed certificate",
    tls: true,
  });
  const auth = new EtcdAuthError({ endpoints: ["http://h:1"], detail: "etcdserver: permission denied" });

  it("hecd confd names confd's flags", () => {
    expect(confdEtcdHint(refused, "etcdv3")).toBe(
      "cannot reach etcd at http://h:1: connect ECONNREFUSED; is etcd running? pass -node",
    );
    expect(confdEtcdHint(tls, "etcd")).toBe(
      "cannot reach etcd at https://h:1: self-signed certificate; check -client-ca-keys, -client-cert and -client-key (and -scheme https)",
    );
    expect(confdEtcdHint(auth, "etcdv3")).toBe(
      "etcd at http://h:1 refused the request: etcdserver: permission denied; pass -username and -password for a user allowed to read these keys",
    );
    expect(confdEtcdHint(auth, "etcd")).toContain("; pass -basic-auth -username and -password");
    const mixed = new EtcdConfigError(
      "mixed-schemes",
      [],
      "mix of http and https endpoints (a, b); use one scheme",
    );
    expect(confdEtcdHint(mixed, "etcdv3")).toBe(
      "-node: mix of http and https endpoints (a, b); use one scheme",
    );
  });

  it("the --etcd commands name --etcd and friends", () => {
    const fromFlag = new EtcdUnreachableError({
      endpoints: ["http://h:1"],
      detail: "no answer",
      source: "--etcd",
    });
    expect(etcdFlagHint(fromFlag)).toBe(
      "cannot reach etcd at http://h:1 (from --etcd): no answer; is etcd running there? Pass --etcd http://HOST:2379 (or set ETCDCTL_ENDPOINTS), or start a stack with `hecd up`",
    );
    expect(etcdFlagHint(refused)).toBe(refused.message);
    expect(etcdFlagHint(auth)).toBe(`${auth.message} (check --etcd-user)`);
    expect(
      etcdFlagHint(
        new EtcdConfigError("https-without-ca", [], "etcd endpoints use https:// but no CA was given"),
      ),
    ).toBe("etcd endpoints use https:// but no CA was given: pass --etcd-cacert FILE");
    expect(etcdFlagHint(new EtcdConfigError("cert-without-key", [], "x"))).toBe(
      "etcd client TLS needs both --etcd-cert and --etcd-key",
    );
    expect(upGivenEtcdHint(refused)).toBe(
      "cannot use the etcd given with --etcd: cannot reach etcd at http://h:1: connect ECONNREFUSED; " +
        "is etcd running there? Fix --etcd, or leave it out and `hecd up` starts its own etcd",
    );
  });

  it("withHint rewrites the message once and keeps type, code and the plain text", () => {
    const e = new EtcdUnreachableError({ endpoints: ["http://h:1"], detail: "x" });
    const hint = (x: EtcdError) => confdEtcdHint(x, "etcdv3");
    expect(withHint(withHint(e, hint), hint)).toBe(e);
    expect(e.message).toBe("cannot reach etcd at http://h:1: x; is etcd running? pass -node");
    expect(e.plainMessage).toBe("cannot reach etcd at http://h:1: x");
    expect(e.code).toBe("ETCD_UNREACHABLE");
    expect(withHint(e, undefined).message).toBe(e.message);
  });
});
