import { parseIsoTime, resolveEventTimes } from '../../core/timestamps.ts';
import { ok, reject, type Step } from '../pipeline.ts';
import type { EventDraft } from '../event-draft.ts';

const TIME_FIELDS = ['timestamp', 'originalTimestamp', 'sentAt'] as const;

/** Parses the event's times, corrects device clock skew and clamps far-future times. */
export function createNormaliseTimestampsStep(): Step<EventDraft, EventDraft> {
  return function normaliseTimestamps(draft) {
    const parsed: Record<(typeof TIME_FIELDS)[number], number | null> = { timestamp: null, originalTimestamp: null, sentAt: null };
    for (const field of TIME_FIELDS) {
      const value = draft.raw[field];
      if (value === undefined || value === null) continue;
      const time = typeof value === 'string' ? parseIsoTime(value) : null;
      if (time === null) {
        return reject(
          'CENTRIC_ERR_EVENT_INVALID_TIMESTAMP',
          `field "${field}" is ${JSON.stringify(value).slice(0, 60)}; it must be an ISO-8601 date-time such as 2026-01-31T12:00:00.000Z`,
          field,
        );
      }
      parsed[field] = time;
    }
    const times = resolveEventTimes({ ...parsed, receivedAt: draft.receivedAt, correctSkew: !draft.historical });
    draft.timestamp = times.timestamp;
    draft.originalTimestamp = times.originalTimestamp;
    draft.sentAt = times.sentAt;
    draft.warnings.push(...times.warnings);
    return ok(draft);
  };
}
