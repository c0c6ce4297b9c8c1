/**
 * The shapes of the profile API's answers, as the console reads them: the server's own schemas,
 * type-only (no server code reaches the bundle), so the console cannot drift from what is sent.
 */

import type { Static } from 'typebox';
import type { ProfileResponse, ProfileSearchResponse, TimelineResponse } from '../../../src/http/routes/profiles/profile-schemas.ts';
import type { SourceResponse } from '../../../src/http/schemas.ts';

/** One customer's 360° view. */
export type Profile = Static<typeof ProfileResponse>;
/** A merge into a profile, undone or not. */
export type Merge = Profile['merges'][number];
/** An identifier as type and value (a profile's also say when they were added). */
export type Identifier = Merge['absorbedIdentifiers'][number] & { addedAt?: string };

/** A search hit and what matched. */
export type ProfileHit = Static<typeof ProfileSearchResponse>['items'][number];

/** The parts of an event's payload the console reads; the schema has it as any JSON object. */
interface EventPayload {
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  name?: string;
  context?: { traits?: Record<string, unknown> };
}

/** One page of a customer's timeline, newest first. */
export type TimelinePage = Static<typeof TimelineResponse> & { items: TimelineEvent[] };
/** One event on the timeline. */
export type TimelineEvent = Static<typeof TimelineResponse>['items'][number] & { payload: EventPayload };

/** What undoing a merge moved back: the server's own type (a type-only import, no server code in the bundle). */
export type { UnmergeResult } from '../../../src/identity/unmerge.ts';

/** A source as the sources API answers it. */
export type Source = Static<typeof SourceResponse>;
