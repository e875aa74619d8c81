// Docker's container event stream, reconnected with backoff whenever it ends, errors, or the daemon
// stops answering pings (a hung stream sends nothing, so a silent stream alone proves nothing).
import type Docker from "dockerode";
import type { Logger } from "pino";

export interface ContainerEvent {
  /** e.g. start, die, kill, stop, pause, unpause, destroy, rename, restart (suffixes like "exec_start: x" cut). */
  action: string;
  id: string;
  attributes: Record<string, string>;
  /** Event time in ms since the epoch. */
  timeMs: number;
}

export interface EventStreamHandlers {
  onEvent(ev: ContainerEvent): void;
  /** The stream is (re)connected; events from now on arrive. Called before any event of the new stream. */
  onConnected(first: boolean): void;
  /** Docker has not answered for `downMs` (stream broken and pings failing). */
  onDown(downMs: number): void;
}

export interface EventStreamOptions {
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  maxBackoffMs?: number;
}

interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

export function parseEvent(raw: RawEvent): ContainerEvent | undefined {
  if (raw.Type !== undefined && raw.Type !== "container") return undefined;
  const action = (raw.Action ?? raw.status ?? "").split(":")[0]!.trim();
  const id = raw.Actor?.ID ?? raw.id;
  if (!action || !id) return undefined;
  const timeMs = raw.timeNano ? Math.floor(raw.timeNano / 1e6) : (raw.time ?? 0) * 1000;
  return { action, id, attributes: raw.Actor?.Attributes ?? {}, timeMs };
}

function destroyStream(s: NodeJS.ReadableStream): void {
  const d = s as NodeJS.ReadableStream & { destroy?: () => void };
  d.on("error", () => {});
  d.destroy?.();
}

/** Keeps a container event subscription alive until stop(). */
export class DockerEventStream {
  private stream: NodeJS.ReadableStream | undefined;
  private stopped = false;
  private connected = false;
  private everConnected = false;
  private backoffMs = 0;
  private downSince: number | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly pingIntervalMs: number;
  private readonly pingTimeoutMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly docker: Docker,
    private readonly handlers: EventStreamHandlers,
    private readonly log: Logger,
    opts: EventStreamOptions = {},
  ) {
    this.pingIntervalMs = opts.pingIntervalMs ?? 5000;
    this.pingTimeoutMs = opts.pingTimeoutMs ?? 3000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5000;
  }

  /** Connects (throws when Docker cannot be reached the first time) and starts the ping watchdog. */
  async start(): Promise<void> {
    await this.connect();
    this.schedulePing();
  }

  stop(): void {
    this.stopped = true;
    if (this.pingTimer) clearTimeout(this.pingTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.drop();
  }

  private drop(): void {
    const s = this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    this.stream = undefined;
    this.connected = false;
    s?.removeAllListeners();
    s?.on("error", () => {});
    s?.destroy?.();
  }

  private async connect(): Promise<void> {
    // A hung daemon accepts the connection and never answers: give up after pingTimeoutMs.
    let timedOut = false;
    const pending = this.docker.getEvents({ filters: { type: ["container"] } });
    const stream = await Promise.race([
      pending,
      new Promise<never>((_, reject) =>
        setTimeout(() => {
          timedOut = true;
          reject(new Error(`no answer to the events request within ${this.pingTimeoutMs} ms`));
        }, this.pingTimeoutMs).unref(),
      ),
    ]).catch((e: Error) => {
      if (timedOut) void pending.then(destroyStream, () => {});
      throw e;
    });
    if (this.stopped) {
      destroyStream(stream);
      return;
    }
    this.stream = stream;
    this.connected = true;
    this.backoffMs = 0;
    this.downSince = undefined;
    const first = !this.everConnected;
    this.everConnected = true;
    this.handlers.onConnected(first);
    let buf = "";
    stream.on("data", (chunk: Buffer | string) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === "") continue;
        let raw: RawEvent;
        try {
          raw = JSON.parse(line) as RawEvent;
        } catch {
          this.log.warn({ line: line.slice(0, 200) }, "unparseable docker event skipped");
          continue;
        }
        const ev = parseEvent(raw);
        if (ev) this.handlers.onEvent(ev);
      }
    });
    const lost = (why: string) => {
      if (this.stream !== stream) return;
      this.log.warn({ why }, "docker event stream lost; reconnecting");
      this.drop();
      this.reconnectSoon();
    };
    stream.on("end", () => lost("stream ended"));
    stream.on("close", () => lost("stream closed"));
    stream.on("error", (e: Error) => lost(e.message));
  }

  private reconnectSoon(): void {
    if (this.stopped || this.retryTimer) return;
    this.downSince ??= Date.now();
    this.backoffMs = Math.min(this.maxBackoffMs, this.backoffMs === 0 ? 100 : this.backoffMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect().catch((e: Error) => {
        this.log.warn({ err: e.message, retryInMs: this.backoffMs }, "docker not reachable");
        if (this.downSince !== undefined) this.handlers.onDown(Date.now() - this.downSince);
        this.reconnectSoon();
      });
    }, this.backoffMs);
  }

  private schedulePing(): void {
    if (this.stopped) return;
    this.pingTimer = setTimeout(() => void this.ping(), this.pingIntervalMs);
  }

  private async ping(): Promise<void> {
    if (this.stopped) return;
    if (this.connected) {
      const ok = await Promise.race([
        this.docker.ping().then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((r) => setTimeout(() => r(false), this.pingTimeoutMs).unref()),
      ]);
      if (!ok && this.connected && !this.stopped) {
        this.log.warn("docker does not answer pings; dropping the event stream and reconnecting");
        this.drop();
        this.reconnectSoon();
      }
    }
    this.schedulePing();
  }
}
