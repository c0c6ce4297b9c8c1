import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { basicAuth, buildTestApp } from '../../test-app.ts';

let app: FastifyInstance;
let admin: Awaited<ReturnType<typeof buildTestApp>>['admin'];
let settle: () => Promise<void>;
let writeKey: string;

beforeEach(async () => {
  ({ app, admin, settle } = await buildTestApp());
  writeKey = (await admin('POST', '/api/v1/sources', { name: 'crm', department: 'sales' })).body.writeKey;
});
afterEach(() => app.close());

async function send(url: string, payload: unknown) {
  const response = await app.inject({ method: 'POST', url, payload: payload as never, headers: { authorization: basicAuth(writeKey) } });
  await settle();
  return response;
}

async function events() {
  return (await admin('GET', '/api/v1/events')).body.items;
}

describe('failed events', () => {
  it('replays a failed event with a correction, stores it once and closes the failed event', async () => {
    await send('/v1/batch', { batch: [{ type: 'track', event: 'Lead Created', properties: { value: 100 } }] });
    const [failed] = (await admin('GET', '/api/v1/failed-events')).body.items;
    expect(failed).toMatchObject({ code: 'CENTRIC_ERR_EVENT_MISSING_IDENTITY', field: 'userId' });

    const stillBad = await admin('POST', `/api/v1/failed-events/${failed.id}/replay`);
    expect(stillBad.status).toBe(400);
    expect(stillBad.body.error.message).toContain('still refused');

    const fixed = await admin('POST', `/api/v1/failed-events/${failed.id}/replay`, { event: { ...failed.payload, userId: 'crm-7' } });
    expect(fixed.body).toMatchObject({ replayed: true, duplicate: false });
    const stored = await events();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ event: 'Lead Created', userId: 'crm-7', department: 'sales', receivedAt: failed.receivedAt });

    expect((await admin('GET', '/api/v1/failed-events')).body.items).toHaveLength(0);
    expect((await admin('GET', '/api/v1/failed-events?includeReplayed=true')).body.items[0].replayedMessageId).toBe(fixed.body.messageId);
    expect((await admin('POST', `/api/v1/failed-events/${failed.id}/replay`)).status).toBe(409);
  });

  it('keeps the implied type of a single call so the event replays as sent', async () => {
    await send('/v1/identify', { userId: 'u1', traits: { name: 'Ada' }, timestamp: 'soon' });
    const [failed] = (await admin('GET', '/api/v1/failed-events')).body.items;
    expect(failed.payload).toMatchObject({ type: 'identify', userId: 'u1' });
    const replay = await admin('POST', `/api/v1/failed-events/${failed.id}/replay`, { event: { ...failed.payload, timestamp: '2026-01-01T00:00:00Z' } });
    expect(replay.status).toBe(200);
    expect((await events())[0]).toMatchObject({ type: 'identify', timestamp: '2026-01-01T00:00:00.000Z' });
  });

  it('replays in bulk and reports those that still fail', async () => {
    await send('/v1/batch', { batch: [{ type: 'track', userId: 'u' }, { type: 'track', event: 'A' }] });
    const result = await admin('POST', '/api/v1/failed-events/replay', {});
    expect(result.body.replayed).toBe(0);
    expect(result.body.stillFailing.map((f: { code: string }) => f.code).sort()).toEqual(['CENTRIC_ERR_EVENT_MISSING_FIELD', 'CENTRIC_ERR_EVENT_MISSING_IDENTITY']);
  });

  it('answers 404 for an unknown failed event', async () => {
    expect((await admin('GET', '/api/v1/failed-events/999')).body.error.code).toBe('CENTRIC_ERR_FAILED_EVENT_NOT_FOUND');
  });
});
