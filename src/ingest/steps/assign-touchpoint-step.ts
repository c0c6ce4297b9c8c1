import { DEFAULT_DEPARTMENT, inferChannel, readTouchpointOverride } from '../../core/touchpoint.ts';
import { ok, reject, type Step } from '../pipeline.ts';
import type { EventDraft } from '../event-draft.ts';

/**
 * Gives every event a channel, touchpoint and department: the event's `context.touchpoint`
 * first, then the source's defaults, then a guess from the event (channel) or the source's name.
 */
export function createAssignTouchpointStep(): Step<EventDraft, EventDraft> {
  return function assignTouchpoint(draft) {
    const context = draft.raw.context as Record<string, unknown> | undefined;
    const override = readTouchpointOverride(context?.touchpoint);
    if (!override.ok) {
      return reject('CENTRIC_ERR_EVENT_INVALID_TOUCHPOINT', `field "${override.field}" ${override.message}`, override.field);
    }
    draft.touchpoint = {
      channel: override.value.channel ?? draft.source.channel ?? inferChannel(draft.type ?? '', context),
      touchpoint: override.value.touchpoint ?? draft.source.touchpoint ?? draft.source.name,
      department: override.value.department ?? draft.source.department ?? DEFAULT_DEPARTMENT,
    };
    return ok(draft);
  };
}
