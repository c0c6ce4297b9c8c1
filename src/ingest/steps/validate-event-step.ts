import { Compile } from 'typebox/compile';
import { EventTypes, IncomingEvent, type EventType } from '../../core/event-schema.ts';
import { ok, reject, type Step, type StepResult } from '../pipeline.ts';
import type { EventDraft } from '../event-draft.ts';

const checkIncomingEvent = Compile(IncomingEvent);
const MAX_ID_LENGTH = 512;

/**
 * Checks an event against the Segment spec: a known type, the right JSON type for each spec
 * field, an identity (userId or anonymousId), and the fields its type requires.
 */
export function createValidateEventStep(): Step<EventDraft, EventDraft> {
  return function validateEvent(draft) {
    const raw = draft.raw;
    const type = draft.impliedType ?? raw.type;
    if (type === undefined || type === null || type === '') {
      return reject('CENTRIC_ERR_EVENT_MISSING_FIELD', 'field "type" is required in a batch event; one of ' + EventTypes.join(', '), 'type');
    }
    if (typeof type !== 'string' || !(EventTypes as readonly string[]).includes(type)) {
      return reject(
        'CENTRIC_ERR_EVENT_UNKNOWN_TYPE',
        `field "type" is ${JSON.stringify(type)}; it must be one of ${EventTypes.join(', ')}`,
        'type',
      );
    }
    if (!checkIncomingEvent.Check(raw)) return describeSchemaError(raw);

    const userId = readId(raw.userId);
    const anonymousId = readId(raw.anonymousId);
    for (const [field, value] of [['userId', userId], ['anonymousId', anonymousId]] as const) {
      if (value !== null && value.length > MAX_ID_LENGTH) {
        return reject('CENTRIC_ERR_EVENT_INVALID_FIELD', `field "${field}" is ${value.length} characters; the limit is ${MAX_ID_LENGTH}`, field);
      }
    }
    if (userId === null && anonymousId === null) {
      return reject(
        'CENTRIC_ERR_EVENT_MISSING_IDENTITY',
        'event has neither "userId" nor "anonymousId"; send at least one of them (a non-empty string)',
        'userId',
      );
    }
    const required = requiredFieldProblem(type as EventType, raw);
    if (required) return required;

    draft.type = type as EventType;
    draft.userId = userId;
    draft.anonymousId = anonymousId;
    return ok(draft);
  };
}

function readId(value: unknown): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function requiredFieldProblem(type: EventType, raw: Record<string, unknown>): StepResult<never> | null {
  switch (type) {
    case 'track':
      if (typeof raw.event !== 'string' || raw.event.trim() === '') {
        return reject('CENTRIC_ERR_EVENT_MISSING_FIELD', 'a track call needs field "event", the name of the action (a non-empty string)', 'event');
      }
      return null;
    case 'alias':
      if (readId(raw.previousId) === null) {
        return reject('CENTRIC_ERR_EVENT_MISSING_FIELD', 'an alias call needs field "previousId", the identity being aliased', 'previousId');
      }
      if (readId(raw.userId) === null) {
        return reject('CENTRIC_ERR_EVENT_MISSING_FIELD', 'an alias call needs field "userId", the new identity', 'userId');
      }
      return null;
    case 'group':
      if (readId(raw.groupId) === null) {
        return reject('CENTRIC_ERR_EVENT_MISSING_FIELD', 'a group call needs field "groupId"', 'groupId');
      }
      return null;
    default:
      return null;
  }
}

const expectedTypes: Record<string, string> = {
  messageId: 'a string of at most 200 characters',
  userId: 'a string or a number',
  anonymousId: 'a string or a number',
  previousId: 'a string or a number',
  groupId: 'a string or a number',
  event: 'a string',
  name: 'a string',
  category: 'a string',
  properties: 'an object',
  traits: 'an object',
  context: 'an object',
  integrations: 'an object',
  timestamp: 'an ISO-8601 date-time string',
  originalTimestamp: 'an ISO-8601 date-time string',
  sentAt: 'an ISO-8601 date-time string',
  channel: 'a string',
  writeKey: 'a string',
};

function describeSchemaError(raw: Record<string, unknown>): StepResult<never> {
  const first = checkIncomingEvent.Errors(raw)[0];
  const field = first ? first.instancePath.split('/')[1] ?? '' : '';
  const expected = expectedTypes[field];
  if (!expected) return reject('CENTRIC_ERR_EVENT_INVALID_FIELD', first?.message ?? 'event does not match the spec');
  return reject(
    'CENTRIC_ERR_EVENT_INVALID_FIELD',
    `field "${field}" must be ${expected}; got ${describeValue(raw[field])}`,
    field,
  );
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return `a ${typeof value}`;
}
