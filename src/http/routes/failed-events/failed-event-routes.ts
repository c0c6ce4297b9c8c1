import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CentricError } from '../../../core/errors.ts';
import { replayFailedEvent, type IngestService } from '../../../ingest/ingest-service.ts';
import type { SourceService } from '../../../sources/source-service.ts';
import type { FailedEvent, StateStore } from '../../../stores/ports.ts';
import { isoTime } from '../../iso-time.ts';
import { ErrorResponse, FailedEventResponse, PageQuery } from '../../schemas.ts';

const ReplayResponse = Type.Object({ replayed: Type.Literal(true), messageId: Type.String(), duplicate: Type.Boolean() });
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const ReplayBody = Type.Union([
  Type.Object({ event: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }, { additionalProperties: false }),
  Type.Null(),
]);
const BulkReplayBody = Type.Object(
  {
    sourceId: Type.Optional(Type.String()),
    code: Type.Optional(Type.String()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
  },
  { additionalProperties: false },
);

export interface FailedEventRoutesOptions {
  store: StateStore;
  ingest: IngestService;
  sources: SourceService;
  workspaceId: string;
}

/** Failed events: what the pipeline refused and why, and replay once the cause is fixed. */
export async function failedEventRoutes(app: FastifyInstance, options: FailedEventRoutesOptions): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { store, workspaceId } = options;

  api.get(
    '/failed-events',
    {
      schema: {
        querystring: Type.Object({
          sourceId: Type.Optional(Type.String()),
          code: Type.Optional(Type.String()),
          includeReplayed: Type.Optional(Type.Boolean({ default: false })),
          ...PageQuery,
        }),
        response: { 200: Type.Object({ items: Type.Array(FailedEventResponse), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => {
      const page = await store.listFailedEvents({ workspaceId, ...request.query, limit: request.query.limit ?? 50 });
      return { items: page.items.map(present), nextCursor: page.nextCursor };
    },
  );

  api.get('/failed-events/:id', { schema: { params: IdParams, response: { 200: FailedEventResponse, 404: ErrorResponse } } }, async (request) =>
    present(await load(options, request.params.id)),
  );

  api.post(
    '/failed-events/:id/replay',
    { schema: { params: IdParams, body: Type.Optional(ReplayBody), response: { 200: ReplayResponse, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse } } },
    async (request) => {
      const failed = await load(options, request.params.id);
      if (failed.replayedAt !== null) {
        throw new CentricError('CENTRIC_ERR_FAILED_EVENT_ALREADY_REPLAYED', `failed event ${failed.id} was already replayed as ${failed.replayedMessageId}`);
      }
      const source = await options.sources.get(workspaceId, failed.sourceId);
      const outcome = await replayFailedEvent(options.ingest, store, failed, source, request.body?.event);
      if (!outcome.replayed) {
        const { code, message, field } = outcome.rejection;
        throw new CentricError(code, `the event is still refused: ${message}`, field ? { field } : undefined);
      }
      return outcome;
    },
  );

  api.post('/failed-events/replay', { schema: { body: BulkReplayBody } }, async (request) => {
    const limit = request.body.limit ?? 1000;
    let replayed = 0;
    const stillFailing: Array<{ id: number; code: string; message: string }> = [];
    let cursor: string | undefined;
    const sources = new Map<string, Awaited<ReturnType<SourceService['get']>>>();
    while (replayed + stillFailing.length < limit) {
      const page = await store.listFailedEvents({ workspaceId, sourceId: request.body.sourceId, code: request.body.code, cursor, limit: Math.min(200, limit) });
      for (const failed of page.items) {
        if (replayed + stillFailing.length >= limit) break;
        let source = sources.get(failed.sourceId);
        if (!source) sources.set(failed.sourceId, (source = await options.sources.get(workspaceId, failed.sourceId)));
        const outcome = await replayFailedEvent(options.ingest, store, failed, source);
        if (outcome.replayed) replayed += 1;
        else stillFailing.push({ id: failed.id, code: outcome.rejection.code, message: outcome.rejection.message });
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return { replayed, stillFailing };
  });
}

async function load(options: FailedEventRoutesOptions, id: number): Promise<FailedEvent> {
  const failed = await options.store.getFailedEvent(options.workspaceId, id);
  if (!failed) throw new CentricError('CENTRIC_ERR_FAILED_EVENT_NOT_FOUND', `no failed event with id ${id}`);
  return failed;
}

function present(failed: FailedEvent) {
  return {
    id: failed.id,
    sourceId: failed.sourceId,
    receivedAt: isoTime(failed.receivedAt),
    code: failed.code,
    message: failed.message,
    field: failed.field,
    payload: failed.payload,
    replayedAt: isoTime(failed.replayedAt),
    replayedMessageId: failed.replayedMessageId,
  };
}
