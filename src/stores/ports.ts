import type { StoredEvent, Touchpoint } from '../core/event-schema.ts';
import type { ErrorCode } from '../core/errors.ts';

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
}

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

/** A stored event with its place in arrival order. */
export interface EventRecord extends StoredEvent {
  seq: number;
}

/**
 * The state store: everything that changes. `appendEvents` resolves only once the events and
 * failed events are durable; it deduplicates by (workspace, messageId) within `dedupWindowMs`.
 */
export interface StateStore {
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
}
