import { randomUUID } from 'node:crypto';
import { ok, type Step } from '../pipeline.ts';
import type { EventDraft } from '../event-draft.ts';

/** Keeps the sender's messageId (the dedup key) or gives the event a fresh one. */
export function createAssignMessageIdStep(newId: () => string = randomUUID): Step<EventDraft, EventDraft> {
  return function assignMessageId(draft) {
    const given = typeof draft.raw.messageId === 'string' ? draft.raw.messageId.trim() : '';
    draft.messageId = given === '' ? newId() : given;
    return ok(draft);
  };
}
