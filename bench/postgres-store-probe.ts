import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceContext } from '../src/ingest/event-draft.ts';
import { IngestService } from '../src/ingest/ingest-service.ts';
import type { AppendRequest, StateStore } from '../src/stores/ports.ts';
import { PostgresStateStore } from '../src/stores/postgres/postgres-state-store.ts';
import { createTestDatabase } from '../src/stores/postgres/test-database.ts';
import { SqliteStateStore } from '../src/stores/sqlite/sqlite-state-store.ts';
import { formatNumber, formatRatio, numberFlag, parseFlags, printTable } from './bench-kit.ts';
import { customerJourneys, senderBatches } from './generators/customer-journeys.ts';

/**
 * appendEvents throughput of the state stores, identity resolution on: the same customer journeys in
 * 100-event requests, `window` requests in flight per writer, into SQLite (one file), PostgreSQL (one
 * store) and PostgreSQL with two stores on separate pools, as two worker processes would write, each
 * taking half the customers as a bus partition would. Prints events/s and ratios from this one run.
 *
 *   node bench/postgres-store-probe.ts [--customers 3000] [--events-per-customer 12] [--window 4]
 */

const SOURCE: SourceContext = { id: 'src_probe', workspaceId: 'default', name: 'probe', channel: 'web' };
const BATCH = 100;

const flags = parseFlags(process.argv.slice(2));
const customers = numberFlag(flags, 'customers', 3000);
const eventsPerCustomer = Math.max(8, numberFlag(flags, 'events-per-customer', 12));
const window = numberFlag(flags, 'window', 4);
const dedupWindowMs = 7 * 24 * 3_600_000;

/** Each writer's requests, the pipeline already run (its cost is not what is measured here). */
function requestsFor(writers: number): AppendRequest[][] {
  const service = new IngestService(null as unknown as StateStore, { maxEventBytes: 32_768 });
  const receivedAt = Date.parse('2026-03-03T00:00:00Z');
  return senderBatches(customerJourneys(customers, eventsPerCustomer), writers, BATCH).map((batches) =>
    batches.map((batch) => service.prepare({ source: SOURCE, events: batch, receivedAt, historical: true }).request));
}

async function drive(store: StateStore, requests: AppendRequest[]): Promise<number> {
  let stored = 0;
  let next = 0;
  const lane = async () => {
    while (next < requests.length) {
      const result = await store.appendEvents(requests[next++]!);
      stored += result.stored;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return stored;
}

async function measure(label: string, stores: StateStore[], perWriter: AppendRequest[][]): Promise<{ label: string; eventsPerSecond: number; events: number }> {
  const started = performance.now();
  const counts = await Promise.all(stores.map((store, index) => drive(store, perWriter[index]!)));
  const seconds = (performance.now() - started) / 1000;
  const events = counts.reduce((sum, count) => sum + count, 0);
  const expected = perWriter.flat().reduce((sum, request) => sum + request.events.length, 0);
  if (events !== expected) throw new Error(`${label}: stored ${events} of ${expected} events`);
  return { label, eventsPerSecond: events / seconds, events };
}

const one = requestsFor(1);
const two = requestsFor(2);
const total = one[0]!.reduce((sum, request) => sum + request.events.length, 0);
console.log(`${formatNumber(customers)} customers, ${formatNumber(total)} events in ${BATCH}-event requests, ${window} in flight per writer, identity resolution on`);

const dir = mkdtempSync(join(tmpdir(), 'centric-probe-'));
const results = [];
try {
  const sqlite = new SqliteStateStore({ path: join(dir, 'state.sqlite'), dedupWindowMs });
  await sqlite.migrate();
  results.push(await measure('sqlite, one store', [sqlite], one));
  await sqlite.close();

  for (const writers of [1, 2]) {
    const database = await createTestDatabase();
    const stores = [];
    try {
      for (let index = 0; index < writers; index++) {
        const store = new PostgresStateStore({ connectionString: database.url, poolSize: 4, dedupWindowMs });
        await store.migrate();
        stores.push(store);
      }
      results.push(await measure(`postgres, ${writers === 1 ? 'one store' : 'two stores (two pools)'}`, stores, writers === 1 ? one : two));
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await database.drop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const base = results[0]!.eventsPerSecond;
printTable([
  ['store', 'events', 'events/s', 'vs sqlite'],
  ...results.map((result) => [result.label, formatNumber(result.events), formatNumber(result.eventsPerSecond), formatRatio(result.eventsPerSecond / base)]),
]);
