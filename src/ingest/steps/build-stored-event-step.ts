import type { StoredEvent } from '../../core/event-schema.ts';
import { ok, type Step } from '../pipeline.ts';
import type { EventDraft } from '../event-draft.ts';

/** Dropped from the stored payload: credentials and what the envelope already holds. */
const NOT_STORED = new Set(['writeKey']);

/** Turns a fully worked-out draft into the envelope the store keeps. */
export function createBuildStoredEventStep(): Step<EventDraft, StoredEvent> {
  return function buildStoredEvent(draft) {
    const payload: Record<string, unknown> = {};
    for (const key of Object.keys(draft.raw)) {
      if (!NOT_STORED.has(key)) payload[key] = draft.raw[key];
    }
    const touchpoint = draft.touchpoint!;
    payload.type = draft.type;
    payload.messageId = draft.messageId;
    if (draft.userId !== null) payload.userId = draft.userId;
    if (draft.anonymousId !== null) payload.anonymousId = draft.anonymousId;
    payload.timestamp = new Date(draft.timestamp!).toISOString();
    payload.receivedAt = new Date(draft.receivedAt).toISOString();
    if (draft.originalTimestamp != null) payload.originalTimestamp = new Date(draft.originalTimestamp).toISOString();
    if (draft.sentAt != null) payload.sentAt = new Date(draft.sentAt).toISOString();

    return ok({
      envelopeVersion: 1,
      workspaceId: draft.source.workspaceId,
      sourceId: draft.source.id,
      messageId: draft.messageId!,
      type: draft.type!,
      event: eventName(draft),
      userId: draft.userId ?? null,
      anonymousId: draft.anonymousId ?? null,
      channel: touchpoint.channel,
      touchpoint: touchpoint.touchpoint,
      department: touchpoint.department,
      timestamp: draft.timestamp!,
      originalTimestamp: draft.originalTimestamp ?? null,
      sentAt: draft.sentAt ?? null,
      receivedAt: draft.receivedAt,
      warnings: draft.warnings,
      payload,
    });
  };
}

/** The name a person would read on a timeline: the track event, or the page or screen name. */
function eventName(draft: EventDraft): string | null {
  const raw = draft.raw;
  if (draft.type === 'track') return String(raw.event).trim();
  if ((draft.type === 'page' || draft.type === 'screen') && typeof raw.name === 'string') return raw.name;
  return null;
}
