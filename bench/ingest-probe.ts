import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SourceContext } from '../src/ingest/event-draft.ts';
import { IngestService } from '../src/ingest/ingest-service.ts';
import { SqliteStateStore } from '../src/stores/sqlite/sqlite-state-store.ts';
import { bodyForRound, type BatchBodyPool } from './batch-bodies.ts';
import { sampleProcess } from './bench-kit.ts';

/**
 * The limit probe: the same batch bodies as the HTTP run, parsed and handed straight to the
 * ingest service and SQLite store in this process, with `window` batches in flight so that
 * group commit shares each fsync among them. What HTTP adds on top is the server's overhead.
 */

/** Throughput of one probe run, and how busy the machine was meanwhile. */
export interface ProbeResult {
  eventsPerSecond: number;
  events: number;
  seconds: number;
  /** Share of the time this process was ready to run but waited for a CPU taken by others. */
  runQueuePercent: number | null;
  /** Stores only: events acknowledged in all, warm-up included, and the rows found afterwards. */
  acknowledged?: number;
  stored?: number;
}

const SOURCE: SourceContext = { id: 'src_bench_probe', workspaceId: 'default', name: 'bench probe', channel: 'web' };

interface ParsedBody {
  batch: unknown[];
  sentAt?: unknown;
  context?: Record<string, unknown>;
  integrations?: Record<string, unknown>;
}

/** Which request of the pool's endless replay comes next; shared so a warm-up's ids are never sent again. */
interface Cursor {
  n: number;
}

/** Replays the pool round after round, a window at a time, until `seconds` have passed. */
async function drive(
  pool: BatchBodyPool,
  cursor: Cursor,
  window: number,
  seconds: number,
  handle: (body: ParsedBody) => Promise<number> | number,
): Promise<ProbeResult> {
  let events = 0;
  const before = sampleProcess(process.pid);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (performance.now() < deadline) {
    const inFlight: Array<Promise<number> | number> = [];
    for (let index = 0; index < window; index += 1) {
      const n = cursor.n++;
      const bytes = bodyForRound(pool.bodies[n % pool.bodies.length]!, Math.floor(n / pool.bodies.length));
      inFlight.push(handle(JSON.parse(bytes.toString('utf8')) as ParsedBody));
    }
    for (const count of await Promise.all(inFlight)) events += count;
  }
  const elapsed = (performance.now() - started) / 1000;
  const after = sampleProcess(process.pid);
  const runQueuePercent = before && after ? ((after.mainThreadRunQueueSeconds - before.mainThreadRunQueueSeconds) / elapsed) * 100 : null;
  return { eventsPerSecond: events / elapsed, events, seconds: elapsed, runQueuePercent };
}

function ingestInput(body: ParsedBody) {
  return {
    source: SOURCE,
    events: body.batch,
    receivedAt: Date.now(),
    shared: { context: body.context, integrations: body.integrations, sentAt: body.sentAt },
  };
}

/** JSON.parse alone: the floor under everything else. */
export function probeParseOnly(pool: BatchBodyPool, seconds: number): Promise<ProbeResult> {
  return drive(pool, { n: 0 }, 1, seconds, (body) => body.batch.length);
}

/** Parse and the pipeline's steps, nothing written: the CPU cost before the store. */
export async function probePipelineOnly(pool: BatchBodyPool, dir: string, seconds: number): Promise<ProbeResult> {
  const store = new SqliteStateStore({ path: join(dir, 'pipeline-only.sqlite'), dedupWindowMs: 7 * 24 * 3_600_000 });
  await store.migrate();
  const ingest = new IngestService(store, { maxEventBytes: 32 * 1024 });
  try {
    return await drive(pool, { n: 0 }, 1, seconds, (body) => ingest.prepare(ingestInput(body)).request.events.length);
  } finally {
    await store.close();
  }
}

/**
 * The full in-process ingest into a fresh SQLite file, configured as the server configures it
 * (identity resolution on) unless told otherwise; after a short warm-up, counts events
 * acknowledged (resolved `ingest` calls) per second and checks the rows stored.
 */
export async function probeIngest(
  pool: BatchBodyPool,
  dir: string,
  options: { window: number; seconds: number; warmupSeconds: number; synchronous: 'FULL' | 'NORMAL'; resolveIdentities?: boolean },
): Promise<ProbeResult> {
  const resolveIdentities = options.resolveIdentities ?? true;
  const path = join(dir, `probe-${options.synchronous.toLowerCase()}${resolveIdentities ? '' : '-no-identity'}.sqlite`);
  const store = new SqliteStateStore({ path, dedupWindowMs: 7 * 24 * 3_600_000, synchronous: options.synchronous, resolveIdentities });
  await store.migrate();
  const ingest = new IngestService(store, { maxEventBytes: 32 * 1024 });
  // Only new events count: a duplicate would skip the insert and flatter the figure.
  const handle = async (body: ParsedBody) => (await ingest.ingest(ingestInput(body))).stored;
  const cursor = { n: 0 };
  let warmup: ProbeResult;
  let result: ProbeResult;
  try {
    warmup = await drive(pool, cursor, options.window, options.warmupSeconds, handle);
    result = await drive(pool, cursor, options.window, options.seconds, handle);
  } finally {
    await store.close();
  }
  const db = new DatabaseSync(path, { readOnly: true });
  const row = db.prepare('SELECT count(*) AS count FROM events').get() as { count: number };
  db.close();
  return { ...result, acknowledged: warmup.events + result.events, stored: row.count };
}
