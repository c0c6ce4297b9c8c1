import { ACCEPTED_LOG, type AcceptedBusConsumer, type AcceptedLog, type AcceptedRequestHandler } from '../ports.ts';
import type { LogPosition } from '../../stores/ports.ts';

export interface SqliteBusConsumerOptions {
  /** How long a request whose handler failed waits before it is handed over again; default 1000 ms. */
  retryDelayMs?: number;
  /** Events read from the log at a time; default 500. */
  chunkEvents?: number;
  /** Told about each handler failure (the request is retried regardless). */
  onError?: (error: unknown, position: LogPosition) => void;
}

/**
 * The embedded accepted log behind the bus consumer port: one partition, named `accepted`, read in
 * order by this process. A request is released from the log once its handler resolved, so whatever
 * a stop leaves behind is handed over again on the next start.
 */
export class SqliteBusConsumer implements AcceptedBusConsumer {
  private readonly log: AcceptedLog;
  private readonly retryDelayMs: number;
  private readonly chunkEvents: number;
  private readonly onError: (error: unknown, position: LogPosition) => void;
  private handler: AcceptedRequestHandler | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private position = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private listening = false;

  constructor(log: AcceptedLog, options: SqliteBusConsumerOptions = {}) {
    this.log = log;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.chunkEvents = options.chunkEvents ?? 500;
    this.onError = options.onError ?? ((error, position) => console.error(`accepted log entry ${position.seq}:`, error));
  }

  async start(handler: AcceptedRequestHandler): Promise<void> {
    if (this.handler) throw new Error('the consumer is already started');
    this.handler = handler;
    // Released entries are gone, so everything after 0 is what no handler has finished yet.
    this.position = 0;
    if (!this.listening) {
      this.log.onAppend(() => this.wake());
      this.listening = true;
    }
    this.wake();
  }

  async stop(): Promise<void> {
    this.handler = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.running;
  }

  isReady(): boolean {
    return this.handler !== null && this.log.isReady();
  }

  /** Stops; the log belongs to whoever opened it (the writer side shares it) and stays open. */
  async close(): Promise<void> {
    await this.stop();
  }

  private wake(): void {
    const handler = this.handler;
    // A failed request waits out its delay even when more is appended meanwhile.
    if (!handler || this.retryTimer) return;
    if (this.running) {
      // An append during a run may land after its last read: run once more afterwards.
      this.again = true;
      return;
    }
    this.again = false;
    this.running = this.run(handler).finally(() => {
      this.running = null;
      if (this.again) this.wake();
    });
  }

  private async run(handler: AcceptedRequestHandler): Promise<void> {
    while (this.handler === handler) {
      const entries = await this.log.read(this.position, this.chunkEvents);
      if (entries.length === 0) return;
      for (const entry of entries) {
        if (this.handler !== handler) return;
        const position = { log: ACCEPTED_LOG, seq: entry.seq };
        try {
          await handler(entry.request, position);
        } catch (error) {
          this.onError(error, position);
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            this.wake();
          }, this.retryDelayMs);
          return;
        }
        this.position = entry.seq;
        await this.log.release(entry.seq);
      }
    }
  }
}
