import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AnalyticsService } from '../analytics/analytics-service.ts';
import { AnalyticsSink } from '../analytics/analytics-sink.ts';
import { buildHttpApp } from '../http/app.ts';
import type { AcceptedLogProcessor } from '../bus/ports.ts';
import { SqliteAcceptedLog } from '../bus/sqlite/sqlite-accepted-log.ts';
import { IngestProcessor } from '../ingest/ingest-processor.ts';
import { ThreadedProcessor } from './threaded-processor.ts';
import { IngestService } from '../ingest/ingest-service.ts';
import { ProfileService } from '../profiles/profile-service.ts';
import { SourceService } from '../sources/source-service.ts';
import { DuckDbAnalyticsStore } from '../stores/duckdb/duckdb-analytics-store.ts';
import { SegmentEngine } from '../segments/segment-engine.ts';
import { SegmentService } from '../segments/segment-service.ts';
import { InProcessMembershipPublisher, MembershipRelay } from '../segments/membership-relay.ts';
import { ThreadedSegmentEngine } from './threaded-segment-engine.ts';
import { SqliteStateStore } from '../stores/sqlite/sqlite-state-store.ts';
import { stateStorePath, type CentricConfig } from './config.ts';

/** The services of one embedded Centric, wired together; the only place they meet. */
export interface EmbeddedCentric {
  config: CentricConfig;
  store: SqliteStateStore;
  sources: SourceService;
  ingest: IngestService;
  profiles: ProfileService;
  close(): Promise<void>;
}

export async function openEmbedded(config: CentricConfig): Promise<EmbeddedCentric> {
  mkdirSync(config.dataDir, { recursive: true });
  const store = new SqliteStateStore({ path: stateStorePath(config), dedupWindowMs: config.dedupWindowMs, synchronous: config.synchronous });
  await store.migrate();
  const sources = new SourceService(store);
  const ingest = new IngestService(store, { maxEventBytes: config.maxEventBytes });
  const profiles = new ProfileService(store, config.workspaceId);
  return { config, store, sources, ingest, profiles, close: () => store.close() };
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  adminToken: string;
  generatedAdminToken: boolean;
  close(): Promise<void>;
}

/** Opens the data directory and serves the HTTP API until closed. */
export async function startEmbeddedServer(config: CentricConfig): Promise<RunningServer> {
  const centric = await openEmbedded(config);
  const { tokens, generated } = adminTokens(config);
  const logPath = join(config.dataDir, 'accepted.sqlite');
  const log = new SqliteAcceptedLog({ path: logPath, synchronous: config.synchronous });
  const processor: AcceptedLogProcessor =
    config.ingestProcessor === 'thread'
      ? new ThreadedProcessor(
          log,
          { statePath: stateStorePath(config), logPath, dedupWindowMs: config.dedupWindowMs, synchronous: config.synchronous },
          (message) => console.error(`ingest processor: ${message}`),
        )
      : new IngestProcessor(log, centric.store);
  await processor.start();
  const profiles = new ProfileService(centric.store, config.workspaceId, () => processor.rulesChanged());
  const analytics = await startAnalytics(config, centric.store);
  const segments = await startSegments(config, centric.store);
  processor.onStored(() => segments.engine.wake());
  const app = await buildHttpApp({
    store: centric.store,
    ingest: new IngestService(centric.store, { maxEventBytes: config.maxEventBytes, log }),
    sources: centric.sources,
    profiles,
    workspaceId: config.workspaceId,
    adminTokens: tokens,
    maxEventBytes: config.maxEventBytes,
    maxBatchBytes: config.maxBatchBytes,
    ingestStatus: () => ({ pendingRequests: log.pending().requests, pendingEvents: log.pending().events, storedSinceStart: processor.stored }),
    maxBacklogEvents: config.maxBacklogEvents,
    logger: { level: config.logLevel },
    ...(analytics ? { analytics: analytics.service } : {}),
    segments: segments.service,
  });
  const address = await app.listen({ host: config.host, port: config.port });
  const url = address.replace('0.0.0.0', '127.0.0.1');
  return {
    app,
    url,
    adminToken: tokens[0]!,
    generatedAdminToken: generated,
    close: async () => {
      await app.close();
      // Store what was accepted if it takes a moment; anything left stays in the log for the next start.
      await Promise.race([processor.drain(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      await processor.stop();
      await log.close();
      await analytics?.close();
      await segments.close();
      await centric.close();
    },
  };
}

/** The analytics copy of the event history in the data directory, fed by a sink in the background; none when switched off. */
async function startAnalytics(config: CentricConfig, store: SqliteStateStore) {
  if (config.analytics === 'off') return null;
  const analyticsStore = new DuckDbAnalyticsStore({ path: join(config.dataDir, 'analytics.duckdb') });
  await analyticsStore.migrate();
  const sink = new AnalyticsSink(store, analyticsStore, {
    onError: (error) => console.error(`analytics sink: ${error instanceof Error ? error.message : String(error)}`),
  });
  sink.start();
  return {
    service: new AnalyticsService(analyticsStore, config.workspaceId, sink),
    close: async () => {
      await sink.stop();
      await analyticsStore.close();
    },
  };
}

/**
 * Segments and computed traits: the engine follows the state store on a thread of its own (so
 * evaluating never holds up acknowledging), membership changes are announced in process by the relay,
 * and a fresh workspace gets the default computed traits.
 */
async function startSegments(config: CentricConfig, store: SqliteStateStore) {
  const log = (what: string) => (error: unknown) => console.error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  const publisher = await InProcessMembershipPublisher.open(store, { onListenerError: log('membership listener') });
  const relay = new MembershipRelay(store, publisher, { onError: log('membership relay') });
  const engine = new ThreadedSegmentEngine(
    { statePath: stateStorePath(config), dedupWindowMs: config.dedupWindowMs, workspaceIds: [config.workspaceId] },
    (message) => console.error(`segment engine: ${message}`),
  );
  engine.onChanges(() => relay.wake());
  // Dry runs read on this thread's connection; the running engine is the thread's.
  const previews = new SegmentEngine(store, { workspaceIds: [config.workspaceId] });
  const service = new SegmentService(store, config.workspaceId, { reload: () => engine.reload(), preview: (...args) => previews.preview(...args) });
  await service.installDefaults();
  await engine.start();
  relay.start();
  return {
    engine,
    service,
    close: async () => {
      await engine.stop();
      await relay.stop();
      await publisher.close();
    },
  };
}

/**
 * CENTRIC_ADMIN_TOKEN when set; otherwise a token generated once and kept in the data
 * directory (readable by its owner only), so a fresh install is never open to everyone.
 */
function adminTokens(config: CentricConfig): { tokens: string[]; generated: boolean } {
  if (config.adminTokens.length > 0) return { tokens: config.adminTokens, generated: false };
  const file = join(config.dataDir, 'admin-token');
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url') + '\n', { mode: 0o600 });
  return { tokens: [readFileSync(file, 'utf8').trim()], generated: true };
}

/** Stops the server cleanly on SIGINT or SIGTERM: open requests finish, accepted events are stored. */
export function closeOnSignals(server: { close(): Promise<void> }): void {
  const stop = async (signal: string) => {
    console.log(`Received ${signal}; finishing open requests`);
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
