import { Worker } from 'node:worker_threads';
import type { AcceptedLogProcessor } from '../bus/ports.ts';
import type { SqliteAcceptedLog } from '../bus/sqlite/sqlite-accepted-log.ts';
import type { FromWorker, IngestWorkerData, ToWorker } from './ingest-worker.ts';

/**
 * The API thread's handle on the processing thread: tells it when requests were appended, and keeps
 * the accepted log's counts (for backpressure and status) as the thread reports what it stored.
 */
export class ThreadedProcessor implements AcceptedLogProcessor {
  private worker: Worker | null = null;
  private readonly log: SqliteAcceptedLog;
  private readonly data: IngestWorkerData;
  private readonly onError: (message: string) => void;
  private readonly storedListeners: Array<() => void> = [];
  private storedEvents = 0;
  private stopping = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(log: SqliteAcceptedLog, data: IngestWorkerData, onError: (message: string) => void) {
    this.log = log;
    this.data = data;
    this.onError = onError;
  }

  get stored(): number {
    return this.storedEvents;
  }

  async start(): Promise<void> {
    this.log.onAppend(() => this.post({ type: 'appended' }));
    await this.spawn();
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./ingest-worker.ts', import.meta.url), { workerData: this.data });
      this.worker = worker;
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'stored') {
          this.log.forget(message.seq);
          this.storedEvents += message.events;
          for (const listener of this.storedListeners) listener();
          if (this.log.pending().requests === 0) for (const waiter of this.idleWaiters.splice(0)) waiter();
        } else if (message.type === 'error') this.onError(message.message);
      });
      worker.on('error', (error) => {
        this.onError(error.stack ?? error.message);
        reject(error);
      });
      worker.on('exit', (code) => {
        this.worker = null;
        for (const waiter of this.idleWaiters.splice(0)) waiter();
        if (!this.stopping) {
          // What the thread had not stored is still in the log; a new thread takes it from there.
          this.onError(`the processing thread exited with code ${code}; starting a new one`);
          setTimeout(() => void this.spawn().catch(() => undefined), 1000).unref();
        }
      });
    });
  }

  /** Resolves once everything accepted so far is stored, or the thread stopped. */
  async drain(): Promise<void> {
    while (this.log.pending().requests > 0 && this.worker) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  /** Tells the thread to reload the identity rules after they changed. */
  rulesChanged(): void {
    this.post({ type: 'rules-changed' });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.stopping = true;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    this.post({ type: 'stop' });
    await exited;
  }

  onStored(listener: () => void): void {
    this.storedListeners.push(listener);
  }

  private post(message: ToWorker): void {
    this.worker?.postMessage(message);
  }
}
