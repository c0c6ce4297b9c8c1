import type { StoredEvent, Touchpoint } from '../core/event-schema.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { IdentityRules } from '../core/identity-rules.ts';
import type { Identifier } from '../identity/identifiers.ts';
import type { MergeRecord } from '../identity/identity-port.ts';
import type { ProfileState } from '../identity/profile-state.ts';
import type { UnmergeResult } from '../identity/unmerge.ts';
import type { SegmentStore } from '../segments/segment-port.ts';

/** A place events come from; its write key authenticates tracking calls. */
export interface Source extends Partial<Touchpoint> {
  id: string;
  workspaceId: string;
  name: string;
  writeKey: string;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface NewSource extends Partial<Touchpoint> {
  workspaceId: string;
  name: string;
}

export interface SourcePatch extends Partial<Touchpoint> {
  name?: string;
  enabled?: boolean;
}

/** An event the pipeline refused, kept with its reason so it can be inspected and replayed. */
export interface FailedEvent {
  id: number;
  workspaceId: string;
  sourceId: string;
  receivedAt: number;
  code: ErrorCode;
  message: string;
  field: string | null;
  /** The event as sent: parsed JSON when it parsed, else the raw text. */
  payload: unknown;
  replayedAt: number | null;
  replayedMessageId: string | null;
}

export type NewFailedEvent = Omit<FailedEvent, 'id' | 'replayedAt' | 'replayedMessageId'>;

export interface AppendRequest {
  events: StoredEvent[];
  failed: NewFailedEvent[];
  /** Replays settled in the same commit as the events they produced. */
  replayed?: Array<{ failedEventId: number; messageId: string }>;
  /** Where in a log (the embedded accepted log, a bus partition) this request came from, recorded in the same commit. */
  logPosition?: LogPosition;
}

/** A place in a named log: `accepted` for the embedded accepted log, `partition-N` for a bus partition. */
export interface LogPosition {
  log: string;
  seq: number;
}

/**
 * A change to which profile events belong, in the order the state store made them: what the analytics
 * store applies to its copy of the event history. A merge points the absorbed profile at the survivor;
 * an unmerge revives a profile and names the events that moved back to it.
 */
export type ProfileChange =
  | { id: number; workspaceId: string; kind: 'merge'; profileId: string; intoProfileId: string; at: number }
  | { id: number; workspaceId: string; kind: 'unmerge'; profileId: string; fromProfileId: string; movedEventSeqs: number[]; at: number };

export interface AppendResult {
  stored: number;
  duplicates: number;
  /** Per input event, in order: true when it was a duplicate within the dedup window. */
  duplicateFlags: boolean[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface FailedEventFilter {
  workspaceId: string;
  sourceId?: string;
  code?: string;
  includeReplayed?: boolean;
  cursor?: string;
  limit: number;
}

export interface EventFilter {
  workspaceId: string;
  sourceId?: string;
  cursor?: string;
  limit: number;
}

/** A stored event with its place in arrival order and, once resolved, its profile. */
export interface EventRecord extends StoredEvent {
  seq: number;
  profileId?: string | null;
  /** The identifiers the event carried; `dropped` marks those a guard refused. */
  identifiers?: Array<Identifier & { dropped?: true }>;
}

/** One customer as the 360° view shows them. */
export interface ProfileView extends ProfileState {
  id: string;
  createdAt: number;
  updatedAt: number;
  displayName: string | null;
  identifiers: Array<Identifier & { addedAt: number }>;
  /** Every merge that joined profiles into this one, undone ones included, oldest first. */
  merges: MergeRecord[];
}

export interface ProfileEventFilter {
  workspaceId: string;
  profileId: string;
  departments?: string[];
  channels?: string[];
  types?: string[];
  from?: number;
  to?: number;
  cursor?: string;
  limit: number;
}

/** What a member list or export shows of a profile. */
export interface ProfileSummary {
  id: string;
  displayName: string | null;
  email: string | null;
  userId: string | null;
}

/** A search hit: the profile and what matched. */
export interface ProfileHit {
  id: string;
  displayName: string | null;
  email: string | null;
  phone: string | null;
  lastSeen: number | null;
  matched: string;
}

export interface ProfileSearch {
  workspaceId: string;
  /** Lower-cased text for names and identifier prefixes. */
  text: string;
  /** The text read as a phone number in E.164, when it is one. */
  phone: string | null;
  limit: number;
}

/**
 * The state store: everything that changes. `appendEvents` resolves only once the events and
 * failed events are durable; it deduplicates by (workspace, messageId) within `dedupWindowMs`.
 */
export interface StateStore extends SegmentStore {
  readonly engine: string;
  migrate(): Promise<void>;
  close(): Promise<void>;

  createSource(input: NewSource): Promise<Source>;
  listSources(workspaceId: string): Promise<Source[]>;
  getSource(workspaceId: string, id: string): Promise<Source | null>;
  findSourceByName(workspaceId: string, name: string): Promise<Source | null>;
  findSourceByWriteKey(writeKey: string): Promise<Source | null>;
  updateSource(workspaceId: string, id: string, patch: SourcePatch): Promise<Source | null>;
  rotateWriteKey(workspaceId: string, id: string): Promise<Source | null>;

  appendEvents(request: AppendRequest): Promise<AppendResult>;
  listEvents(filter: EventFilter): Promise<Page<EventRecord>>;
  countEvents(workspaceId: string): Promise<number>;

  listFailedEvents(filter: FailedEventFilter): Promise<Page<FailedEvent>>;
  getFailedEvent(workspaceId: string, id: number): Promise<FailedEvent | null>;

  /** The last entry of the named log the store holds (0 when none). */
  logPosition(log: string): Promise<number>;

  /** Events of every workspace stored after `afterSeq`, in seq order, each with the profile it lives on now. */
  readEventsAfter(afterSeq: number, limit: number): Promise<EventRecord[]>;
  /** Merges and unmerges recorded after `afterId`, oldest first. */
  readProfileChanges(afterId: number, limit: number): Promise<ProfileChange[]>;

  identityRules(): IdentityRules;
  setIdentityRules(workspaceId: string, rules: IdentityRules): Promise<void>;
  /** The live profile holding the identifier, if any. */
  findProfileByIdentifier(workspaceId: string, identifier: Identifier): Promise<string | null>;
  /** The profile, following merges: asking for an absorbed id gives the profile it lives on in. */
  getProfile(workspaceId: string, id: string): Promise<{ profile: ProfileView; mergedFrom: string | null } | null>;
  listProfileEvents(filter: ProfileEventFilter): Promise<Page<EventRecord>>;
  /** Every event of these profiles stored up to `uptoSeq`, each profile's in seq order (what segment trackers are built from). */
  /** Display name, first email and first user id of these profiles, in no particular order; missing ones are left out. */
  profileSummaries(workspaceId: string, profileIds: string[]): Promise<ProfileSummary[]>;
  listEventsOfProfiles(workspaceId: string, profileIds: string[], uptoSeq: number): Promise<EventRecord[]>;
  searchProfiles(search: ProfileSearch): Promise<ProfileHit[]>;
  unmerge(workspaceId: string, profileId: string, mergeId: number): Promise<UnmergeResult>;
}
