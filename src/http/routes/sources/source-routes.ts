import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { SourceService } from '../../../sources/source-service.ts';
import type { Source } from '../../../stores/ports.ts';
import { isoTime } from '../../iso-time.ts';
import { ChannelCode, ErrorResponse, SourceResponse } from '../../schemas.ts';

const NewSourceBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120 }),
    channel: Type.Optional(ChannelCode),
    touchpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    department: Type.Optional(ChannelCode),
  },
  { additionalProperties: false },
);
const SourcePatchBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    channel: Type.Optional(ChannelCode),
    touchpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    department: Type.Optional(ChannelCode),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String() });
const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

/** Sources: where events come from, each with a write key and touchpoint defaults. */
export async function sourceRoutes(app: FastifyInstance, options: { sources: SourceService; workspaceId: string }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { sources, workspaceId } = options;

  api.post('/sources', { schema: { body: NewSourceBody, response: { 201: SourceResponse, ...errors } } }, async (request, reply) => {
    const source = await sources.create({ ...request.body, workspaceId });
    return reply.status(201).send(present(source));
  });

  api.get('/sources', { schema: { response: { 200: Type.Object({ items: Type.Array(SourceResponse) }) } } }, async () => ({
    items: (await sources.list(workspaceId)).map(present),
  }));

  api.get('/sources/:id', { schema: { params: IdParams, response: { 200: SourceResponse, ...errors } } }, async (request) =>
    present(await sources.get(workspaceId, request.params.id)),
  );

  api.patch('/sources/:id', { schema: { params: IdParams, body: SourcePatchBody, response: { 200: SourceResponse, ...errors } } }, async (request) =>
    present(await sources.update(workspaceId, request.params.id, request.body)),
  );

  api.post('/sources/:id/rotate-key', { schema: { params: IdParams, response: { 200: SourceResponse, ...errors } } }, async (request) =>
    present(await sources.rotateWriteKey(workspaceId, request.params.id)),
  );

  api.post('/sources/:id/disable', { schema: { params: IdParams, response: { 200: SourceResponse, ...errors } } }, async (request) =>
    present(await sources.update(workspaceId, request.params.id, { enabled: false })),
  );

  api.post('/sources/:id/enable', { schema: { params: IdParams, response: { 200: SourceResponse, ...errors } } }, async (request) =>
    present(await sources.update(workspaceId, request.params.id, { enabled: true })),
  );
}

function present(source: Source) {
  return {
    id: source.id,
    name: source.name,
    writeKey: source.writeKey,
    channel: source.channel,
    touchpoint: source.touchpoint,
    department: source.department,
    enabled: source.enabled,
    createdAt: isoTime(source.createdAt),
    updatedAt: isoTime(source.updatedAt),
  };
}
