// The thread side of big-stack.ts: renders and wakes the waiting caller.
import type { MessagePort } from "node:worker_threads";
import type { BigStackInput, BigStackResult } from "./big-stack.js";
import { TemplateError } from "../template/errors.js";
import { MemKV } from "./memkv.js";
import { renderTemplate } from "./template-file.js";

export function runBigStackRender(w: { input: BigStackInput; done: Int32Array; port: MessagePort }): void {
  let result: BigStackResult;
  try {
    const store = new MemKV();
    for (const [k, v] of w.input.pairs) store.set(k, v);
    const out = renderTemplate({
      name: w.input.name,
      text: w.input.text,
      store,
      data: w.input.data,
      ...(w.input.env ? { env: w.input.env } : {}),
      envOnly: w.input.envOnly,
      bigStack: false,
    });
    result = { out };
  } catch (e) {
    result = e instanceof TemplateError ? { templateError: e.message } : { error: (e as Error).message };
  }
  w.port.postMessage(result);
  Atomics.store(w.done, 0, 1);
  Atomics.notify(w.done, 0);
}
