import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { AnalyticsService } from '../analytics/analytics-service.ts';
import type { IngestService } from '../ingest/ingest-service.ts';
import type { ProfileService } from '../profiles/profile-service.ts';
import type { SegmentApi } from '../segments/segment-api.ts';
import type { SourceService } from '../sources/source-service.ts';
import type { StateStore } from '../stores/ports.ts';
import { requireAdminToken } from './plugins/admin-auth.ts';
import { installErrorHandler } from './plugins/error-handler.ts';
import { analyticsRoutes } from './routes/analytics/analytics-routes.ts';
import { consoleRoutes } from './routes/console/console-routes.ts';
import { eventRoutes } from './routes/events/event-routes.ts';
import { identityRulesRoutes } from './routes/identity/identity-rules-routes.ts';
import { profileRoutes } from './routes/profiles/profile-routes.ts';
import { failedEventRoutes } from './routes/failed-events/failed-event-routes.ts';
import { segmentRoutes } from './routes/segments/segment-routes.ts';
import { sourceRoutes } from './routes/sources/source-routes.ts';
import { trackingRoutes } from './routes/tracking/tracking-routes.ts';

export interface HttpAppDeps {
  store: StateStore;
  ingest: IngestService;
  sources: SourceService;
  profiles: ProfileService;
  workspaceId: string;
  adminTokens: string[];
  maxEventBytes: number;
  maxBatchBytes: number;
  /** The accepted log's backlog and the processor's progress, for backpressure and status. */
  ingestStatus: () => { pendingRequests: number; pendingEvents: number; storedSinceStart: number };
  maxBacklogEvents: number;
  logger?: boolean | { level: string };
  /** Engines besides the state store that must answer before the node is ready (the bus, scaled out). */
  readinessChecks?: Array<{ name: string; ready: () => boolean }>;
  /** The built web console; defaults to web/dist. */
  consoleDir?: string;
  /** The journey questions; without it /api/v1/analytics/* answers that no analytics store is configured. */
  analytics?: AnalyticsService;
  /** Segments and computed traits; without it /api/v1/segments, /api/v1/computed-traits and a profile's segments answer 503. */
  segments?: SegmentApi;
}

/** The HTTP face of Centric: tracking API at /v1, management API at /api/v1, health at /health. */
export async function buildHttpApp(deps: HttpAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: 1024 * 1024,
    // One log line per request would cost more than the work at hundreds of batches a second.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  installErrorHandler(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Centric API', version: '1' },
      components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' }, writeKey: { type: 'http', scheme: 'basic' } } },
    },
  });

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    try {
      // A one-row read: cheap enough for a probe every few seconds on any size of store.
      await deps.store.logPosition('accepted');
    } catch {
      return reply.status(503).send({ error: { code: 'CENTRIC_ERR_STORE_UNAVAILABLE', message: 'the state store does not answer' } });
    }
    const down = (deps.readinessChecks ?? []).filter((check) => !check.ready()).map((check) => check.name);
    if (down.length > 0) {
      return reply.status(503).send({ error: { code: 'CENTRIC_ERR_BUS_UNAVAILABLE', message: `not ready: ${down.join(', ')} unreachable` } });
    }
    return { status: 'ready', store: deps.store.engine, pendingEvents: deps.ingestStatus().pendingEvents };
  });
  app.get('/api/v1/openapi.json', async () => app.swagger());

  await app.register(trackingRoutes, {
    ingest: deps.ingest,
    sources: deps.sources,
    store: deps.store,
    maxEventBytes: deps.maxEventBytes,
    maxBatchBytes: deps.maxBatchBytes,
    backlog: () => deps.ingestStatus().pendingEvents,
    maxBacklogEvents: deps.maxBacklogEvents,
  });

  await app.register(
    async (api) => {
      requireAdminToken(api, deps.adminTokens);
      await api.register(sourceRoutes, { sources: deps.sources, workspaceId: deps.workspaceId });
      await api.register(failedEventRoutes, { store: deps.store, ingest: deps.ingest, sources: deps.sources, workspaceId: deps.workspaceId });
      await api.register(eventRoutes, { store: deps.store, workspaceId: deps.workspaceId });
      api.get('/ingest/status', async () => deps.ingestStatus());
      await api.register(profileRoutes, { profiles: deps.profiles, segments: deps.segments });
      await api.register(identityRulesRoutes, { profiles: deps.profiles });
      await api.register(analyticsRoutes, { analytics: deps.analytics ?? new AnalyticsService(null, deps.workspaceId) });
      await api.register(segmentRoutes, { segments: deps.segments });
    },
    { prefix: '/api/v1' },
  );
  await app.register(consoleRoutes, { adminTokens: deps.adminTokens, dir: deps.consoleDir });
  return app;
}
