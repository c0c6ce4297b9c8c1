import { describe, expect, it } from 'vitest';
import { createCheckEventSizeStep } from './check-event-size-step.ts';
import { draftOf } from './test-drafts.ts';

describe('checkEventSize', () => {
  it('rejects an event over the limit and names the limit; accepts one at the limit', () => {
    const check = createCheckEventSizeStep({ maxEventBytes: 100 });
    const atLimit = { p: 'x'.repeat(100 - '{"p":""}'.length) };
    expect(check(draftOf(atLimit)).kind).toBe('ok');
    const result = check(draftOf({ p: 'x'.repeat(200) }));
    expect(result).toMatchObject({ kind: 'reject', code: 'CENTRIC_ERR_LIMIT_EVENT_TOO_LARGE' });
    expect(result.kind === 'reject' && result.message).toContain('the limit is 100 bytes');
  });
});
