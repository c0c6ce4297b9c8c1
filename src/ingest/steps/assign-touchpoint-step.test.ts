import { describe, expect, it } from 'vitest';
import { createAssignTouchpointStep } from './assign-touchpoint-step.ts';
import { draftOf, testSource } from './test-drafts.ts';

const assign = createAssignTouchpointStep();

describe('assignTouchpoint', () => {
  it('uses the source defaults', () => {
    const source = { ...testSource, name: 'hotline', channel: 'phone', touchpoint: 'hotline', department: 'service' };
    const result = assign(draftOf({ type: 'track' }, { source, type: 'track' }));
    expect(result.kind === 'ok' && result.value.touchpoint).toEqual({ channel: 'phone', touchpoint: 'hotline', department: 'service' });
  });

  it('lets an event override the source in context.touchpoint, as a name or an object', () => {
    const source = { ...testSource, channel: 'store', department: 'sales' };
    const byName = assign(draftOf({ context: { touchpoint: 'store berlin-mitte' } }, { source, type: 'track' }));
    expect(byName.kind === 'ok' && byName.value.touchpoint).toEqual({ channel: 'store', touchpoint: 'store berlin-mitte', department: 'sales' });
    const byObject = assign(draftOf({ context: { touchpoint: { name: 'returns desk', channel: 'Store', department: 'complaints' } } }, { source, type: 'track' }));
    expect(byObject.kind === 'ok' && byObject.value.touchpoint).toEqual({ channel: 'store', touchpoint: 'returns desk', department: 'complaints' });
  });

  it('guesses the channel when nobody names it and names the touchpoint after the source', () => {
    const page = assign(draftOf({}, { type: 'page' }));
    expect(page.kind === 'ok' && page.value.touchpoint).toEqual({ channel: 'web', touchpoint: 'web shop', department: 'unassigned' });
    const screen = assign(draftOf({}, { type: 'screen' }));
    expect(screen.kind === 'ok' && screen.value.touchpoint?.channel).toBe('app');
  });

  it('rejects a malformed override with the field named', () => {
    const result = assign(draftOf({ context: { touchpoint: { channel: 'tele phone!' } } }, { type: 'track' }));
    expect(result).toMatchObject({ kind: 'reject', code: 'CENTRIC_ERR_EVENT_INVALID_TOUCHPOINT', field: 'context.touchpoint.channel' });
    expect(assign(draftOf({ context: { touchpoint: 7 } }, { type: 'track' }))).toMatchObject({ field: 'context.touchpoint' });
  });
});
