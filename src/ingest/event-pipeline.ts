import type { StoredEvent } from '../core/event-schema.ts';
import { Pipeline } from './pipeline.ts';
import type { EventDraft } from './event-draft.ts';
import { createCheckEventSizeStep } from './steps/check-event-size-step.ts';
import { createValidateEventStep } from './steps/validate-event-step.ts';
import { createNormaliseTimestampsStep } from './steps/normalise-timestamps-step.ts';
import { createAssignTouchpointStep } from './steps/assign-touchpoint-step.ts';
import { createAssignMessageIdStep } from './steps/assign-message-id-step.ts';
import { createBuildStoredEventStep } from './steps/build-stored-event-step.ts';

export interface EventPipelineOptions {
  maxEventBytes: number;
  newMessageId?: () => string;
}

/** The steps every incoming event passes before the store accepts it, in order. */
export function createEventPipeline(options: EventPipelineOptions): Pipeline<EventDraft, StoredEvent> {
  return Pipeline.start<EventDraft>()
    .pipe(createCheckEventSizeStep({ maxEventBytes: options.maxEventBytes }))
    .pipe(createValidateEventStep())
    .pipe(createNormaliseTimestampsStep())
    .pipe(createAssignTouchpointStep())
    .pipe(createAssignMessageIdStep(options.newMessageId))
    .pipe(createBuildStoredEventStep());
}
