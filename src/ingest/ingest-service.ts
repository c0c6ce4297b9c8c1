import type { EventType, StoredEvent } from '../core/event-schema.ts';
import type { AcceptedBusWriter } from '../bus/ports.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { AppendRequest, FailedEvent, NewFailedEvent, StateStore } from '../stores/ports.ts';
import type { EventDraft, SourceContext } from './event-draft.ts';
import { createEventPipeline } from './event-pipeline.ts';
import type { Pipeline } from './pipeline.ts';

/** One event the pipeline refused, as reported to the sender. */
export interface Rejection {
  index: number;
  code: ErrorCode;
  message: string;
  field?: string;
}

export interface IngestOutcome {
  accepted: number;
  stored: number;
  duplicates: number;
  rejected: Rejection[];
}

export interface IngestInput {
  source: SourceContext;
  events: unknown[];
  receivedAt: number;
  /** Batch-level fields that apply to each event unless the event has its own. */
  shared?: { context?: Record<string, unknown>; integrations?: Record<string, unknown>; sentAt?: unknown };
  impliedType?: EventType;
  /** Imported history: event times are trusted as sent (no clock-skew correction against now). */
  historical?: boolean;
}

export interface IngestServiceOptions {
  maxEventBytes: number;
  newMessageId?: () => string;
  /** Where `accept` puts requests; without it only `ingest` (straight into the store) works. */
  log?: AcceptedBusWriter;
}

/** What the sender is told: how many events were accepted, and why the others were not. */
export interface Acceptance {
  accepted: number;
  rejected: Rejection[];
}

/**
 * Runs events through the pipeline and hands the good ones, with the refused ones as failed
 * events, to the store in one durable append.
 */
export class IngestService {
  private readonly store: StateStore;
  private readonly pipeline: Pipeline<EventDraft, StoredEvent>;
  private readonly log: AcceptedBusWriter | undefined;

  constructor(store: StateStore, options: IngestServiceOptions) {
    this.store = store;
    this.log = options.log;
    this.pipeline = createEventPipeline(options);
  }

  /**
   * The tracking API's way in: checks each event and makes the good ones (and the failed ones)
   * durable in the accepted log; the ingest processor stores them. Resolves once durable.
   */
  async accept(input: IngestInput): Promise<Acceptance> {
    if (!this.log) throw new Error('IngestService.accept needs an accepted log');
    const { request, rejected } = this.prepare(input);
    if (request.events.length > 0 || request.failed.length > 0) await this.log.append(request);
    return { accepted: request.events.length, rejected };
  }

  /** Checks each event; nothing is written until `commit`. */
  prepare(input: IngestInput): { request: AppendRequest; rejected: Rejection[] } {
    const events: StoredEvent[] = [];
    const failed: NewFailedEvent[] = [];
    const rejected: Rejection[] = [];
    input.events.forEach((candidate, index) => {
      const raw = withShared(candidate, input.shared);
      const result =
        raw === null
          ? ({ kind: 'reject', code: 'CENTRIC_ERR_EVENT_NOT_AN_OBJECT', message: 'each event must be a JSON object' } as const)
          : this.pipeline.run({
              raw, source: input.source, receivedAt: input.receivedAt, impliedType: input.impliedType, historical: input.historical, warnings: [],
            });
      if (result.kind === 'ok') {
        events.push(result.value);
        return;
      }
      const rejection: Rejection = { index, code: result.code, message: result.message };
      if (result.field !== undefined) rejection.field = result.field;
      rejected.push(rejection);
      failed.push({
        workspaceId: input.source.workspaceId,
        sourceId: input.source.id,
        receivedAt: input.receivedAt,
        code: result.code,
        message: result.message,
        field: result.field ?? null,
        // Kept as the pipeline saw it (batch context applied, type named) so a replay needs nothing else.
        payload: raw === null ? candidate : input.impliedType ? { ...raw, type: input.impliedType } : raw,
      });
    });
    return { request: { events, failed }, rejected };
  }

  /** Straight into the state store, for imports and tools: resolves once stored. */
  async ingest(input: IngestInput): Promise<IngestOutcome> {
    const { request, rejected } = this.prepare(input);
    const result = await this.store.appendEvents(request);
    return {
      accepted: request.events.length,
      stored: result.stored,
      duplicates: result.duplicates,
      rejected,
    };
  }
}

/**
 * Sends a failed event through the pipeline again, as it was or as corrected, with the time it
 * first arrived. On success the event is stored and the failed event marked replayed in one commit.
 */
export async function replayFailedEvent(
  service: IngestService,
  store: StateStore,
  failed: FailedEvent,
  source: SourceContext,
  correction?: unknown,
): Promise<ReplayOutcome> {
  const { request, rejected } = service.prepare({ source, events: [correction ?? failed.payload], receivedAt: failed.receivedAt });
  const event = request.events[0];
  if (!event) return { replayed: false, rejection: rejected[0]! };
  const result = await store.appendEvents({ events: [event], failed: [], replayed: [{ failedEventId: failed.id, messageId: event.messageId }] });
  return { replayed: true, messageId: event.messageId, duplicate: result.duplicates > 0 };
}

export type ReplayOutcome =
  | { replayed: true; messageId: string; duplicate: boolean }
  | { replayed: false; rejection: Rejection };

/** Applies a batch's shared context, integrations and sentAt to one event. */
function withShared(candidate: unknown, shared: IngestInput['shared']): Record<string, unknown> | null {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) return null;
  const event = candidate as Record<string, unknown>;
  if (!shared) return event;
  const merged: Record<string, unknown> = { ...event };
  if (shared.context && isObject(event.context ?? {})) merged.context = { ...shared.context, ...(event.context as object | undefined) };
  if (shared.integrations && isObject(event.integrations ?? {})) {
    merged.integrations = { ...shared.integrations, ...(event.integrations as object | undefined) };
  }
  if (shared.sentAt !== undefined && event.sentAt === undefined) merged.sentAt = shared.sentAt;
  return merged;
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
