import { Worker } from 'node:worker_threads';
import type { FromSegmentWorker, SegmentWorkerData, ToSegmentWorker } from './segment-worker.ts';

/** The API thread's handle on the segment thread: passes on wake-ups and reloads, and hears of committed membership changes. */
export class ThreadedSegmentEngine {
  private worker: Worker | null = null;
  private readonly data: SegmentWorkerData;
  private readonly onError: (message: string) => void;
  private readonly changeListeners: Array<() => void> = [];
  private stopped: Promise<void> | null = null;

  constructor(data: SegmentWorkerData, onError: (message: string) => void) {
    this.data = data;
    this.onError = onError;
  }

  /** Resolves once the thread's engine runs. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./segment-worker.ts', import.meta.url), { workerData: this.data });
      this.worker = worker;
      worker.on('message', (message: FromSegmentWorker) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'changes') for (const listener of this.changeListeners) listener();
        else if (message.type === 'error') this.onError(message.message);
      });
      worker.on('error', (error) => {
        this.onError(error.stack ?? error.message);
        reject(error);
      });
    });
  }

  /** Events were stored: look now. */
  wake(): void {
    this.post({ type: 'wake' });
  }

  /** Definitions changed: read them again. */
  reload(): void {
    this.post({ type: 'reload' });
  }

  /** Calls `listener` after each commit that changed memberships. */
  onChanges(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** Finishes the step in hand and ends the thread. */
  stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    this.stopped ??= new Promise<void>((resolve) => {
      worker.on('message', (message: FromSegmentWorker) => {
        if (message.type === 'stopped') resolve();
      });
      worker.on('exit', () => resolve());
      worker.postMessage({ type: 'stop' } satisfies ToSegmentWorker);
    }).then(async () => {
      await worker.terminate();
      this.worker = null;
      this.stopped = null;
    });
    return this.stopped;
  }

  private post(message: ToSegmentWorker): void {
    this.worker?.postMessage(message);
  }
}
