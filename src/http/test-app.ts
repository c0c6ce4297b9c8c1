import type { FastifyInstance } from 'fastify';
import { AnalyticsService } from '../analytics/analytics-service.ts';
import { AnalyticsSink } from '../analytics/analytics-sink.ts';
import { SqliteAcceptedLog } from '../bus/sqlite/sqlite-accepted-log.ts';
import { IngestProcessor } from '../ingest/ingest-processor.ts';
import { IngestService } from '../ingest/ingest-service.ts';
import { ProfileService } from '../profiles/profile-service.ts';
import { SegmentEngine } from '../segments/segment-engine.ts';
import { SegmentService } from '../segments/segment-service.ts';
import { SourceService } from '../sources/source-service.ts';
import { DuckDbAnalyticsStore } from '../stores/duckdb/duckdb-analytics-store.ts';
import { SqliteStateStore } from '../stores/sqlite/sqlite-state-store.ts';
import { buildHttpApp } from './app.ts';

export const ADMIN_TOKEN = 'test-admin-token';

/** An HTTP app on an in-memory store, for route tests through `app.inject`. */
export async function buildTestApp(limits: { maxEventBytes?: number; maxBatchBytes?: number; maxBacklogEvents?: number; analytics?: boolean; segments?: boolean; now?: () => number } = {}): Promise<{
  app: FastifyInstance;
  store: SqliteStateStore;
  /** Waits until every accepted event is processed into the store (and, with analytics, copied into the analytics store; with segments, evaluated). */
  settle: () => Promise<void>;
  processor: IngestProcessor;
  admin: (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) => Promise<{ status: number; body: any }>;
}> {
  const maxEventBytes = limits.maxEventBytes ?? 32 * 1024;
  const maxBatchBytes = limits.maxBatchBytes ?? 500 * 1024;
  const store = new SqliteStateStore({ path: ':memory:', dedupWindowMs: 7 * 24 * 3_600_000 });
  await store.migrate();
  const log = new SqliteAcceptedLog({ path: ':memory:' });
  const processor = new IngestProcessor(log, store);
  await processor.start();
  const analyticsStore = limits.analytics ? new DuckDbAnalyticsStore({ path: ':memory:', threads: 1 }) : null;
  await analyticsStore?.migrate();
  const sink = analyticsStore ? new AnalyticsSink(store, analyticsStore) : null;
  const segmentEngine = limits.segments ? new SegmentEngine(store, { workspaceIds: ['default'], ...(limits.now ? { now: limits.now } : {}) }) : null;
  const segments = segmentEngine ? new SegmentService(store, 'default', segmentEngine) : null;
  const app = await buildHttpApp({
    store,
    ingest: new IngestService(store, { maxEventBytes, log }),
    sources: new SourceService(store),
    profiles: new ProfileService(store, 'default'),
    workspaceId: 'default',
    adminTokens: [ADMIN_TOKEN],
    maxEventBytes,
    maxBatchBytes,
    ingestStatus: () => ({ pendingRequests: log.pending().requests, pendingEvents: log.pending().events, storedSinceStart: processor.stored }),
    maxBacklogEvents: limits.maxBacklogEvents ?? 1_000_000,
    ...(analyticsStore ? { analytics: new AnalyticsService(analyticsStore, 'default', sink) } : {}),
    ...(segments ? { segments } : {}),
  });
  app.addHook('onClose', async () => {
    await processor.stop();
    await log.close();
    await analyticsStore?.close();
    await store.close();
  });
  const admin = async (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) => {
    const response = await app.inject({ method, url, payload: payload as never, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return { status: response.statusCode, body: response.body ? response.json() : undefined };
  };
  const settle = async () => {
    await processor.drain();
    await sink?.catchUp();
    await segmentEngine?.catchUp();
  };
  return { app, store, admin, settle, processor };
}

export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}
