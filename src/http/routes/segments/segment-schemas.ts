import Type, { type Static } from 'typebox';
import { NullableTime, Time } from '../../schemas.ts';

/**
 * The request and response bodies of /api/v1/segments and /api/v1/computed-traits. Definitions are
 * only checked to be objects here: the segments service validates the tree and names the bad field.
 */

const Name = Type.String({ minLength: 1, maxLength: 200 });
// Null first: with type coercion on, a string branch first would turn null into "".
const Description = Type.Union([Type.Null(), Type.String({ maxLength: 2000 })], { description: 'null (or empty) for none' });
const Definition = Type.Object({}, {
  additionalProperties: true,
  description: 'a versioned definition tree ({version: 1, ...}); see the README for its form',
});
/** The name a computed trait has on profiles and in `computed` conditions; the service checks its form. */
const TraitKey = Type.String({ minLength: 1, maxLength: 64, description: 'starts with a letter; letters, digits and _; fixed once created' });

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const SegmentBody = Type.Object({ name: Name, description: Type.Optional(Description), definition: Definition }, { additionalProperties: false });
export type SegmentBody = Static<typeof SegmentBody>;

export const SegmentPatchBody = Type.Object(
  { name: Type.Optional(Name), description: Type.Optional(Description), definition: Type.Optional(Definition) },
  { additionalProperties: false },
);
export type SegmentPatchBody = Static<typeof SegmentPatchBody>;

export const ComputedTraitBody = Type.Object(
  { key: TraitKey, name: Name, description: Type.Optional(Description), definition: Definition },
  { additionalProperties: false },
);
export type ComputedTraitBody = Static<typeof ComputedTraitBody>;

export const ComputedTraitPatchBody = Type.Object(
  { key: Type.Optional(TraitKey), name: Type.Optional(Name), description: Type.Optional(Description), definition: Type.Optional(Definition) },
  { additionalProperties: false },
);
export type ComputedTraitPatchBody = Static<typeof ComputedTraitPatchBody>;

export const PreviewBody = Type.Object(
  {
    definition: Definition,
    sample: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'member profiles to show' })),
    maxProfiles: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 100_000, description: 'profiles to look at before estimating' })),
  },
  { additionalProperties: false },
);
export type PreviewBody = Static<typeof PreviewBody>;

export const MembersQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'nextCursor of the page before' })),
});

export const HistoryQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'nextCursor of the page before' })),
});

export const WorkspaceHistoryQuery = Type.Object({
  ...HistoryQuery.properties,
  profileId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'only this profile’s entries and exits' })),
});

export const ProgressResponse = Type.Object({
  status: Type.Union([Type.Literal('computing'), Type.Literal('ready')]),
  done: Type.Integer({ description: 'profiles computed so far in the current computation' }),
  total: Type.Integer(),
  startedAt: NullableTime,
  finishedAt: NullableTime,
});

/** What a segment and a computed trait both answer with: a stored, versioned definition being computed. */
const DefinitionFields = {
  id: Type.String(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  definition: Type.Unknown(),
  revision: Type.Integer({ description: 'raised by each change of the definition' }),
  progress: ProgressResponse,
  createdAt: Time,
  updatedAt: Time,
};

export const SegmentResponse = Type.Object({ ...DefinitionFields, size: Type.Integer({ description: 'members now' }) });

export const SegmentListResponse = Type.Object({ items: Type.Array(SegmentResponse) });

export const ComputedTraitResponse = Type.Object({ ...DefinitionFields, key: Type.String() });

export const ComputedTraitListResponse = Type.Object({ items: Type.Array(ComputedTraitResponse) });

export const PreviewResponse = Type.Object({
  size: Type.Integer({ description: 'members among the profiles looked at' }),
  profilesEvaluated: Type.Integer(),
  profilesTotal: Type.Integer(),
  estimated: Type.Boolean({ description: 'true when not every profile was looked at' }),
  estimatedSize: Type.Integer({ description: 'size scaled to every profile' }),
  sample: Type.Array(Type.Object({ profileId: Type.String(), displayName: Type.Union([Type.String(), Type.Null()]) })),
});

export const MembersResponse = Type.Object({
  items: Type.Array(Type.Object({ profileId: Type.String(), displayName: Type.Union([Type.String(), Type.Null()]), enteredAt: Time })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

const Cause = Type.Union([
  Type.Object({ kind: Type.Literal('event'), messageId: Type.String(), seq: Type.Integer() }),
  Type.Object({ kind: Type.Union([Type.Literal('merge'), Type.Literal('unmerge')]), mergeId: Type.Union([Type.Integer(), Type.Null()]) }),
  Type.Object({ kind: Type.Union([Type.Literal('time'), Type.Literal('computation'), Type.Literal('definition')]) }),
], { description: 'what caused the change: an event, the passing of time, a merge or unmerge, a background computation, an edited definition' });

export const HistoryResponse = Type.Object({
  items: Type.Array(Type.Object({
    id: Type.Integer(),
    segmentId: Type.String(),
    profileId: Type.String(),
    change: Type.Union([Type.Literal('entered'), Type.Literal('exited')]),
    at: Time,
    cause: Cause,
  })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const ProfileSegmentsResponse = Type.Object({
  profileId: Type.String({ description: 'the live profile (differs from the id asked for when that one was merged)' }),
  items: Type.Array(Type.Object({ segmentId: Type.String(), name: Type.String(), enteredAt: Time })),
});

export const ProfileComputedTraitsResponse = Type.Object({
  profileId: Type.String(),
  traits: Type.Record(Type.String(), Type.Object({ value: Type.Unknown(), at: Time })),
});
