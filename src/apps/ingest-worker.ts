import { parentPort, workerData } from 'node:worker_threads';
import { SqliteAcceptedLog } from '../bus/sqlite/sqlite-accepted-log.ts';
import { IngestProcessor } from '../ingest/ingest-processor.ts';
import { SqliteStateStore } from '../stores/sqlite/sqlite-state-store.ts';

/** What the API thread tells the processing thread. */
export type ToWorker = { type: 'appended' } | { type: 'rules-changed' } | { type: 'stop' };
/** What the processing thread tells the API thread. */
export type FromWorker = { type: 'ready' } | { type: 'stored'; seq: number; events: number } | { type: 'error'; message: string } | { type: 'stopped' };

export interface IngestWorkerData {
  statePath: string;
  logPath: string;
  dedupWindowMs: number;
  synchronous: 'FULL' | 'NORMAL';
}

/**
 * The processing thread of an embedded server: its own connections to the accepted log and the state
 * store, so storing events (dedup, identity resolution, profiles) runs beside the API thread instead
 * of taking turns with it.
 */
async function main(port: NonNullable<typeof parentPort>, data: IngestWorkerData): Promise<void> {
  const store = new SqliteStateStore({ path: data.statePath, dedupWindowMs: data.dedupWindowMs, synchronous: data.synchronous });
  await store.migrate();
  const log = new SqliteAcceptedLog({ path: data.logPath, synchronous: data.synchronous });
  const processor = new IngestProcessor(log, store, {
    onError: (error) => port.postMessage({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) } satisfies FromWorker),
  });
  processor.onProgress((seq, events) => port.postMessage({ type: 'stored', seq, events } satisfies FromWorker));
  port.on('message', (message: ToWorker) => {
    if (message.type === 'appended') processor.wake();
    else if (message.type === 'rules-changed') store.reloadIdentityRules();
    else if (message.type === 'stop') {
      void (async () => {
        await processor.stop();
        await log.close();
        await store.close();
        port.postMessage({ type: 'stopped' } satisfies FromWorker);
        port.close();
      })();
    }
  });
  await processor.start();
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

if (parentPort) void main(parentPort, workerData as IngestWorkerData);
