import { DuckDbAnalyticsStore } from '../stores/duckdb/duckdb-analytics-store.ts';
import { SqliteStateStore } from '../stores/sqlite/sqlite-state-store.ts';
import { AnalyticsSink } from './analytics-sink.ts';

/**
 * The sink as a process of its own, for the test that kills it with SIGKILL mid-copy:
 * `node sink-child-process.ts STATE_FILE ANALYTICS_FILE BATCH_SIZE`. Prints "copied SEQ" after each
 * committed batch and "done" once everything is copied.
 */
const [statePath, analyticsPath, batchSize] = process.argv.slice(2);
const state = new SqliteStateStore({ path: statePath!, dedupWindowMs: 86_400_000 });
await state.migrate();
const analytics = new DuckDbAnalyticsStore({ path: analyticsPath!, threads: 1 });
await analytics.migrate();
const sink = new AnalyticsSink(state, analytics, {
  batchSize: Number(batchSize),
  onBatch: (position) => process.stdout.write(`copied ${position.eventSeq}\n`),
});
await sink.catchUp();
await analytics.close();
await state.close();
process.stdout.write('done\n');
