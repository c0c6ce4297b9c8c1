import type { Page } from '../stores/ports.ts';

/** Whether a segment or computed trait is being computed over existing profiles, and how far it got. */
export interface ComputationProgress {
  status: 'computing' | 'ready';
  /** Profiles done and to do in the current computation (both 0 once ready with nothing to do). */
  done: number;
  total: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A stored segment: its definition (a versioned tree, kept as given) and its computation state. */
export interface SegmentRecord {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  /** The definition as JSON, `version` included; the segments domain validates and reads it. */
  definition: unknown;
  /** Raised by each edit of the definition; a computation names the revision it computed. */
  revision: number;
  progress: ComputationProgress;
  createdAt: number;
  updatedAt: number;
}

/** A stored computed trait; `key` is the name it has on profiles and in segment conditions. */
export interface ComputedTraitRecord {
  id: string;
  workspaceId: string;
  key: string;
  name: string;
  description: string | null;
  definition: unknown;
  revision: number;
  progress: ComputationProgress;
  createdAt: number;
  updatedAt: number;
}

export interface NewSegment {
  /** Chosen by the store when absent; given when a definition is carried over from elsewhere (an import, a test). */
  id?: string;
  workspaceId: string;
  name: string;
  description?: string | null;
  definition: unknown;
}

export interface SegmentPatch {
  name?: string;
  description?: string | null;
  /** A new definition raises the revision. */
  definition?: unknown;
}

export interface NewComputedTrait extends NewSegment {
  key: string;
}

/**
 * What the segment engine keeps per profile: its accumulators and computed trait values (opaque JSON
 * owned by the segments domain), the segments it is in, and the next moment its answers can change
 * without a new event (null when none), which the scheduler waits for.
 */
export interface ProfileSegmentState {
  profileId: string;
  workspaceId: string;
  /** JSON-serialisable; null for a profile the engine has not seen. */
  accumulators: unknown;
  /** Computed trait values by key, each with the time it was computed. */
  computed: Record<string, { value: unknown; at: number }>;
  /** Segment ids the profile is a member of now, with the time it entered. */
  members: Record<string, number>;
  nextCheckAt: number | null;
}

/** What the engine reads about a profile: its state (if any) and the profile's traits. */
export interface SegmentInput {
  profileId: string;
  workspaceId: string;
  /** False when the profile was merged into another (its state should be folded there and dropped). */
  live: boolean;
  /** The profile's traits, plain values (no provenance). */
  traits: Record<string, unknown>;
  state: ProfileSegmentState | null;
}

/** What caused a membership change. */
export type MembershipCause =
  | { kind: 'event'; messageId: string; seq: number }
  | { kind: 'time' }
  | { kind: 'merge'; mergeId: number | null }
  | { kind: 'unmerge'; mergeId: number | null }
  | { kind: 'computation' }
  | { kind: 'definition' };

/** One entry of the membership history; its id orders the feed the bus publishes. */
export interface MembershipChange {
  id: number;
  workspaceId: string;
  segmentId: string;
  profileId: string;
  change: 'entered' | 'exited';
  at: number;
  cause: MembershipCause;
}

export type NewMembershipChange = Omit<MembershipChange, 'id'>;

/** Where the engine is in the state store's feeds (events by seq, profile changes by id). */
export interface SegmentEnginePosition {
  eventSeq: number;
  changeId: number;
}

/**
 * One atomic step of the engine: profile states written or dropped, membership changes recorded (the
 * member tables follow them) and, when given, the engine's new position, all in one commit. When
 * `from` is given and the stored position differs, nothing is written and `false` is returned.
 */
export interface SegmentCommit {
  from?: SegmentEnginePosition;
  to?: SegmentEnginePosition;
  states: ProfileSegmentState[];
  /** Profiles whose state and memberships are removed (absorbed by a merge; their exits are in `changes`). */
  dropped: string[];
  changes: NewMembershipChange[];
  /** Computation progress to record in the same commit. */
  progress?: Array<{ kind: 'segment' | 'computed-trait'; id: string; revision: number; progress: ComputationProgress }>;
}

export interface MemberFilter {
  workspaceId: string;
  segmentId: string;
  cursor?: string;
  limit: number;
}

export interface MembershipHistoryFilter {
  workspaceId: string;
  segmentId?: string;
  profileId?: string;
  cursor?: string;
  limit: number;
}

/** The state store's part for segments and computed traits; both engines implement it, one contract suite checks both. */
export interface SegmentStore {
  createSegment(input: NewSegment): Promise<SegmentRecord>;
  listSegments(workspaceId: string): Promise<SegmentRecord[]>;
  getSegment(workspaceId: string, id: string): Promise<SegmentRecord | null>;
  /** Null when there is no such segment. */
  updateSegment(workspaceId: string, id: string, patch: SegmentPatch): Promise<SegmentRecord | null>;
  /** Removes the segment, its members and its history; false when there was none. */
  deleteSegment(workspaceId: string, id: string): Promise<boolean>;

  createComputedTrait(input: NewComputedTrait): Promise<ComputedTraitRecord>;
  listComputedTraits(workspaceId: string): Promise<ComputedTraitRecord[]>;
  getComputedTrait(workspaceId: string, id: string): Promise<ComputedTraitRecord | null>;
  updateComputedTrait(workspaceId: string, id: string, patch: SegmentPatch): Promise<ComputedTraitRecord | null>;
  deleteComputedTrait(workspaceId: string, id: string): Promise<boolean>;

  segmentEnginePosition(): Promise<SegmentEnginePosition>;
  /** Inputs for these profiles, in no particular order; a profile that does not exist is left out. */
  loadSegmentInputs(profileIds: string[]): Promise<SegmentInput[]>;
  /** Writes one engine step atomically; false when `from` no longer matches the stored position. */
  commitSegments(commit: SegmentCommit): Promise<boolean>;
  /** Profiles whose next check is due at `now` or earlier, soonest first (never a scan: an index on the time). */
  dueSegmentChecks(now: number, limit: number): Promise<string[]>;
  /** Live profiles of a workspace after `afterId` in id order: what a background computation walks. */
  listLiveProfileIds(workspaceId: string, afterId: string | null, limit: number): Promise<string[]>;
  countLiveProfiles(workspaceId: string): Promise<number>;

  listSegmentMembers(filter: MemberFilter): Promise<Page<{ profileId: string; enteredAt: number }>>;
  countSegmentMembers(workspaceId: string, segmentId: string): Promise<number>;
  membershipHistory(filter: MembershipHistoryFilter): Promise<Page<MembershipChange>>;
  /** Membership changes of every workspace after `afterId`, oldest first: the feed that is published on the bus. */
  readMembershipChanges(afterId: number, limit: number): Promise<MembershipChange[]>;
}
