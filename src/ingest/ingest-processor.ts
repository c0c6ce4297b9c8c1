import type { AcceptedLog } from '../bus/ports.ts';
import type { StateStore } from '../stores/ports.ts';

export interface IngestProcessorOptions {
  /** Events per state-store commit; small enough that requests are never held up for long. */
  chunkEvents?: number;
  onError?: (error: unknown) => void;
}

/**
 * Moves accepted requests from the log into the state store, in order: dedup, identity resolution,
 * events and profiles are written there. The store records the last log entry it holds in the same
 * commit, so a crash between storing and releasing never stores an entry twice.
 */
export class IngestProcessor {
  private readonly log: AcceptedLog;
  private readonly store: StateStore;
  private readonly chunkEvents: number;
  private readonly onError: (error: unknown) => void;
  private running: Promise<void> | null = null;
  private stopped = false;
  private processedSeq = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private processedEvents = 0;
  private failed = false;

  constructor(log: AcceptedLog, store: StateStore, options: IngestProcessorOptions = {}) {
    this.log = log;
    this.store = store;
    this.chunkEvents = options.chunkEvents ?? 500;
    this.onError = options.onError ?? ((error) => console.error('ingest processor:', error));
  }

  async start(): Promise<void> {
    this.processedSeq = await this.store.acceptedLogPosition();
    await this.log.release(this.processedSeq);
    this.log.onAppend(() => this.wake());
    this.wake();
  }

  /** Events stored by this processor since it started. */
  get stored(): number {
    return this.processedEvents;
  }

  /** Resolves once everything accepted so far is in the state store. */
  async drain(): Promise<void> {
    while (this.log.pending().requests > 0 && !this.stopped) {
      this.wake();
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      // Never spin on promises alone: the store's commits run on later turns of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Finishes the chunk in hand and stops; what is left stays in the log for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    for (const waiter of this.idleWaiters.splice(0)) waiter();
  }

  /** Starts again after `stop`. */
  resume(): void {
    this.stopped = false;
    this.wake();
  }

  private wake(): void {
    if (this.running || this.stopped) return;
    this.running = this.run().finally(() => {
      this.running = null;
      for (const waiter of this.idleWaiters.splice(0)) waiter();
      // Entries accepted while the last read ran are picked up at once; after a failure, a little later.
      if (this.log.pending().requests > 0 && !this.stopped) setTimeout(() => this.wake(), this.failed ? 1000 : 0);
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const entries = await this.log.read(this.processedSeq, this.chunkEvents);
      if (entries.length === 0) return;
      const last = entries[entries.length - 1]!.seq;
      try {
        // Submitted together, the entries share one commit; the last carries the log position.
        await Promise.all(
          entries.map((entry) => this.store.appendEvents(entry.seq === last ? { ...entry.request, acceptedLogSeq: last } : entry.request)),
        );
      } catch (error) {
        this.failed = true;
        this.onError(error);
        return;
      }
      this.failed = false;
      this.processedSeq = last;
      for (const entry of entries) this.processedEvents += entry.request.events.length;
      await this.log.release(last);
      // Let waiting requests in between chunks.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
