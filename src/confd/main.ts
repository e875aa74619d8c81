// `hecd confd`: the library entry point the CLI and tests call. Returns the exit status.
import { pino, type DestinationStream, type Logger } from "pino";
import type { BackendConfig } from "../backends/index.js";
import type { Backend } from "../backends/types.js";
import { createConfdMetrics, type ConfdMetrics } from "./metrics.js";
import { newMetricsRegistry, startMetricsServer, type MetricsServer } from "../metrics/server.js";
import { VERSION } from "../version.js";
import { systemAccounts } from "./accounts.js";
import { shellRunner } from "./command.js";
import { checkFlagValues, loadConfig, type ConfdConfig } from "./config.js";
import type { CycleReport } from "./cycle.js";
import { parseFlags, usage } from "./flags.js";
import { runLoop, type Mode } from "./loop.js";
import { renderCheckCmd, templateFileRenderer } from "./render.js";
import { loadResources } from "./resource.js";

export interface ConfdIO {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Stops -watch / -interval; the call then resolves with 0. */
  signal?: AbortSignal;
  /** Where structured logs go (default: stderr). */
  logStream?: DestinationStream;
  createBackend: (config: BackendConfig) => Promise<Backend>;
  onCycle?: (report: CycleReport) => void;
  /** Called with the metrics URL once -metrics serves. */
  onMetrics?: (url: string) => void;
}

export function backendConfig(c: ConfdConfig, env: NodeJS.ProcessEnv): BackendConfig {
  const b: BackendConfig = {
    backend: c.backend,
    nodes: c.nodes,
    scheme: c.scheme,
    basicAuth: c.basicAuth,
    files: c.files,
    filter: c.filter,
    environment: env,
  };
  if (c.username !== undefined) b.username = c.username;
  if (c.password !== undefined) b.password = c.password;
  if (c.clientCert !== undefined) b.clientCert = c.clientCert;
  if (c.clientKey !== undefined) b.clientKey = c.clientKey;
  if (c.clientCaKeys !== undefined) b.clientCaKeys = c.clientCaKeys;
  return b;
}

export function makeLogger(level: string, stream?: DestinationStream): Logger {
  return pino({ level, base: { component: "confd" } }, stream ?? pino.destination({ fd: 2, sync: true }));
}

export async function runConfd(argv: readonly string[], io: ConfdIO): Promise<number> {
  const parsed = parseFlags(argv);
  if (!parsed.ok) {
    io.stderr(`hecd confd: ${parsed.error}\nRun 'hecd confd -help' for usage.\n`);
    return 2;
  }
  const flags = parsed.flags;
  if (flags.help) {
    io.stdout(usage());
    return 0;
  }
  if (flags.version) {
    io.stdout(`hecd confd ${VERSION}\n`);
    return 0;
  }
  const badValue = checkFlagValues(flags);
  if (badValue) {
    io.stderr(`hecd confd: ${badValue}\nRun 'hecd confd -help' for usage.\n`);
    return 2;
  }
  const loaded = loadConfig(flags, io.env);
  if (!loaded.ok) {
    io.stderr(`hecd confd: ${loaded.error}\n`);
    return 1;
  }
  const config = loaded.config;
  const log = makeLogger(config.logLevel, io.logStream);
  for (const w of config.warnings) log.warn(w);
  const resources = loadResources(config.confdir, config.prefix, systemAccounts());
  if (!resources.ok) {
    log.error(resources.error);
    io.stderr(`hecd confd: ${resources.error}\n`);
    return 1;
  }
  log.info(
    {
      backend: config.backend,
      nodes: config.nodes,
      resources: resources.resources.length,
      configFile: config.configFile,
    },
    "starting confd",
  );
  let backend: Backend;
  try {
    backend = await io.createBackend(backendConfig(config, io.env));
  } catch (e) {
    const msg = `cannot create the ${config.backend} backend (nodes ${config.nodes.join(", ") || "-"}): ${(e as Error).message}`;
    log.error(msg);
    io.stderr(`hecd confd: ${msg}\n`);
    return 1;
  }
  const mode: Mode = config.onetime
    ? { kind: "onetime" }
    : config.watch
      ? config.wait
        ? { kind: "watch", wait: config.wait }
        : { kind: "watch" }
      : { kind: "interval", seconds: config.intervalSec };
  const signal = io.signal ?? new AbortController().signal;
  let metricsServer: MetricsServer | undefined;
  let metrics: ConfdMetrics | undefined;
  if (flags.metrics !== undefined) {
    const registry = newMetricsRegistry();
    metrics = createConfdMetrics(registry);
    try {
      metricsServer = await startMetricsServer("-metrics", flags.metrics, registry);
    } catch (e) {
      await backend.close().catch(() => {});
      log.error((e as Error).message);
      io.stderr(`hecd confd: ${(e as Error).message}\n`);
      return 1;
    }
    log.info({ url: metricsServer.url }, "serving metrics");
    io.onMetrics?.(metricsServer.url);
  }
  const onCycle = io.onCycle;
  try {
    return await runLoop(
      resources.resources,
      mode,
      { noop: config.noop, syncOnly: config.syncOnly, keepStageFile: config.keepStageFile },
      {
        backend,
        signal,
        log,
        render: templateFileRenderer(io.env),
        renderCmd: renderCheckCmd,
        run: shellRunner(),
        euid: process.geteuid?.() ?? 0,
        egid: process.getegid?.() ?? 0,
        out: io.stdout,
        reloadResources: () => loadResources(config.confdir, config.prefix, systemAccounts()),
        onCycle: (report, ms) => {
          metrics?.cycle(report, ms);
          onCycle?.(report);
        },
        onReadError: () => metrics?.error(),
        onFailure: (reasons) => {
          for (const r of reasons) io.stderr(`hecd confd: ${r}\n`);
          io.stderr("hecd confd: failed; the dest files of failed resources were left as they were\n");
        },
      },
    );
  } finally {
    await metricsServer?.close();
    await backend.close().catch(() => {});
  }
}
