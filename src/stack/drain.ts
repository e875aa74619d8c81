// Drains a server in the HAProxy of a running `hecd up` stack before its container stops.
import type { Drainer } from "../deploy/stop.js";
import { drainServer } from "../haproxy/apply.js";
import { serverNameFor } from "../haproxy/names.js";
import { RuntimeApi } from "../haproxy/runtime.js";
import type { StackInfo } from "./state.js";

export function stackDrainer(stack: StackInfo): Drainer {
  const runtime = new RuntimeApi(stack.haproxy.runtimeSocket);
  return {
    drain: async (name, _address, timeoutMs) => {
      await drainServer(runtime, stack.haproxy.backend, serverNameFor(name), { timeoutMs });
    },
  };
}
