import { parentPort, workerData } from 'node:worker_threads';
import { SegmentEngine } from '../segments/segment-engine.ts';
import { SqliteStateStore } from '../stores/sqlite/sqlite-state-store.ts';

/** What the API thread tells the segment thread. */
export type ToSegmentWorker = { type: 'wake' } | { type: 'reload' } | { type: 'stop' };
/** What the segment thread tells the API thread. */
export type FromSegmentWorker = { type: 'ready' } | { type: 'changes'; count: number } | { type: 'error'; message: string } | { type: 'stopped' };

export interface SegmentWorkerData {
  statePath: string;
  dedupWindowMs: number;
  workspaceIds: string[];
}

/**
 * The segment thread of an embedded server: the engine on a connection of its own, beside the API
 * thread (which keeps acknowledging events) and the processing thread (which keeps storing them).
 * Its commits skip the full fsync: everything it writes can be worked out again from the stored
 * events, and its position is in the same commit, so a power cut only makes it repeat its last steps.
 */
async function main(port: NonNullable<typeof parentPort>, data: SegmentWorkerData): Promise<void> {
  const store = new SqliteStateStore({ path: data.statePath, dedupWindowMs: data.dedupWindowMs, synchronous: 'NORMAL' });
  await store.migrate();
  const engine = new SegmentEngine(store, {
    workspaceIds: data.workspaceIds,
    onChanges: (changes) => port.postMessage({ type: 'changes', count: changes.length } satisfies FromSegmentWorker),
    onError: (error) => port.postMessage({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) } satisfies FromSegmentWorker),
  });
  port.on('message', (message: ToSegmentWorker) => {
    if (message.type === 'wake') engine.wake();
    else if (message.type === 'reload') engine.reload();
    else if (message.type === 'stop') {
      void (async () => {
        await engine.stop();
        await store.close();
        port.postMessage({ type: 'stopped' } satisfies FromSegmentWorker);
        port.close();
      })();
    }
  });
  engine.start();
  port.postMessage({ type: 'ready' } satisfies FromSegmentWorker);
}

if (parentPort) void main(parentPort, workerData as SegmentWorkerData);
