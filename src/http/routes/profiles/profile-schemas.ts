import Type from 'typebox';
import { EventResponse, NullableTime, Time } from '../../schemas.ts';

/**
 * The answers of /api/v1/profiles: a customer's 360° view, search hits and timeline pages. The
 * console reads them as these types (type-only imports), so it cannot drift from what is sent.
 */

const Identifier = Type.Object({ type: Type.String(), value: Type.String() });
const Counts = Type.Record(Type.String(), Type.Integer(), { description: 'interactions per code' });

const MergeResponse = Type.Object({
  id: Type.Integer({ description: 'what POST /profiles/{id}/unmerge takes as mergeId' }),
  survivorId: Type.String(),
  absorbedId: Type.String(),
  absorbedIdentifiers: Type.Array(Identifier, { description: 'what the absorbed profile held, and gets back on an unmerge' }),
  linkingIdentifiers: Type.Array(Identifier, { description: 'the identifiers of the event that tied the two together' }),
  messageId: Type.String(),
  rule: Type.String(),
  createdAt: Time,
  undoneAt: NullableTime,
});

export const ProfileResponse = Type.Object({
  id: Type.String(),
  requestedId: Type.Optional(Type.String({ description: 'the id asked for, when that profile was merged into this one' })),
  note: Type.Optional(Type.String()),
  displayName: Type.Union([Type.String(), Type.Null()]),
  createdAt: Time,
  updatedAt: Time,
  traits: Type.Record(Type.String(), Type.Object({ value: Type.Unknown(), at: Time, sourceId: Type.String(), messageId: Type.String() })),
  identifiers: Type.Array(Type.Object({ ...Identifier.properties, addedAt: Time })),
  summary: Type.Object({
    firstSeen: NullableTime,
    lastSeen: NullableTime,
    eventCount: Type.Integer(),
    departments: Counts,
    channels: Counts,
    touchpoints: Counts,
  }),
  merges: Type.Array(MergeResponse, { description: 'every merge into this profile, undone ones included, oldest first' }),
});

export const ProfileSearchResponse = Type.Object({
  items: Type.Array(Type.Object({
    id: Type.String(),
    displayName: Type.Union([Type.String(), Type.Null()]),
    email: Type.Union([Type.String(), Type.Null()]),
    phone: Type.Union([Type.String(), Type.Null()]),
    lastSeen: NullableTime,
    matched: Type.String({ description: 'what the text matched, such as "phone +49301234567"' }),
  })),
});

export const TimelineResponse = Type.Object({
  profileId: Type.String({ description: 'the live profile (differs from the id asked for when that one was merged)' }),
  items: Type.Array(Type.Object({
    ...EventResponse.properties,
    identifiers: Type.Array(Type.Object({ ...Identifier.properties, dropped: Type.Optional(Type.Boolean({ description: 'a guard refused it' })) })),
  })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
