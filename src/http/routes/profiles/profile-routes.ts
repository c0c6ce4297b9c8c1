import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { MergeRecord } from '../../../identity/identity-port.ts';
import type { ProfileService } from '../../../profiles/profile-service.ts';
import type { SegmentApi } from '../../../segments/segment-api.ts';
import type { ProfileView } from '../../../stores/ports.ts';
import { present as presentEvent } from '../events/event-routes.ts';
import { segmentsOrUnavailable } from '../segments/segment-routes.ts';
import { ProfileComputedTraitsResponse, ProfileSegmentsResponse } from '../segments/segment-schemas.ts';
import { isoTime } from '../../iso-time.ts';
import { ErrorResponse, PageQuery } from '../../schemas.ts';
import { ProfileResponse, ProfileSearchResponse, TimelineResponse } from './profile-schemas.ts';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const ListParam = Type.Optional(Type.String({ description: 'comma-separated values' }));

/** The 360° view of a customer: lookup, search, profile, timeline, segments and computed traits, unmerge. */
export async function profileRoutes(app: FastifyInstance, options: { profiles: ProfileService; segments?: SegmentApi }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { profiles } = options;

  api.get(
    '/profiles/lookup',
    { schema: { querystring: Type.Object({ type: Type.String({ minLength: 1 }), value: Type.String({ minLength: 1 }) }), response: { 200: ProfileResponse, ...errors } } },
    async (request) => present(await profiles.lookup(request.query.type, request.query.value)),
  );

  api.get(
    '/profiles',
    { schema: { querystring: Type.Object({ q: Type.String({ minLength: 1, maxLength: 200 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) }), response: { 200: ProfileSearchResponse, ...errors } } },
    async (request) => {
      const hits = await profiles.search(request.query.q, request.query.limit ?? 20);
      return { items: hits.map((hit) => ({ ...hit, lastSeen: isoTime(hit.lastSeen) })) };
    },
  );

  api.get('/profiles/:id', { schema: { params: IdParams, response: { 200: ProfileResponse, ...errors } } }, async (request) => present(await profiles.get(request.params.id)));

  api.get(
    '/profiles/:id/events',
    {
      schema: {
        params: IdParams,
        querystring: Type.Object({
          department: ListParam,
          channel: ListParam,
          type: ListParam,
          from: Type.Optional(Type.String({ format: 'date-time' })),
          to: Type.Optional(Type.String({ format: 'date-time' })),
          limit: PageQuery.limit,
          cursor: Type.Optional(Type.String({ pattern: '^-?[0-9]+:[0-9]+$' })),
        }),
        response: { 200: TimelineResponse, ...errors },
      },
    },
    async (request) => {
      const query = request.query;
      const { profileId, page } = await profiles.events(request.params.id, {
        departments: list(query.department),
        channels: list(query.channel),
        types: list(query.type),
        from: query.from ? Date.parse(query.from) : undefined,
        to: query.to ? Date.parse(query.to) : undefined,
        cursor: query.cursor,
        limit: query.limit ?? 50,
      });
      return {
        profileId,
        items: page.items.map((event) => ({ ...presentEvent(event), identifiers: event.identifiers ?? [] })),
        nextCursor: page.nextCursor,
      };
    },
  );

  const segmentErrors = { 404: ErrorResponse, 503: ErrorResponse };

  api.get('/profiles/:id/segments', { schema: { params: IdParams, response: { 200: ProfileSegmentsResponse, ...segmentErrors } } }, async (request) => {
    const segments = segmentsOrUnavailable(options.segments);
    // Through the profile service: an unknown id is a 404 and an absorbed one answers for the profile it lives on in.
    const { profile } = await profiles.get(request.params.id);
    const items = await segments.profileSegments(profile.id);
    return { profileId: profile.id, items: items.map((item) => ({ segmentId: item.segmentId, name: item.name, enteredAt: isoTime(item.enteredAt) })) };
  });

  api.get('/profiles/:id/computed-traits', { schema: { params: IdParams, response: { 200: ProfileComputedTraitsResponse, ...segmentErrors } } }, async (request) => {
    const segments = segmentsOrUnavailable(options.segments);
    const { profile } = await profiles.get(request.params.id);
    const traits = await segments.profileComputedTraits(profile.id);
    return { profileId: profile.id, traits: Object.fromEntries(Object.entries(traits).map(([key, trait]) => [key, { value: trait.value, at: isoTime(trait.at) }])) };
  });

  api.post(
    '/profiles/:id/unmerge',
    { schema: { params: IdParams, body: Type.Object({ mergeId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }), response: { 200: Type.Unknown(), ...errors } } },
    async (request) => profiles.unmerge(request.params.id, request.body.mergeId),
  );
}

function list(value: string | undefined): string[] | undefined {
  const items = value?.split(',').map((item) => item.trim()).filter((item) => item !== '');
  return items && items.length > 0 ? items : undefined;
}

function present({ profile, mergedFrom }: { profile: ProfileView; mergedFrom: string | null }) {
  return {
    id: profile.id,
    ...(mergedFrom ? { requestedId: mergedFrom, note: `profile ${mergedFrom} was merged into ${profile.id}; this is the profile it lives on in` } : {}),
    displayName: profile.displayName,
    createdAt: isoTime(profile.createdAt),
    updatedAt: isoTime(profile.updatedAt),
    traits: Object.fromEntries(
      Object.entries(profile.traits).map(([key, trait]) => [key, { value: trait.value, at: isoTime(trait.at), sourceId: trait.sourceId, messageId: trait.messageId }]),
    ),
    identifiers: profile.identifiers.map((identifier) => ({ type: identifier.type, value: identifier.value, addedAt: isoTime(identifier.addedAt) })),
    summary: {
      firstSeen: isoTime(profile.firstSeen),
      lastSeen: isoTime(profile.lastSeen),
      eventCount: profile.eventCount,
      departments: profile.departments,
      channels: profile.channels,
      touchpoints: profile.touchpoints,
    },
    merges: profile.merges.map(presentMerge),
  };
}

function presentMerge(merge: MergeRecord) {
  return {
    id: merge.id,
    survivorId: merge.survivorId,
    absorbedId: merge.absorbedId,
    absorbedIdentifiers: merge.absorbedIdentifiers,
    linkingIdentifiers: merge.linkingIdentifiers,
    messageId: merge.messageId,
    rule: merge.rule,
    createdAt: isoTime(merge.createdAt),
    undoneAt: isoTime(merge.undoneAt),
  };
}
