/** The shapes of the segments API's answers, as the console reads them: the server's own schemas, type-only. */

import type { Static } from 'typebox';
import type {
  ComputedTraitResponse, HistoryResponse, MembersResponse, PreviewResponse, ProfileComputedTraitsResponse, ProfileSegmentsResponse, SegmentResponse,
} from '../../../src/http/routes/segments/segment-schemas.ts';

/** A segment with its size now and how far its computation is. */
export type Segment = Static<typeof SegmentResponse>;
/** A computed trait and its definition. */
export type ComputedTrait = Static<typeof ComputedTraitResponse>;
/** What a dry run of a definition found. */
export type SegmentPreview = Static<typeof PreviewResponse>;
/** One page of a segment's members. */
export type MembersPage = Static<typeof MembersResponse>;
/** One page of entries and exits. */
export type HistoryPage = Static<typeof HistoryResponse>;
/** One entry or exit and its cause. */
export type MembershipChange = HistoryPage['items'][number];
/** The segments one customer is in. */
export type ProfileSegments = Static<typeof ProfileSegmentsResponse>;
/** One customer's computed trait values. */
export type ProfileComputedTraits = Static<typeof ProfileComputedTraitsResponse>;
