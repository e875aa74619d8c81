// Renders again on a thread with a big stack when JavaScript's default stack runs out in a
// template recursion that Go would follow to 100,000 levels (a 64 MB stack already reaches
// that; 256 MB leaves room). The caller waits synchronously, so renderTemplate stays a plain
// function: the worker posts its result on a MessagePort and wakes the caller through a
// shared Int32Array.
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { GoValue } from "../go/value.js";

export interface BigStackInput {
  name: string;
  text: string;
  /** The KV store's pairs. */
  pairs: [string, string][];
  data: GoValue;
  env?: Record<string, string>;
  envOnly: boolean;
}

export type BigStackResult = { out: string } | { templateError: string } | { error: string };

const STACK_MB = 256;
const TIMEOUT_MS = 120_000;

// The worker loads big-stack-worker.(js|ts) next to this module. Under the bundled
// executable, import.meta.url is replaced at build time (scripts/bundle.mjs) with the
// URL of dist/confd/big-stack.js, where tsc put this module and its worker.
const here = import.meta.url;
const source = here.endsWith(".ts");
const workerUrl = new URL(`./big-stack-worker.${source ? "ts" : "js"}`, here).href;

const WORKER_CODE = `
const { workerData } = require("node:worker_threads");
(async () => {
  if (workerData.typescript) (await import("tsx/esm/api")).register();
  (await import(workerData.url)).runBigStackRender(workerData);
})().catch((e) => {
  workerData.port.postMessage({ error: "cannot load " + workerData.url + ": " + (e && e.message) });
  Atomics.store(workerData.done, 0, 1);
  Atomics.notify(workerData.done, 0);
});
`;

/** Renders `input` on a big-stack thread and waits for it. */
export function renderOnBigStack(input: BigStackInput): BigStackResult {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_CODE, {
    eval: true,
    workerData: {
      url: workerUrl,
      // Tests run the TypeScript sources (from the repository root): the worker registers tsx first.
      typescript: source,
      input,
      done,
      port: port2,
    },
    transferList: [port2],
    resourceLimits: { stackSizeMb: STACK_MB },
    stdout: false,
    stderr: false,
  });
  try {
    if (Atomics.wait(done, 0, 0, TIMEOUT_MS) === "timed-out")
      return { error: `a template recursion did not finish within ${TIMEOUT_MS / 1000} s` };
    const msg = receiveMessageOnPort(port1);
    return (msg?.message as BigStackResult | undefined) ?? { error: "the render thread sent no result" };
  } finally {
    port1.close();
    void worker.terminate();
    worker.unref();
  }
}

/** Whether `v` survives the copy to another thread unchanged (plain JSON-like values only). */
export function isPlainData(v: GoValue): boolean {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || x === undefined) continue;
    const t = typeof x;
    if (t === "string" || t === "number" || t === "boolean" || t === "bigint") continue;
    if (Array.isArray(x)) {
      if (Object.getOwnPropertySymbols(x).length > 0) return false;
      stack.push(...(x as unknown[]));
    } else if (x instanceof Map) {
      if (Object.getOwnPropertySymbols(x).length > 0) return false;
      for (const val of x.values()) stack.push(val);
    } else return false;
  }
  return true;
}
