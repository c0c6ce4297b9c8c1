import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EventType } from '../../../core/event-schema.ts';
import { CentricError } from '../../../core/errors.ts';
import type { IngestService, Rejection } from '../../../ingest/ingest-service.ts';
import type { SourceService } from '../../../sources/source-service.ts';
import type { Source, StateStore } from '../../../stores/ports.ts';
import { decodeJsonBody } from '../../body-decoder.ts';

export interface TrackingRoutesOptions {
  ingest: IngestService;
  sources: SourceService;
  store: StateStore;
  maxEventBytes: number;
  maxBatchBytes: number;
  /** Accepted events not yet processed, and how many may wait before senders are asked to retry. */
  backlog: () => number;
  maxBacklogEvents: number;
}

const SINGLE_CALLS: EventType[] = ['track', 'identify', 'page', 'screen', 'group', 'alias'];

/**
 * The Segment-compatible tracking API. Bodies are read as raw bytes whatever their content-type
 * (SDKs send JSON as application/json, text/plain or, RudderStack, form-urlencoded), then
 * decompressed and parsed here, so every failure can be reported precisely.
 */
export async function trackingRoutes(app: FastifyInstance, options: TrackingRoutesOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.addHook('onRequest', async (_request, reply) => {
    if (options.backlog() > options.maxBacklogEvents) {
      reply.header('retry-after', '5');
      throw new CentricError('CENTRIC_ERR_INGEST_BACKLOG', `${options.backlog()} accepted events are waiting to be processed; retry in a few seconds`);
    }
  });

  const handleBatch = async (request: FastifyRequest) => {
    const { body, source } = await readRequest(request, options, options.maxBatchBytes, 'per-request');
    if (!Array.isArray(body.batch)) {
      throw new CentricError('CENTRIC_ERR_REQUEST_INVALID_BODY', 'field "batch" must be an array of events');
    }
    if (body.batch.length === 0) throw new CentricError('CENTRIC_ERR_LIMIT_BATCH_EMPTY', 'field "batch" has no events');
    for (const field of ['context', 'integrations'] as const) {
      if (body[field] !== undefined && !isPlainObject(body[field])) {
        throw new CentricError('CENTRIC_ERR_REQUEST_INVALID_BODY', `field "${field}" of the batch must be an object`);
      }
    }
    const outcome = await options.ingest.accept({
      source: source,
      events: body.batch,
      receivedAt: Date.now(),
      shared: {
        context: body.context as Record<string, unknown> | undefined,
        integrations: body.integrations as Record<string, unknown> | undefined,
        sentAt: body.sentAt,
      },
    });
    if (outcome.accepted === 0) {
      throw new CentricError(
        'CENTRIC_ERR_BATCH_NO_VALID_EVENT',
        `none of the ${body.batch.length} events in the batch is valid; see "rejected" for each reason`,
        { rejected: outcome.rejected },
      );
    }
    return acknowledgement(outcome.accepted, outcome.rejected);
  };

  for (const path of ['/v1/batch', '/v1/import']) {
    app.post(path, { bodyLimit: options.maxBatchBytes }, handleBatch);
  }

  for (const type of SINGLE_CALLS) {
    app.post(`/v1/${type}`, { bodyLimit: options.maxEventBytes }, async (request) => {
      const { body, source } = await readRequest(request, options, options.maxEventBytes, 'per-event');
      const outcome = await options.ingest.accept({ source, events: [body], receivedAt: Date.now(), impliedType: type });
      const rejection = outcome.rejected[0];
      if (rejection) {
        throw new CentricError(rejection.code, rejection.message, rejection.field ? { field: rejection.field } : undefined);
      }
      return acknowledgement(outcome.accepted, []);
    });
  }
}

function acknowledgement(accepted: number, rejected: Rejection[]) {
  const response: Record<string, unknown> = { success: true, accepted };
  if (rejected.length > 0) response.rejected = rejected;
  return response;
}

async function readRequest(
  request: FastifyRequest,
  options: TrackingRoutesOptions,
  limitBytes: number,
  limitName: string,
): Promise<{ body: Record<string, unknown>; source: Source }> {
  const headerKey = writeKeyFromHeader(request.headers.authorization);
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  let body: unknown;
  try {
    body = decodeJsonBody(raw, request.headers['content-encoding'], limitBytes, limitName);
  } catch (error) {
    if (error instanceof CentricError && error.code === 'CENTRIC_ERR_REQUEST_INVALID_JSON' && headerKey) {
      await keepUnparsedBody(options, headerKey, raw, error);
    }
    throw error;
  }
  if (!isPlainObject(body)) {
    throw new CentricError('CENTRIC_ERR_REQUEST_INVALID_BODY', 'request body must be a JSON object');
  }
  const bodyKey = typeof body.writeKey === 'string' && body.writeKey.trim() !== '' ? body.writeKey.trim() : undefined;
  const writeKey = headerKey ?? bodyKey;
  if (!writeKey) {
    throw new CentricError(
      'CENTRIC_ERR_AUTH_MISSING_WRITE_KEY',
      'no write key: send it as the user name of HTTP Basic auth (empty password) or as "writeKey" in the body',
    );
  }
  return { body, source: await options.sources.authenticate(writeKey) };
}

/** A body that is not JSON is still kept as a failed event when its source is known. */
async function keepUnparsedBody(options: TrackingRoutesOptions, writeKey: string, raw: Buffer, error: CentricError): Promise<void> {
  let source: Source;
  try {
    source = await options.sources.authenticate(writeKey);
  } catch {
    return;
  }
  await options.store.appendEvents({
    events: [],
    failed: [
      {
        workspaceId: source.workspaceId,
        sourceId: source.id,
        receivedAt: Date.now(),
        code: error.code,
        message: error.message,
        field: null,
        payload: raw.subarray(0, 64 * 1024).toString('utf8'),
      },
    ],
  });
}

function writeKeyFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
  return user.trim() === '' ? undefined : user.trim();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
