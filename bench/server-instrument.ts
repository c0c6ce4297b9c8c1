import { DatabaseSync } from 'node:sqlite';
import { performance } from 'node:perf_hooks';

/**
 * Preloaded into the benchmark's server (`node --import`), never into a real one: times each
 * SQLite write transaction and its COMMIT (the WAL write and fsync) on the thread that runs them,
 * which is the event loop's. The parent asks for a snapshot over the IPC channel it opened
 * (`{kind: 'snapshot', tag}`) and gets the cumulative counters back. Costs a string comparison
 * per `exec`, nothing per event.
 */

/** Cumulative counters since the server started; the parent subtracts two snapshots. */
export interface StoreTimings {
  tag: string;
  at: number;
  transactions: number;
  transactionMs: number;
  commitMs: number;
  idleMs: number;
}

if (process.send) {
  const counters = { transactions: 0, transactionMs: 0, commitMs: 0 };
  let begunAt = 0;
  const exec = DatabaseSync.prototype.exec;
  DatabaseSync.prototype.exec = function timedExec(this: DatabaseSync, sql: string): void {
    if (sql === 'BEGIN IMMEDIATE') {
      begunAt = performance.now();
      return exec.call(this, sql);
    }
    if (sql !== 'COMMIT') return exec.call(this, sql);
    const commitAt = performance.now();
    exec.call(this, sql);
    const end = performance.now();
    counters.transactions += 1;
    counters.commitMs += end - commitAt;
    counters.transactionMs += end - begunAt;
  };
  process.on('message', (message: { kind?: string; tag?: string }) => {
    if (message.kind !== 'snapshot') return;
    const snapshot: StoreTimings = { tag: message.tag ?? '', at: performance.now(), ...counters, idleMs: performance.eventLoopUtilization().idle };
    process.send!(snapshot);
  });
  // The channel must not keep the server alive once it wants to stop.
  process.channel?.unref();
}
