import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CentricError } from '../../../core/errors.ts';
import type { ComputedTraitView, SegmentApi, SegmentView } from '../../../segments/segment-api.ts';
import type { ComputationProgress, MembershipChange } from '../../../segments/segment-port.ts';
import { isoTime } from '../../iso-time.ts';
import { ErrorResponse } from '../../schemas.ts';
import {
  ComputedTraitBody, ComputedTraitListResponse, ComputedTraitPatchBody, ComputedTraitResponse, HistoryQuery, HistoryResponse, IdParams,
  MembersQuery, MembersResponse, PreviewBody, PreviewResponse, ProgressResponse, SegmentBody, SegmentListResponse, SegmentPatchBody,
  SegmentResponse, WorkspaceHistoryQuery,
} from './segment-schemas.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 503: ErrorResponse };
const CSV_HEADER = ['profile_id', 'display_name', 'email', 'user_id', 'entered_at'];

/** The segment service, or the coded 503 a node started without one answers with. */
export function segmentsOrUnavailable(segments: SegmentApi | undefined): SegmentApi {
  if (!segments) throw new CentricError('CENTRIC_ERR_SEGMENTS_UNAVAILABLE', 'segments are not available: this node was started without the segment service');
  return segments;
}

/**
 * Segments (who is in them, since when, how they changed, a dry run before saving, a CSV of the
 * members) and computed traits. Without a segment service every route answers 503.
 */
export async function segmentRoutes(app: FastifyInstance, options: { segments?: SegmentApi }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const service = () => segmentsOrUnavailable(options.segments);

  api.get('/segments', { schema: { response: { 200: SegmentListResponse, ...errors } } }, async () => ({
    items: (await service().listSegments()).map(presentSegment),
  }));

  api.post('/segments', { schema: { body: SegmentBody, response: { 201: SegmentResponse, ...errors } } }, async (request, reply) => {
    const segment = await service().createSegment(request.body);
    return reply.status(201).send(presentSegment(segment));
  });

  api.post('/segments/preview', { schema: { body: PreviewBody, response: { 200: PreviewResponse, ...errors } } }, async (request) => {
    const { definition, sample, maxProfiles } = request.body;
    return service().previewSegment(definition, { sample: sample ?? 10, maxProfiles: maxProfiles ?? 100_000 });
  });

  api.get('/segments/history', { schema: { querystring: WorkspaceHistoryQuery, response: { 200: HistoryResponse, ...errors } } }, async (request) => {
    const { profileId, cursor, limit } = request.query;
    return presentHistory(await service().history({ profileId, cursor, limit: limit ?? 50 }));
  });

  api.get('/segments/:id', { schema: { params: IdParams, response: { 200: SegmentResponse, ...errors } } }, async (request) =>
    presentSegment(await service().getSegment(request.params.id)),
  );

  api.patch('/segments/:id', { schema: { params: IdParams, body: SegmentPatchBody, response: { 200: SegmentResponse, ...errors } } }, async (request) =>
    presentSegment(await service().updateSegment(request.params.id, request.body)),
  );

  api.delete('/segments/:id', { schema: { params: IdParams, response: { 204: Type.Null({ description: 'deleted' }), ...errors } } }, async (request, reply) => {
    await service().deleteSegment(request.params.id);
    return reply.status(204).send(null);
  });

  api.get('/segments/:id/progress', { schema: { params: IdParams, response: { 200: ProgressResponse, ...errors } } }, async (request) =>
    presentProgress(await service().progress(request.params.id)),
  );

  api.get('/segments/:id/members', { schema: { params: IdParams, querystring: MembersQuery, response: { 200: MembersResponse, ...errors } } }, async (request) => {
    const page = await service().listMembers(request.params.id, request.query.cursor, request.query.limit ?? 50);
    return {
      items: page.items.map((member) => ({ profileId: member.profileId, displayName: member.displayName, enteredAt: isoTime(member.enteredAt) })),
      nextCursor: page.nextCursor,
    };
  });

  api.get(
    '/segments/:id/members.csv',
    {
      schema: {
        params: IdParams,
        response: { 200: { description: `every member, one row each: ${CSV_HEADER.join(',')}`, content: { 'text/csv': { schema: Type.Unknown({ description: 'CSV text, RFC 4180, UTF-8' }) } } }, ...errors },
      },
    },
    async (request, reply) => {
      const segments = service();
      // Asked first so an unknown segment is a 404, not a download that breaks off.
      const segment = await segments.getSegment(request.params.id);
      const rows = segments.exportMembers(segment.id)[Symbol.asyncIterator]();
      const first = await rows.next();
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', attachment(`${segment.name}.csv`))
        .send(Readable.from(csvChunks(first, rows)));
    },
  );

  api.get('/segments/:id/history', { schema: { params: IdParams, querystring: HistoryQuery, response: { 200: HistoryResponse, ...errors } } }, async (request) => {
    return presentHistory(await service().history({ segmentId: request.params.id, cursor: request.query.cursor, limit: request.query.limit ?? 50 }));
  });

  api.get('/computed-traits', { schema: { response: { 200: ComputedTraitListResponse, ...errors } } }, async () => ({
    items: (await service().listComputedTraits()).map(presentComputedTrait),
  }));

  api.post('/computed-traits', { schema: { body: ComputedTraitBody, response: { 201: ComputedTraitResponse, ...errors } } }, async (request, reply) => {
    const trait = await service().createComputedTrait(request.body);
    return reply.status(201).send(presentComputedTrait(trait));
  });

  api.get('/computed-traits/:id', { schema: { params: IdParams, response: { 200: ComputedTraitResponse, ...errors } } }, async (request) =>
    presentComputedTrait(await service().getComputedTrait(request.params.id)),
  );

  api.patch(
    '/computed-traits/:id',
    { schema: { params: IdParams, body: ComputedTraitPatchBody, response: { 200: ComputedTraitResponse, ...errors } } },
    async (request) => presentComputedTrait(await service().updateComputedTrait(request.params.id, request.body)),
  );

  api.delete('/computed-traits/:id', { schema: { params: IdParams, response: { 204: Type.Null({ description: 'deleted' }), ...errors } } }, async (request, reply) => {
    await service().deleteComputedTrait(request.params.id);
    return reply.status(204).send(null);
  });
}

type ExportRow = { profileId: string; enteredAt: number; displayName: string | null; email: string | null; userId: string | null };

/** The CSV text in chunks of some kilobytes: one write per row would cost more than the rows. */
async function* csvChunks(first: IteratorResult<ExportRow>, rest: AsyncIterator<ExportRow>): AsyncGenerator<string> {
  let chunk = `${CSV_HEADER.join(',')}\r\n`;
  for (let next = first; !next.done; next = await rest.next()) {
    const row = next.value;
    chunk += `${[csvField(row.profileId), csvText(row.displayName), csvText(row.email), csvText(row.userId), isoTime(row.enteredAt)].join(',')}\r\n`;
    if (chunk.length >= 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

/** One CSV field, quoted when it holds a separator, a quote or a line break (RFC 4180). */
export function csvField(value: string | null): string {
  if (value === null) return '';
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * A field customers typed themselves: a leading = + - @ would make a spreadsheet run it as a
 * formula, so such a value is kept as text with a leading apostrophe.
 */
export function csvText(value: string | null): string {
  return csvField(value !== null && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

/** A content-disposition that survives any segment name: an ASCII fallback and the exact name in UTF-8 (RFC 6266). */
function attachment(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\/]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return ascii === filename ? `attachment; filename="${filename}"` : `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function presentProgress(progress: ComputationProgress) {
  return { status: progress.status, done: progress.done, total: progress.total, startedAt: isoTime(progress.startedAt), finishedAt: isoTime(progress.finishedAt) };
}

/** The fields a segment and a computed trait share (DefinitionFields in the schemas). */
function presentDefinition(record: SegmentView | ComputedTraitView) {
  return {
    id: record.id,
    name: record.name,
    description: record.description,
    definition: record.definition,
    revision: record.revision,
    progress: presentProgress(record.progress),
    createdAt: isoTime(record.createdAt),
    updatedAt: isoTime(record.updatedAt),
  };
}

function presentSegment(segment: SegmentView) {
  return { ...presentDefinition(segment), size: segment.size };
}

function presentComputedTrait(trait: ComputedTraitView) {
  return { ...presentDefinition(trait), key: trait.key };
}

function presentHistory(page: { items: MembershipChange[]; nextCursor: string | null }) {
  return {
    items: page.items.map((change) => ({
      id: change.id, segmentId: change.segmentId, profileId: change.profileId, change: change.change, at: isoTime(change.at), cause: change.cause,
    })),
    nextCursor: page.nextCursor,
  };
}
