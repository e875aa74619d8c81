// Throwaway certificates for tests: a CA, a server certificate for the given IPs and a client
// certificate, made with the openssl command line.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { requireTool } from "./tools.js";

export interface CertPair {
  /** Directory holding ca.pem, cert.pem and key.pem (the layout Docker's cert path expects). */
  dir: string;
  cert: string;
  key: string;
}

export interface TestCerts {
  /** The CA certificate (PEM) that signed both certificates. */
  ca: string;
  server: CertPair;
  client: CertPair;
}

export interface TestCertOptions {
  /** IP addresses the server certificate is valid for (subjectAltName). */
  ips: string[];
  /**
   * Give both certificates serverAuth and clientAuth instead of one each: etcd dials its own
   * client port with the server certificate, so its certificate must also pass as a client.
   */
  dualUse?: boolean;
}

/**
 * Writes `<dir>/ca.pem`, `<dir>/server/{ca,cert,key}.pem` and `<dir>/client/{ca,cert,key}.pem`.
 * The CA key and intermediate files stay in `dir`; the caller removes it.
 */
export function makeTestCerts(dir: string, opts: TestCertOptions): TestCerts {
  const openssl = requireTool("openssl", "apt-get install -y openssl");
  if (opts.ips.length === 0)
    throw new Error("makeTestCerts needs at least one IP in opts.ips for the server certificate");
  mkdirSync(dir, { recursive: true });
  const ssl = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: "pipe" });
  ssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=hecd-test-ca",
  );
  const san = `subjectAltName=${opts.ips.map((ip) => `IP:${ip}`).join(",")}\n`;
  const usage = (own: string) => `extendedKeyUsage=${opts.dualUse ? "serverAuth,clientAuth" : own}\n`;
  writeFileSync(join(dir, "server.ext"), san + usage("serverAuth"));
  writeFileSync(join(dir, "client.ext"), usage("clientAuth"));
  const issue = (who: "server" | "client"): CertPair => {
    const out = join(dir, who);
    mkdirSync(out, { recursive: true });
    const pair = { dir: out, cert: join(out, "cert.pem"), key: join(out, "key.pem") };
    ssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      pair.key,
      "-out",
      `${who}.csr`,
      "-subj",
      `/CN=hecd-${who}`,
    );
    ssl(
      "x509",
      "-req",
      "-in",
      `${who}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      pair.cert,
      "-days",
      "2",
      "-extfile",
      `${who}.ext`,
    );
    copyFileSync(join(dir, "ca.pem"), join(out, "ca.pem"));
    return pair;
  };
  return { ca: join(dir, "ca.pem"), server: issue("server"), client: issue("client") };
}
