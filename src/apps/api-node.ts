import { AnalyticsService } from '../analytics/analytics-service.ts';
import { JetStreamBusWriter } from '../bus/jetstream/jetstream-bus-writer.ts';
import { buildHttpApp } from '../http/app.ts';
import { SegmentEngine } from '../segments/segment-engine.ts';
import { SegmentService } from '../segments/segment-service.ts';
import { IngestService } from '../ingest/ingest-service.ts';
import { ProfileService } from '../profiles/profile-service.ts';
import { SourceService } from '../sources/source-service.ts';
import type { RunningServer } from './embedded.ts';
import { busOptions, OpenedEngines, openPostgresAnalytics, openPostgresState, requireAdminTokens } from './scale-out-engines.ts';
import type { ScaleOutConfig } from './scale-out-config.ts';

/**
 * `centric api`: a stateless node serving the tracking and management APIs. Tracking calls are
 * acknowledged once JetStream holds them; workers store them. Any number can run side by side.
 */
export async function startApiNode(config: ScaleOutConfig): Promise<RunningServer> {
  const adminTokens = requireAdminTokens(config);
  const opened = new OpenedEngines();
  const { store, writer, analytics } = await opened.during(async () => ({
    store: opened.add(await openPostgresState(config)),
    writer: opened.add(await JetStreamBusWriter.open({ ...busOptions(config), connectionName: `centric api ${process.pid}` })),
    // Questions are answered from the copy the workers' sink keeps in PostgreSQL.
    analytics: config.analytics === 'off' ? null : opened.add(await openPostgresAnalytics(config)),
  }));
  const sources = new SourceService(store);
  // Never started here: the workers evaluate; this one checks definitions and answers previews.
  const segmentEngine = new SegmentEngine(store, { workspaceIds: [config.workspaceId] });
  const segments = new SegmentService(store, config.workspaceId, segmentEngine);
  await segments.installDefaults();
  const app = await buildHttpApp({
    store,
    ingest: new IngestService(store, { maxEventBytes: config.maxEventBytes, log: writer }),
    sources,
    profiles: new ProfileService(store, config.workspaceId),
    workspaceId: config.workspaceId,
    adminTokens,
    maxEventBytes: config.maxEventBytes,
    maxBatchBytes: config.maxBatchBytes,
    // The backlog lives in JetStream (its stream limits push back); this node holds none.
    ingestStatus: () => ({ pendingRequests: 0, pendingEvents: 0, storedSinceStart: 0 }),
    maxBacklogEvents: config.maxBacklogEvents,
    logger: { level: config.logLevel },
    ...(analytics ? { analytics: new AnalyticsService(analytics, config.workspaceId) } : {}),
    segments,
    readinessChecks: [{ name: `NATS JetStream at ${config.natsUrl}`, ready: () => writer.isReady() }],
  });
  const address = await app.listen({ host: config.host, port: config.port });
  return {
    app,
    url: address.replace('0.0.0.0', '127.0.0.1'),
    adminToken: adminTokens[0]!,
    generatedAdminToken: false,
    close: async () => {
      await app.close();
      await writer.close();
      await analytics?.close();
      await store.close();
    },
  };
}
