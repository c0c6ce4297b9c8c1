import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { EventRecord, StateStore } from '../../../stores/ports.ts';
import { PageQuery } from '../../schemas.ts';

/** Recent events as stored, newest first: a live view of what the sources send. */
export async function eventRoutes(app: FastifyInstance, options: { store: StateStore; workspaceId: string }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get(
    '/events',
    { schema: { querystring: Type.Object({ sourceId: Type.Optional(Type.String()), ...PageQuery }) } },
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
    timestamp: new Date(event.timestamp).toISOString(),
    receivedAt: new Date(event.receivedAt).toISOString(),
    originalTimestamp: event.originalTimestamp === null ? null : new Date(event.originalTimestamp).toISOString(),
    sentAt: event.sentAt === null ? null : new Date(event.sentAt).toISOString(),
    warnings: event.warnings,
    payload: event.payload,
  };
}
