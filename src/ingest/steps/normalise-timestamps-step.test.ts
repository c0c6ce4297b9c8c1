import { describe, expect, it } from 'vitest';
import { createNormaliseTimestampsStep } from './normalise-timestamps-step.ts';
import { draftOf } from './test-drafts.ts';

const normalise = createNormaliseTimestampsStep();
const receivedAt = Date.parse('2026-03-01T12:00:00Z');

function run(raw: Record<string, unknown>) {
  const result = normalise(draftOf(raw, { receivedAt }));
  if (result.kind !== 'ok') throw new Error(result.message);
  return result.value;
}

describe('normaliseTimestamps', () => {
  it('corrects a device clock that runs 10 minutes fast: timestamp = receivedAt - (sentAt - originalTimestamp)', () => {
    const draft = run({ originalTimestamp: '2026-03-01T12:09:55Z', sentAt: '2026-03-01T12:10:00Z' });
    expect(new Date(draft.timestamp!).toISOString()).toBe('2026-03-01T11:59:55.000Z');
    expect(new Date(draft.originalTimestamp!).toISOString()).toBe('2026-03-01T12:09:55.000Z');
  });

  it('treats a sender-set timestamp as the device time when originalTimestamp is absent (server SDKs)', () => {
    const draft = run({ timestamp: '2026-03-01T11:00:00Z', sentAt: '2026-03-01T11:00:30Z' });
    expect(new Date(draft.timestamp!).toISOString()).toBe('2026-03-01T11:59:30.000Z');
  });

  it('keeps a historical timestamp when no sentAt is given (imports)', () => {
    expect(new Date(run({ timestamp: '2024-05-01T08:00:00+02:00' }).timestamp!).toISOString()).toBe('2024-05-01T06:00:00.000Z');
  });

  it('uses the receive time when the event has no time at all', () => {
    expect(run({}).timestamp).toBe(receivedAt);
  });

  it('clamps an event more than 23 hours in the future to the receive time, with a warning', () => {
    const draft = run({ timestamp: '2026-03-02T11:00:01Z' });
    expect(draft.timestamp).toBe(receivedAt);
    expect(draft.warnings[0]).toMatch(/more than 23 hours/);
    expect(run({ timestamp: '2026-03-02T10:59:59Z' }).warnings).toEqual([]);
  });

  it('reads a time without a zone as UTC, whatever the server zone', () => {
    expect(new Date(run({ timestamp: '2026-01-31T10:00:00' }).timestamp!).toISOString()).toBe('2026-01-31T10:00:00.000Z');
  });

  it('rejects a time that is not ISO-8601, naming the field', () => {
    const result = normalise(draftOf({ sentAt: 'yesterday' }, { receivedAt }));
    expect(result).toMatchObject({ kind: 'reject', code: 'CENTRIC_ERR_EVENT_INVALID_TIMESTAMP', field: 'sentAt' });
    expect(normalise(draftOf({ timestamp: '2026-02-30T00:00:00Z' }))).toMatchObject({ kind: 'reject', field: 'timestamp' });
  });
});

describe('normaliseTimestamps for imported history', () => {
  it('keeps an exported event\'s time even when it carries the sentAt of its original sending', () => {
    const result = normalise(draftOf({ timestamp: '2024-05-01T08:00:00Z', sentAt: '2024-05-01T08:00:05Z' }, { receivedAt, historical: true }));
    expect(result.kind === 'ok' && new Date(result.value.timestamp!).toISOString()).toBe('2024-05-01T08:00:00.000Z');
  });
});
