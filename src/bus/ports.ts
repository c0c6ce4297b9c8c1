import type { MembershipChange } from '../segments/segment-port.ts';
import type { AppendRequest, LogPosition } from '../stores/ports.ts';

/** The name the embedded accepted log's position is kept under in the state store. */
export const ACCEPTED_LOG = 'accepted';

/** One accepted request in the log, numbered in the order it was accepted. */
export interface LoggedRequest {
  seq: number;
  request: AppendRequest;
}

/**
 * The durable log between accepting events and processing them. The tracking API acknowledges a
 * request once `append` resolves; the ingest processor reads the log in order and releases what the
 * state store holds. Embedded, it is a SQLite file beside the state; scaled out, a JetStream stream.
 */
export interface AcceptedLog extends AcceptedBusWriter {
  /** Entries after `afterSeq` in order, stopping once `maxEvents` events are read (at least one entry). */
  read(afterSeq: number, maxEvents: number): Promise<LoggedRequest[]>;
  /** Forgets entries up to and including `seq`. */
  release(seq: number): Promise<void>;
  /** Requests and events accepted but not yet released. */
  pending(): { requests: number; events: number };
  /** Called after each durable append. */
  onAppend(listener: () => void): void;
}

/**
 * Where API nodes put accepted requests. `append` resolves only once the bus holds the request
 * durably (the tracking API acknowledges then) and rejects otherwise.
 */
export interface AcceptedBusWriter {
  append(request: AppendRequest): Promise<void>;
  /** True while the bus can take appends: what a readiness probe reports. */
  isReady(): boolean;
  close(): Promise<void>;
}

/**
 * Handles one accepted request taken from the bus, `position` naming where it came from. Resolving
 * acknowledges it; rejecting has it delivered again later, before anything after it in its partition.
 * A request may come more than once (a worker stopped before acknowledging): pass `position` to the
 * state store as `logPosition`, which skips a request it already holds.
 */
export type AcceptedRequestHandler = (request: AppendRequest, position: LogPosition) => Promise<void>;

/**
 * Where workers take accepted requests from: every appended request at least once, in order within
 * its partition (all events of one customer share a partition), one at a time per partition.
 */
export interface AcceptedBusConsumer {
  /** Starts handing requests to `handler`; resolves once consuming has begun. */
  start(handler: AcceptedRequestHandler): Promise<void>;
  /** Finishes the requests in hand and stops taking more; what is left stays on the bus. */
  stop(): Promise<void>;
  /** True while consuming and connected: what a readiness probe reports. */
  isReady(): boolean;
  /** Stops, then lets go of the connection or file. */
  close(): Promise<void>;
}

/** What takes the accepted log into the state store: on the API's event loop, or on a thread of its own. */
export interface AcceptedLogProcessor {
  start(): Promise<void>;
  /** Resolves once everything accepted so far is stored. */
  drain(): Promise<void>;
  /** Finishes what is in hand; the rest stays in the log for the next start. */
  stop(): Promise<void>;
  /** Events stored since start. */
  readonly stored: number;
  /** The identity rules changed in the state store; read them again before the next events. */
  rulesChanged(): void;
  /** Calls `listener` each time a chunk of events has been committed to the state store (followers wake on it). */
  onStored(listener: () => void): void;
}

/**
 * A segment membership change as the bus carries it (JSON on JetStream, as is in process). Its shape
 * is what consumers such as journeys and destinations read: add fields, never rename or remove one.
 */
export interface SegmentMembershipMessage {
  type: 'segment_membership';
  /** The change's id in the state store's feed: increasing, so a consumer can drop one it has seen. */
  id: number;
  workspaceId: string;
  segmentId: string;
  profileId: string;
  change: 'entered' | 'exited';
  /** When the membership changed, as an ISO 8601 time. */
  at: string;
  cause: MembershipChange['cause'];
}

/** The bus message for one membership change. */
export function membershipMessage(change: MembershipChange): SegmentMembershipMessage {
  return {
    type: 'segment_membership',
    id: change.id,
    workspaceId: change.workspaceId,
    segmentId: change.segmentId,
    profileId: change.profileId,
    change: change.change,
    at: new Date(change.at).toISOString(),
    cause: change.cause,
  };
}

/**
 * Where the membership relay puts the changes it reads from the state store's feed. The publisher,
 * not the relay, knows how far the bus got, so a relay that restarts goes on from there.
 */
export interface MembershipPublisher {
  /** The id of the last change the bus holds (0 when none): the relay publishes what comes after it. */
  lastPublishedId(): Promise<number>;
  /** Publishes the changes (ascending ids) in order; resolves once the bus holds them all, and a change published again is held once. */
  publish(changes: MembershipChange[]): Promise<void>;
  close(): Promise<void>;
}
