import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FunnelQuery } from '../core/analytics/analytics-model.ts';
import { referenceFunnel, referencePaths } from '../core/analytics/reference/reference-answers.ts';
import { IngestService } from '../ingest/ingest-service.ts';
import { DuckDbAnalyticsStore } from '../stores/duckdb/duckdb-analytics-store.ts';
import type { StateStore } from '../stores/ports.ts';
import { SqliteStateStore } from '../stores/sqlite/sqlite-state-store.ts';
import { AnalyticsSink, toAnalyticsEvent } from './analytics-sink.ts';

const NODE = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'node');
const web = { id: 'src_web', workspaceId: 'default', name: 'web shop', channel: 'web', touchpoint: 'web shop', department: 'sales' };
const hotline = { id: 'src_hotline', workspaceId: 'default', name: 'hotline', channel: 'phone', touchpoint: 'hotline', department: 'service' };
const T0 = Date.parse('2026-05-04T08:00:00Z');
const MIN = 60_000;

let dir: string;
let state: SqliteStateStore;
let analytics: DuckDbAnalyticsStore;
let ingest: IngestService;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'centric-sink-'));
  state = new SqliteStateStore({ path: join(dir, 'state.sqlite'), dedupWindowMs: 86_400_000 });
  await state.migrate();
  ingest = new IngestService(state, { maxEventBytes: 32_768 });
  analytics = new DuckDbAnalyticsStore({ path: join(dir, 'analytics.duckdb'), threads: 1 });
  await analytics.migrate();
});
afterEach(async () => {
  await analytics.close();
  await state.close();
  rmSync(dir, { recursive: true, force: true });
});

async function send(source: typeof web, minutes: number, event: Record<string, unknown>): Promise<void> {
  const outcome = await ingest.ingest({ source, events: [{ timestamp: new Date(T0 + minutes * MIN).toISOString(), ...event }], receivedAt: T0 + minutes * MIN, historical: true });
  expect(outcome.rejected).toEqual([]);
}

/** Everything the state store holds, on the profile each event lives on now: what answers must agree with. */
async function truth(store: StateStore) {
  return (await store.readEventsAfter(0, 1_000_000)).map(toAnalyticsEvent);
}

const funnel: FunnelQuery = {
  workspaceId: 'default', range: { from: T0, to: T0 + 86_400_000 }, filters: {}, breakdown: null,
  steps: [{ event: 'Product Viewed' }, { event: 'Order Completed' }], windowMs: 3 * 60 * MIN, order: 'loose',
};

describe('analytics sink', () => {
  it('copies every event once and shows a login on a second device as one customer, and an unmerge as two', async () => {
    await send(web, 0, { type: 'track', event: 'Product Viewed', anonymousId: 'phone-cookie' });
    const sink = new AnalyticsSink(state, analytics, { batchSize: 1, compactAfterAliases: 1 });
    await sink.catchUp();
    await send(web, 30, { type: 'track', event: 'Order Completed', userId: 'u-1', anonymousId: 'laptop' });
    await sink.catchUp();
    expect((await analytics.funnel(funnel))[0]!.reached).toEqual([1, 0]);

    // Signing in on the phone joins the phone's browsing to the customer who ordered.
    await send(web, 40, { type: 'identify', userId: 'u-1', anonymousId: 'phone-cookie' });
    await sink.catchUp();
    expect((await analytics.funnel(funnel))[0]!.reached).toEqual([1, 1]);
    expect(await analytics.stats()).toMatchObject({ events: 3, aliases: 1, position: { eventSeq: 3 } });
    // Folding the alias into the rows in the background changes no answer.
    await sink.compactIfDue();
    expect(await analytics.stats()).toMatchObject({ aliases: 0 });
    expect((await analytics.funnel(funnel))[0]!.reached).toEqual([1, 1]);

    const customer = (await state.readEventsAfter(0, 10)).at(-1)!.profileId!;
    const merge = (await state.getProfile('default', customer))!.profile.merges[0]!;
    await state.unmerge('default', customer, merge.id);
    await sink.catchUp();
    expect(await analytics.funnel(funnel)).toEqual(referenceFunnel(await truth(state), funnel));
    expect((await analytics.funnel(funnel))[0]!.reached).toEqual([1, 0]);
  });

  it('puts back events read while an unmerge was committed and reads them again after applying it', async () => {
    await send(web, 0, { type: 'track', event: 'Product Viewed', anonymousId: 'tablet' });
    await send(web, 2, { type: 'track', event: 'Product Added', anonymousId: 'tablet' });
    await send(hotline, 20, { type: 'track', event: 'Call Started', userId: 'u-2' });
    await send(web, 25, { type: 'identify', userId: 'u-2', anonymousId: 'tablet' });
    await send(web, 30, { type: 'track', event: 'Order Completed', userId: 'u-2' });
    const merges = (await state.readProfileChanges(0, 10)).filter((change) => change.kind === 'merge');
    expect(merges.length).toBeGreaterThan(0);
    // Between the sink's read of changes and its read of events, the merge is undone and the tablet is used
    // again: the events it reads already show the unmerge, which its copy has not seen yet.
    let raced = false;
    const racing: Pick<StateStore, 'readEventsAfter' | 'readProfileChanges'> = {
      readProfileChanges: (after, limit) => state.readProfileChanges(after, limit),
      readEventsAfter: async (after, limit) => {
        if (!raced) {
          raced = true;
          const { profile } = (await state.getProfile('default', (await state.findProfileByIdentifier('default', { type: 'user_id', value: 'u-2' }))!))!;
          await state.unmerge('default', profile.id, profile.merges.at(-1)!.id);
          // One of the two lands on the profile the unmerge revived.
          await send(web, 40, { type: 'track', event: 'Product Viewed', anonymousId: 'tablet' });
          await send(web, 41, { type: 'track', event: 'Checkout Started', userId: 'u-2' });
        }
        return state.readEventsAfter(after, limit);
      },
    };
    const sink = new AnalyticsSink(racing, analytics, { batchSize: 100 });
    const outcomes: string[] = [];
    for (let step = await sink.step(); step !== 'idle'; step = await sink.step()) outcomes.push(step);
    const paths = { ...funnel, stepKind: 'event' as const, anchor: null, direction: 'after' as const, depth: 4 };
    expect(sortRows(await analytics.paths(paths))).toEqual(sortRows(referencePaths(await truth(state), paths)));
    expect(outcomes).toContain('retry');
    expect((await analytics.stats()).events).toBe(7);
  });

  it('survives being killed with SIGKILL mid-copy: restarted, it copies every event exactly once', async () => {
    const events: Array<Record<string, unknown>> = [];
    for (let customer = 0; customer < 300; customer++) {
      for (let step = 0; step < 8; step++) {
        const signedIn = step >= 4;
        events.push({
          type: 'track', event: step % 3 === 2 ? 'Order Completed' : 'Product Viewed', anonymousId: `cookie-${customer}-${step < 2 ? 'a' : 'b'}`,
          ...(signedIn ? { userId: `user-${customer}` } : {}), timestamp: new Date(T0 + (customer * 8 + step) * MIN).toISOString(),
        });
      }
    }
    for (let start = 0; start < events.length; start += 200) {
      await ingest.ingest({ source: web, events: events.slice(start, start + 200), receivedAt: T0, historical: true });
    }
    await analytics.close();
    const stored = await state.countEvents('default');
    expect(stored).toBe(2400);

    const run = (killAfterBatches: number | null) => new Promise<{ killed: boolean; lastSeq: number }>((resolve, reject) => {
      const child = spawn(NODE, [join(import.meta.dirname, 'sink-child-process.ts'), join(dir, 'state.sqlite'), join(dir, 'analytics.duckdb'), '37'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let batches = 0;
      let lastSeq = 0;
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.stdout.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) {
          const match = /^copied (\d+)/.exec(line);
          if (!match) continue;
          lastSeq = Number(match[1]);
          if (killAfterBatches !== null && ++batches === killAfterBatches) child.kill('SIGKILL');
        }
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (signal === 'SIGKILL') resolve({ killed: true, lastSeq });
        else if (code === 0) resolve({ killed: false, lastSeq });
        else reject(new Error(`sink process failed (${code}): ${stderr}`));
      });
    });
    const kills = [];
    for (const after of [3, 9, 20]) kills.push(await run(after));
    expect(kills.every((outcome) => outcome.killed)).toBe(true);
    expect(kills.at(-1)!.lastSeq).toBeLessThan(stored);
    await run(null);

    analytics = new DuckDbAnalyticsStore({ path: join(dir, 'analytics.duckdb'), threads: 1 });
    await analytics.migrate();
    const copied = await analytics.runSql('SELECT count(*) AS n, count(DISTINCT seq) AS distinct_seqs, min(seq) AS first, max(seq) AS last FROM analytics_events');
    expect(copied.map((row) => ({ n: Number(row.n), distinct: Number(row.distinct_seqs), first: Number(row.first), last: Number(row.last) }))).toEqual([
      { n: stored, distinct: stored, first: 1, last: stored },
    ]);
    expect(sortRows(await analytics.funnel(funnel))).toEqual(sortRows(referenceFunnel(await truth(state), funnel)));
  }, 60_000);
});

function sortRows<T>(rows: T[]): T[] {
  return [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}
