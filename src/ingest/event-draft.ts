import type { EventType, Touchpoint } from '../core/event-schema.ts';

/** The defaults and identity of the source an event arrived through. */
export interface SourceContext extends Partial<Touchpoint> {
  id: string;
  workspaceId: string;
  name: string;
}

/**
 * An event between steps: the sender's object and what the steps have worked out so far.
 * Each step fills in its own fields; later steps rely on earlier ones having run.
 */
export interface EventDraft {
  raw: Record<string, unknown>;
  source: SourceContext;
  receivedAt: number;
  /** Set by the route for single calls (/v1/track); batches carry `type` in each event. */
  impliedType?: EventType;
  /** Imported history: event times are taken as sent, without clock-skew correction. */
  historical?: boolean;
  warnings: string[];
  type?: EventType;
  userId?: string | null;
  anonymousId?: string | null;
  timestamp?: number;
  originalTimestamp?: number | null;
  sentAt?: number | null;
  touchpoint?: Touchpoint;
  messageId?: string;
}
