// What the agent tests run against: one etcd, `n` Docker hosts with the demo image, and a raw
// etcd v3 client for reading what the agents wrote.
import { Etcd3 } from "etcd3";
import { ensureTestImage, startDockerHosts, type DockerHost, type DockerHostOptions } from "./docker.js";
import { startEtcd, type EtcdServer } from "./etcd.js";

export interface AgentTestEnv {
  etcd: EtcdServer;
  hosts: DockerHost[];
  /** The current client (a new one after reconnect()). */
  readonly raw: Etcd3;
  /** Replaces the client with a fresh one (after an etcd restart). */
  reconnect(): void;
  /** The value at `key`, or undefined when it is absent. */
  value(key: string): Promise<string | undefined>;
  /** Closes the client, stops the Docker hosts, then etcd. */
  stop(): Promise<void>;
}

export async function startAgentTestEnv(
  hostCount: number,
  opts: DockerHostOptions = {},
): Promise<AgentTestEnv> {
  const [e, h] = await Promise.allSettled([startEtcd(), startDockerHosts(hostCount, opts)]);
  if (e.status === "rejected" || h.status === "rejected") {
    if (h.status === "fulfilled") await Promise.all(h.value.map((x) => x.stop()));
    if (e.status === "fulfilled") await e.value.destroy();
    throw e.status === "rejected" ? e.reason : (h as PromiseRejectedResult).reason;
  }
  const etcd = e.value;
  const hosts = h.value;
  let raw = new Etcd3({ hosts: etcd.endpoint });
  const stop = async (): Promise<void> => {
    raw.close();
    await Promise.all(hosts.map((x) => x.stop()));
    await etcd.destroy();
  };
  try {
    await Promise.all(hosts.map((x) => ensureTestImage(x.docker)));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    etcd,
    hosts,
    get raw() {
      return raw;
    },
    reconnect: () => {
      raw.close();
      raw = new Etcd3({ hosts: etcd.endpoint });
    },
    value: async (key) => (await raw.get(key).exec()).kvs[0]?.value.toString(),
    stop,
  };
}
