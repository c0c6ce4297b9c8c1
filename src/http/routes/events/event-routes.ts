import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { EventRecord, StateStore } from '../../../stores/ports.ts';
import { isoTime } from '../../iso-time.ts';
import { EventResponse, PageQuery } from '../../schemas.ts';

/** Recent events as stored, newest first: a live view of what the sources send. */
export async function eventRoutes(app: FastifyInstance, options: { store: StateStore; workspaceId: string }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get(
    '/events',
    {
      schema: {
        querystring: Type.Object({ sourceId: Type.Optional(Type.String()), ...PageQuery }),
        response: { 200: Type.Object({ items: Type.Array(EventResponse), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => {
      const page = await options.store.listEvents({ workspaceId: options.workspaceId, ...request.query, limit: request.query.limit ?? 50 });
      return { items: page.items.map(present), nextCursor: page.nextCursor };
    },
  );
}

export function present(event: EventRecord) {
  return {
    messageId: event.messageId,
    sourceId: event.sourceId,
    type: event.type,
    event: event.event,
    userId: event.userId,
    anonymousId: event.anonymousId,
    channel: event.channel,
    touchpoint: event.touchpoint,
    department: event.department,
    timestamp: isoTime(event.timestamp),
    receivedAt: isoTime(event.receivedAt),
    originalTimestamp: isoTime(event.originalTimestamp),
    sentAt: isoTime(event.sentAt),
    warnings: event.warnings,
    payload: event.payload,
  };
}
