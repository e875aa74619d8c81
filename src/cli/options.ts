// Option groups shared by several commands: etcd and Docker connection settings.
import { Command, InvalidArgumentError, Option } from "commander";
import { EtcdError, type EtcdAuthOptions, type EtcdTlsOptions } from "../etcd/index.js";
import { etcdFlagHint } from "./etcd-hints.js";

export const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function wholeNumber(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be a whole number >= ${min}`);
    return n;
  };
}

export function tcpPort(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > 65535)
      throw new InvalidArgumentError(`${name} must be a TCP port, 1-65535`);
    return n;
  };
}

export interface EtcdCliOptions {
  etcd: string[];
  etcdCacert?: string;
  etcdCert?: string;
  etcdKey?: string;
  etcdUser?: string;
}

export function addEtcdOptions(cmd: Command, fallback = "ETCDCTL_ENDPOINTS"): Command {
  return cmd
    .addOption(
      new Option("--etcd <url>", "etcd endpoint, repeatable").argParser(collect).default([], fallback),
    )
    .option("--etcd-cacert <file>", "CA for https:// etcd endpoints")
    .option("--etcd-cert <file>", "client certificate for etcd")
    .option("--etcd-key <file>", "client key for etcd")
    .option("--etcd-user <user:password>", "etcd user (default: ETCDCTL_USER)");
}

export function etcdSecurity(o: EtcdCliOptions): { tls?: EtcdTlsOptions; auth?: EtcdAuthOptions } {
  const user = o.etcdUser ?? process.env.ETCDCTL_USER;
  let auth: EtcdAuthOptions | undefined;
  if (user) {
    const i = user.indexOf(":");
    if (i <= 0) throw new InvalidArgumentError("--etcd-user must be USER:PASSWORD");
    auth = { username: user.slice(0, i), password: user.slice(i + 1) };
  }
  return {
    ...(o.etcdCacert || o.etcdCert ? { tls: { ca: o.etcdCacert, cert: o.etcdCert, key: o.etcdKey } } : {}),
    ...(auth ? { auth } : {}),
  };
}

export interface DockerCliOptions {
  dockerHost: string[];
  dockerTlsVerify?: boolean;
  dockerCertPath?: string;
}

export function addDockerOptions(cmd: Command, repeatable: boolean): Command {
  return cmd
    .addOption(
      repeatable
        ? new Option(
            "--docker-host <endpoint[@address]>",
            "Docker engine, repeatable: unix:///path/docker.sock or tcp://HOST:PORT (TLS); @ADDRESS is the IP its published ports are reached on",
          )
            .argParser(collect)
            .default([], "--config, then the stack in --state-dir, then the hosts `hecd agent` registered")
        : new Option(
            "--docker-host <url>",
            "unix:///path/docker.sock or tcp://HOST:PORT with TLS (default: DOCKER_HOST)",
          ),
    )
    .option("--docker-tls-verify", "verify the Docker daemon certificate (default: DOCKER_TLS_VERIFY)")
    .option("--docker-cert-path <dir>", "dir with ca.pem, cert.pem, key.pem (default: DOCKER_CERT_PATH)");
}

export const logLevelOption = (): Option =>
  new Option("--log-level <level>", "log level")
    .choices(["trace", "debug", "info", "warn", "error", "silent"])
    .default("info");

/**
 * Runs a command body; prints `hecd <name>: <message>` and sets exit code 1 on error. An etcd
 * error is worded with `hint` (the --etcd flags unless the command says otherwise).
 */
export function action<T extends unknown[]>(
  name: string,
  fn: (...args: T) => Promise<void>,
  hint?: (e: EtcdError, ...args: T) => string,
): (...args: T) => Promise<void> {
  return async (...args: T) => {
    try {
      await fn(...args);
    } catch (e) {
      const text =
        e instanceof EtcdError ? (hint ? hint(e, ...args) : etcdFlagHint(e)) : (e as Error).message;
      process.stderr.write(`hecd ${name}: ${text}\n`);
      process.exitCode = 1;
    }
  };
}
