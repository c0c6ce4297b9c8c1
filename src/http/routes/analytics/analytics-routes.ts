import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AnalyticsService, QuestionRequest } from '../../../analytics/analytics-service.ts';
import type { AnalyticsFilters, Breakdown } from '../../../core/analytics/analytics-model.ts';
import { ErrorResponse } from '../../schemas.ts';
import {
  FunnelBody, FunnelCustomersBody, FunnelCustomersResponse, FunnelResponse, PathsBody, PathsResponse, RetentionBody, RetentionResponse,
  StatusResponse, SwitchingBody, SwitchingResponse, UsageBody, UsageResponse, type Filters,
} from './analytics-schemas.ts';

const errors = { 400: ErrorResponse, 503: ErrorResponse };

/**
 * The journey questions: funnels (and who is at each step), paths, channel switching, touchpoint
 * usage and its change, retention. Each is a POST with a JSON body, since steps carry filters.
 */
export async function analyticsRoutes(app: FastifyInstance, options: { analytics: AnalyticsService }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { analytics } = options;

  api.post('/analytics/funnels', { schema: { body: FunnelBody, response: { 200: FunnelResponse, ...errors } } }, async (request) => {
    const body = request.body;
    return analytics.funnel({ ...question(body), steps: body.steps, windowMs: duration(body.window ?? '7d'), order: body.order ?? 'loose' });
  });

  api.post('/analytics/funnels/customers', { schema: { body: FunnelCustomersBody, response: { 200: FunnelCustomersResponse, ...errors } } }, async (request) => {
    const body = request.body;
    return analytics.funnelCustomers({
      ...question(body), steps: body.steps, windowMs: duration(body.window ?? '7d'), order: body.order ?? 'loose',
      step: body.step, status: body.status ?? 'reached', cursor: body.cursor ?? null, limit: body.limit ?? 100,
    });
  });

  api.post('/analytics/paths', { schema: { body: PathsBody, response: { 200: PathsResponse, ...errors } } }, async (request) => {
    const body = request.body;
    return analytics.paths({
      ...question(body), stepKind: body.stepKind ?? 'event', anchor: body.anchor ?? null, direction: body.direction ?? 'after',
      depth: body.depth ?? 5, branches: body.branches ?? 5,
    });
  });

  api.post('/analytics/channel-switching', { schema: { body: SwitchingBody, response: { 200: SwitchingResponse, ...errors } } }, async (request) => {
    const body = request.body;
    return analytics.switching({ ...question(body), goal: body.goal ?? null, lookbackMs: duration(body.lookback ?? '30d') });
  });

  api.post('/analytics/touchpoint-usage', { schema: { body: UsageBody, response: { 200: UsageResponse, ...errors } } }, async (request) => {
    const body = request.body;
    return analytics.usage({ ...question(body), interval: body.interval ?? 'week', alpha: body.alpha ?? 0.05 });
  });

  api.post('/analytics/retention', { schema: { body: RetentionBody, response: { 200: RetentionResponse, ...errors } } }, async (request) => {
    const body = request.body;
    return analytics.retention({
      ...question(body), cohortBy: body.cohortBy ?? 'channel', interval: body.interval ?? 'week', periods: body.periods ?? 8,
      returnStep: body.returnStep ?? null,
    });
  });

  api.get('/analytics/status', { schema: { response: { 200: StatusResponse, ...errors } } }, async () => analytics.status());
}

function question(body: { from: string; to: string; filters?: Filters; breakdown?: string; breakdownLimit?: number }): QuestionRequest {
  return {
    range: { from: Date.parse(body.from), to: Date.parse(body.to) },
    filters: filters(body.filters ?? {}),
    breakdown: breakdown(body.breakdown),
    breakdownLimit: body.breakdownLimit ?? 20,
  };
}

function filters(body: Filters): AnalyticsFilters {
  return {
    ...(body.channel ? { channels: body.channel } : {}),
    ...(body.touchpoint ? { touchpoints: body.touchpoint } : {}),
    ...(body.department ? { departments: body.department } : {}),
    ...(body.traits ? { traits: body.traits } : {}),
    // Passed on so the service can say it cannot filter by segment yet (the extension point for it).
    ...(body.segment !== undefined ? { segmentId: body.segment } : {}),
  };
}

function breakdown(value: string | undefined): Breakdown | null {
  if (value === undefined) return null;
  if (value.startsWith('trait:')) return { kind: 'trait', trait: value.slice('trait:'.length) };
  return { kind: value as 'channel' | 'touchpoint' | 'department' };
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "30m", "2h", "7d" in milliseconds (the schema has checked the form). */
function duration(value: string): number {
  return Number(value.slice(0, -1)) * UNIT_MS[value.slice(-1) as keyof typeof UNIT_MS];
}
