// A process run by test/unit/stack-lifecycle.test.ts: a service under runLifecycle with the real
// process and signals. argv[2]: how long its stop takes (ms); prints what happens on stdout.
import { pino } from "pino";
import { runLifecycle } from "../../src/stack/lifecycle.js";

const stopMs = Number(process.argv[2] ?? 0);
const keepAlive = setInterval(() => {}, 1000);
const code = await runLifecycle({
  what: "the test service",
  stopTimeoutMs: 5000,
  log: pino({ level: "silent" }),
  start: async () => {
    process.stdout.write("started\n");
    return {
      stop: async () => {
        process.stdout.write("stopping\n");
        await new Promise((r) => setTimeout(r, stopMs));
        clearInterval(keepAlive);
        process.stdout.write("stopped\n");
      },
    };
  },
});
process.stdout.write(`returned ${code}\n`);
