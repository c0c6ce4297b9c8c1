import type { Page } from '../stores/ports.ts';
import type { ComputationProgress, ComputedTraitRecord, MembershipChange, SegmentRecord } from './segment-port.ts';

/** A segment as the API shows it: the stored record and how many customers are in it now. */
export interface SegmentView extends SegmentRecord {
  size: number;
}

export type ComputedTraitView = ComputedTraitRecord;

/** A dry run of a definition over existing profiles, nothing saved. */
export interface SegmentPreview {
  /** Members found among the profiles looked at. */
  size: number;
  /** Profiles looked at, and how many live profiles there are; `estimated` when not all were looked at. */
  profilesEvaluated: number;
  profilesTotal: number;
  estimated: boolean;
  /** When estimated: size scaled to every profile. */
  estimatedSize: number;
  /** Up to `sample` member profile ids with their display names. */
  sample: Array<{ profileId: string; displayName: string | null }>;
}

export interface SegmentInputBody {
  name: string;
  description?: string | null;
  definition: unknown;
}

export interface ComputedTraitInputBody extends SegmentInputBody {
  key: string;
}

/** What the management API asks of segments; the HTTP routes are a thin layer over it. */
export interface SegmentApi {
  listSegments(): Promise<SegmentView[]>;
  /** Throws CENTRIC_ERR_SEGMENT_NOT_FOUND. */
  getSegment(id: string): Promise<SegmentView>;
  /** Throws CENTRIC_ERR_SEGMENT_INVALID_DEFINITION (with the field) or CENTRIC_ERR_SEGMENT_NAME_TAKEN. */
  createSegment(input: SegmentInputBody): Promise<SegmentView>;
  updateSegment(id: string, patch: Partial<SegmentInputBody>): Promise<SegmentView>;
  /** Throws CENTRIC_ERR_SEGMENT_IN_USE when another segment's condition names it. */
  deleteSegment(id: string): Promise<void>;
  previewSegment(definition: unknown, options: { sample: number; maxProfiles: number }): Promise<SegmentPreview>;
  listMembers(id: string, cursor: string | undefined, limit: number): Promise<Page<{ profileId: string; enteredAt: number; displayName: string | null }>>;
  /** Every member, in pages, for CSV export. */
  exportMembers(id: string): AsyncIterable<{ profileId: string; enteredAt: number; displayName: string | null; email: string | null; userId: string | null }>;
  history(filter: { segmentId?: string; profileId?: string; cursor?: string; limit: number }): Promise<Page<MembershipChange>>;
  progress(id: string): Promise<ComputationProgress>;

  listComputedTraits(): Promise<ComputedTraitView[]>;
  getComputedTrait(id: string): Promise<ComputedTraitView>;
  createComputedTrait(input: ComputedTraitInputBody): Promise<ComputedTraitView>;
  updateComputedTrait(id: string, patch: Partial<ComputedTraitInputBody>): Promise<ComputedTraitView>;
  /** Throws CENTRIC_ERR_COMPUTED_TRAIT_IN_USE when a segment's condition reads it. */
  deleteComputedTrait(id: string): Promise<void>;

  /** The segments a profile is in now (following merges to the live profile) and its computed traits. */
  profileSegments(profileId: string): Promise<Array<{ segmentId: string; name: string; enteredAt: number }>>;
  profileComputedTraits(profileId: string): Promise<Record<string, { value: unknown; at: number }>>;
}
