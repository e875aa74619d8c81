// `hecd scale SERVICE N`: up by copying the newest replica's settings, down by
// stopping the newest first (draining each as `hecd stop` does).
import { LABEL_PORT } from "./labels.js";
import { listManaged } from "./inventory.js";
import { runContainers, type Launched, type RunOptions } from "./run.js";
import { stopPlaced, type StopOptions, type Stopped } from "./stop.js";

export interface ScaleResult {
  service: string;
  before: number;
  after: number;
  started: Launched[];
  stopped: Stopped[];
}

export async function scaleService(
  service: string,
  replicas: number,
  opts: StopOptions & { image?: string; onStarted?: RunOptions["onProgress"] },
): Promise<ScaleResult> {
  if (!Number.isInteger(replicas) || replicas < 0)
    throw new Error(`replica count ${replicas}: give a whole number >= 0`);
  const running = (await listManaged(opts.hosts, { service, all: false })).sort(
    (a, b) => b.created - a.created,
  );
  const result: ScaleResult = {
    service,
    before: running.length,
    after: running.length,
    started: [],
    stopped: [],
  };
  if (replicas > running.length) {
    const model = running[0];
    let image = opts.image;
    let env: string[] = [];
    let cmd: string[] | undefined;
    let port = "80/tcp";
    if (model) {
      const info = await model.host.docker.getContainer(model.info.Id).inspect();
      image ??= info.Config.Image;
      env = info.Config.Env ?? [];
      cmd = info.Config.Cmd ?? undefined;
      port = info.Config.Labels?.[LABEL_PORT] ?? port;
    }
    if (image === undefined) {
      throw new Error(
        `service ${service} has no running container to copy; start it with \`hecd run IMAGE --service ${service}\``,
      );
    }
    result.started = await runContainers({
      image,
      service,
      env,
      cmd,
      port,
      replicas: replicas - running.length,
      hosts: opts.hosts,
      registry: opts.registry,
      layout: opts.layout,
      onProgress: opts.onStarted,
    });
  } else if (replicas < running.length) {
    result.stopped = await stopPlaced(running.slice(0, running.length - replicas), opts);
  }
  result.after = running.length + result.started.length - result.stopped.length;
  return result;
}
