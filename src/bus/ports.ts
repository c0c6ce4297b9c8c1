import type { AppendRequest } from '../stores/ports.ts';

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
export interface AcceptedLog {
  append(request: AppendRequest): Promise<void>;
  /** Entries after `afterSeq` in order, stopping once `maxEvents` events are read (at least one entry). */
  read(afterSeq: number, maxEvents: number): Promise<LoggedRequest[]>;
  /** Forgets entries up to and including `seq`. */
  release(seq: number): Promise<void>;
  /** Requests and events accepted but not yet released. */
  pending(): { requests: number; events: number };
  /** Called after each durable append. */
  onAppend(listener: () => void): void;
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
}
