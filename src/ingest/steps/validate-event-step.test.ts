import { describe, expect, it } from 'vitest';
import { createValidateEventStep } from './validate-event-step.ts';
import { draftOf } from './test-drafts.ts';

const validate = createValidateEventStep();

describe('validateEvent', () => {
  it('accepts a spec track call and reads its identities', () => {
    const result = validate(draftOf({ type: 'track', event: 'Order Completed', userId: 42, anonymousId: ' a-1 ' }));
    expect(result.kind).toBe('ok');
    if (result.kind === 'ok') {
      expect(result.value.type).toBe('track');
      expect(result.value.userId).toBe('42');
      expect(result.value.anonymousId).toBe('a-1');
    }
  });

  it('rejects an event without userId and anonymousId, naming both', () => {
    const result = validate(draftOf({ type: 'identify', userId: '  ', anonymousId: null, traits: { email: 'a@b.c' } }));
    expect(result).toMatchObject({ kind: 'reject', code: 'CENTRIC_ERR_EVENT_MISSING_IDENTITY', field: 'userId' });
    expect(result.kind === 'reject' && result.message).toContain('anonymousId');
  });

  it('rejects an unknown type and a missing type with the field named', () => {
    expect(validate(draftOf({ type: 'purchase', userId: 'u' }))).toMatchObject({ code: 'CENTRIC_ERR_EVENT_UNKNOWN_TYPE', field: 'type' });
    expect(validate(draftOf({ userId: 'u' }))).toMatchObject({ code: 'CENTRIC_ERR_EVENT_MISSING_FIELD', field: 'type' });
  });

  it('rejects a spec field of the wrong JSON type with what was expected and what came', () => {
    const result = validate(draftOf({ type: 'track', event: 'A', userId: 'u', properties: [1, 2] }));
    expect(result).toMatchObject({ kind: 'reject', code: 'CENTRIC_ERR_EVENT_INVALID_FIELD', field: 'properties' });
    expect(result.kind === 'reject' && result.message).toBe('field "properties" must be an object; got an array');
    expect(validate(draftOf({ type: 'page', userId: { id: 1 } }))).toMatchObject({ field: 'userId' });
    expect(validate(draftOf({ type: 'page', userId: 'u', timestamp: 1700000000 }))).toMatchObject({ field: 'timestamp' });
  });

  it('requires the fields each call type needs', () => {
    expect(validate(draftOf({ type: 'track', userId: 'u' }))).toMatchObject({ field: 'event' });
    expect(validate(draftOf({ type: 'alias', userId: 'u' }))).toMatchObject({ field: 'previousId' });
    expect(validate(draftOf({ type: 'group', userId: 'u' }))).toMatchObject({ field: 'groupId' });
    expect(validate(draftOf({ type: 'alias', userId: 'u', previousId: 'anon-1' })).kind).toBe('ok');
  });

  it('takes the type from the route for single calls', () => {
    const result = validate(draftOf({ event: 'Signed Up', userId: 'u' }, { impliedType: 'track' }));
    expect(result.kind === 'ok' && result.value.type).toBe('track');
  });

  it('rejects identities longer than 512 characters', () => {
    expect(validate(draftOf({ type: 'page', userId: 'x'.repeat(513) }))).toMatchObject({ code: 'CENTRIC_ERR_EVENT_INVALID_FIELD', field: 'userId' });
  });
});
