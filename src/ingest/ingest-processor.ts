import { ACCEPTED_LOG, type AcceptedLog, type AcceptedLogProcessor } from '../bus/ports.ts';
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
export class IngestProcessor implements AcceptedLogProcessor {
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
  private again = false;
  private readonly progressListeners: Array<(seq: number, events: number) => void> = [];

  constructor(log: AcceptedLog, store: StateStore, options: IngestProcessorOptions = {}) {
    this.log = log;
    this.store = store;
    this.chunkEvents = options.chunkEvents ?? 500;
    this.onError = options.onError ?? ((error) => console.error('ingest processor:', error));
  }

  async start(): Promise<void> {
    this.processedSeq = await this.store.logPosition(ACCEPTED_LOG);
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

  /** Shares the state store with the API, whose rules are always current. */
  rulesChanged(): void {}

  /** Starts again after `stop`. */
  resume(): void {
    this.stopped = false;
    this.wake();
  }

  /** Processes what the log holds; called when something was appended (here or, threaded, by the API). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      // An append during a run may land after its last read: run once more afterwards.
      this.again = true;
      return;
    }
    this.again = false;
    this.running = this.run().finally(() => {
      this.running = null;
      for (const waiter of this.idleWaiters.splice(0)) waiter();
      // After a failure, try again a little later.
      if (this.failed && !this.stopped) setTimeout(() => this.wake(), 1000);
      else if (this.again) this.wake();
    });
  }

  /** Called after each chunk is stored, with the last log entry it held. */
  onProgress(listener: (seq: number, events: number) => void): void {
    this.progressListeners.push(listener);
  }

  onStored(listener: () => void): void {
    this.onProgress(() => listener());
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const entries = await this.log.read(this.processedSeq, this.chunkEvents);
      if (entries.length === 0) return;
      const last = entries[entries.length - 1]!.seq;
      try {
        // Submitted together, the entries share one commit; the last carries the log position.
        await Promise.all(
          entries.map((entry) => this.store.appendEvents(entry.seq === last ? { ...entry.request, logPosition: { log: ACCEPTED_LOG, seq: last } } : entry.request)),
        );
      } catch (error) {
        this.failed = true;
        this.onError(error);
        return;
      }
      this.failed = false;
      this.processedSeq = last;
      let events = 0;
      for (const entry of entries) events += entry.request.events.length;
      this.processedEvents += events;
      await this.log.release(last);
      for (const listener of this.progressListeners) listener(last, events);
      // Let waiting requests in between chunks.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
