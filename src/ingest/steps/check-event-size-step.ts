import { ok, reject, type Step } from '../pipeline.ts';
import type { EventDraft } from '../event-draft.ts';

export interface EventSizeLimits {
  maxEventBytes: number;
}

/** Rejects an event whose JSON is larger than the per-event limit, naming the limit. */
export function createCheckEventSizeStep(limits: EventSizeLimits): Step<EventDraft, EventDraft> {
  return function checkEventSize(draft) {
    const bytes = Buffer.byteLength(JSON.stringify(draft.raw));
    if (bytes > limits.maxEventBytes) {
      return reject(
        'CENTRIC_ERR_LIMIT_EVENT_TOO_LARGE',
        `event is ${bytes} bytes; the limit is ${limits.maxEventBytes} bytes (${formatKb(limits.maxEventBytes)}) per event`,
      );
    }
    return ok(draft);
  };
}

export function formatKb(bytes: number): string {
  return `${Math.round((bytes / 1024) * 10) / 10} KB`;
}
