import { deflateSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStateStore } from '../../../stores/sqlite/sqlite-state-store.ts';
import { basicAuth, buildTestApp } from '../../test-app.ts';

let app: FastifyInstance;
let store: SqliteStateStore;
let admin: Awaited<ReturnType<typeof buildTestApp>>['admin'];
let settle: () => Promise<void>;
let writeKey: string;
let sourceId: string;

beforeEach(async () => {
  ({ app, store, admin, settle } = await buildTestApp({ maxEventBytes: 2048, maxBatchBytes: 8192 }));
  const created = await admin('POST', '/api/v1/sources', { name: 'web shop', channel: 'web', department: 'marketing' });
  writeKey = created.body.writeKey;
  sourceId = created.body.id;
});
afterEach(() => app.close());

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const payload = Buffer.isBuffer(body) ? body : typeof body === 'string' ? body : JSON.stringify(body);
  const response = await app.inject({ method: 'POST', url, payload, headers: { authorization: basicAuth(writeKey), 'content-type': 'application/json', ...headers } });
  return { status: response.statusCode, body: response.json() };
}

async function storedEvents() {
  await settle();
  return (await store.listEvents({ workspaceId: 'default', limit: 100 })).items;
}

describe('tracking API authentication', () => {
  it('refuses a call without a write key, with a bad key and for a disabled source, and stores nothing', async () => {
    const event = { userId: 'u1', event: 'A' };
    const none = await app.inject({ method: 'POST', url: '/v1/track', payload: event });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('CENTRIC_ERR_AUTH_MISSING_WRITE_KEY');
    expect((await post('/v1/track', event, { authorization: basicAuth('nope') })).body.error.code).toBe('CENTRIC_ERR_AUTH_INVALID_WRITE_KEY');
    await admin('POST', `/api/v1/sources/${sourceId}/disable`);
    const disabled = await post('/v1/track', event);
    expect(disabled.status).toBe(401);
    expect(disabled.body.error.message).toContain('disabled');
    expect(await storedEvents()).toHaveLength(0);
  });

  it('accepts the write key in the body instead of Basic auth', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/identify', payload: { writeKey, userId: 'u1', traits: { name: 'Ada' } } });
    expect(response.json()).toEqual({ success: true, accepted: 1 });
    const [stored] = await storedEvents();
    expect(stored).toMatchObject({ type: 'identify', userId: 'u1', sourceId });
    expect(stored!.payload).not.toHaveProperty('writeKey');
  });
});

describe('tracking API bodies', () => {
  const batch = { batch: [{ type: 'track', event: 'Product Viewed', anonymousId: 'a1', properties: { sku: 'X' } }] };

  it('accepts gzip and deflate bodies and RudderStack\'s gzipped JSON sent as form-urlencoded', async () => {
    expect((await post('/v1/batch', gzipSync(JSON.stringify(batch)), { 'content-encoding': 'gzip' })).status).toBe(200);
    expect((await post('/v1/batch', deflateSync(JSON.stringify(batch)), { 'content-encoding': 'deflate' })).status).toBe(200);
    const rudder = await post('/v1/batch', gzipSync(JSON.stringify(batch)), {
      'content-encoding': 'gzip',
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(rudder).toEqual({ status: 200, body: { success: true, accepted: 1 } });
    expect(await storedEvents()).toHaveLength(3);
  });

  it('answers invalid JSON with 400, keeps it as a failed event and goes on serving', async () => {
    const bad = await post('/v1/batch', '{"batch": [');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('CENTRIC_ERR_REQUEST_INVALID_JSON');
    await settle();
    const failed = await admin('GET', '/api/v1/failed-events');
    expect(failed.body.items[0]).toMatchObject({ code: 'CENTRIC_ERR_REQUEST_INVALID_JSON', payload: '{"batch": [', sourceId });
    expect((await post('/v1/batch', batch)).status).toBe(200);
  });

  it('refuses a corrupt gzip body and an unknown content-encoding with their own errors', async () => {
    expect((await post('/v1/batch', Buffer.from('not gzip'), { 'content-encoding': 'gzip' })).body.error.code).toBe('CENTRIC_ERR_REQUEST_INVALID_COMPRESSION');
    const zstd = await post('/v1/batch', JSON.stringify(batch), { 'content-encoding': 'zstd' });
    expect(zstd.status).toBe(415);
    expect(zstd.body.error.message).toContain('zstd');
  });

  it('answers 413 naming the limit for a large event, a large batch and a compressed bomb', async () => {
    const big = await post('/v1/track', { userId: 'u', event: 'A', properties: { blob: 'x'.repeat(3000) } });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'CENTRIC_ERR_LIMIT_EVENT_TOO_LARGE' });
    expect(big.body.error.message).toContain('2 KB');
    const many = { batch: Array.from({ length: 100 }, (_, i) => ({ type: 'track', event: 'E', userId: `u${i}`, properties: { pad: 'y'.repeat(80) } })) };
    const bigBatch = await post('/v1/batch', many);
    expect(bigBatch.status).toBe(413);
    expect(bigBatch.body.error.message).toContain('8 KB');
    const bomb = gzipSync(JSON.stringify({ batch: [{ type: 'track', event: 'E', userId: 'u', properties: { pad: ' '.repeat(1_000_000) } }] }));
    expect(bomb.length).toBeLessThan(8192);
    const bombed = await post('/v1/batch', bomb, { 'content-encoding': 'gzip' });
    expect(bombed.status).toBe(413);
    expect(bombed.body.error.message).toContain('once decompressed');
    expect(await storedEvents()).toHaveLength(0);
  });

  it('rejects an event over the per-event limit inside a batch and keeps the others', async () => {
    const response = await post('/v1/batch', { batch: [{ type: 'track', event: 'Big', userId: 'u', properties: { p: 'z'.repeat(2100) } }, batch.batch[0]] });
    expect(response.status).toBe(200);
    expect(response.body.rejected).toEqual([{ index: 0, code: 'CENTRIC_ERR_LIMIT_EVENT_TOO_LARGE', message: expect.stringContaining('2048 bytes') }]);
  });

  it('drops __proto__ and constructor.prototype keys so they pollute nothing', async () => {
    const raw = '{"batch":[{"type":"identify","userId":"u1","traits":{"name":"Eve","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}},"__proto__":{"isAdmin":true}}]}';
    expect((await post('/v1/batch', raw)).status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    const [stored] = await storedEvents();
    expect(Object.keys(stored!.payload.traits as object)).toEqual(['name']);
    expect(Object.prototype.hasOwnProperty.call(stored!.payload, '__proto__')).toBe(false);
  });
});

describe('tracking API validation', () => {
  it('accepts the valid events of a batch and reports each invalid one by index, code and field', async () => {
    const response = await post('/v1/batch', {
      batch: [
        { type: 'track', event: 'Order Completed', userId: 'u1', properties: { revenue: 20 } },
        { type: 'track', event: 'No Identity' },
        { type: 'purchase', userId: 'u1' },
        { type: 'page', userId: 'u1', properties: 'not an object' },
        'not an event',
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.accepted).toBe(1);
    expect(response.body.rejected.map((r: { index: number; code: string; field?: string }) => [r.index, r.code, r.field])).toEqual([
      [1, 'CENTRIC_ERR_EVENT_MISSING_IDENTITY', 'userId'],
      [2, 'CENTRIC_ERR_EVENT_UNKNOWN_TYPE', 'type'],
      [3, 'CENTRIC_ERR_EVENT_INVALID_FIELD', 'properties'],
      [4, 'CENTRIC_ERR_EVENT_NOT_AN_OBJECT', undefined],
    ]);
    await settle();
    const failed = await admin('GET', `/api/v1/failed-events?sourceId=${sourceId}`);
    expect(failed.body.items).toHaveLength(4);
    expect(failed.body.items.find((item: { code: string }) => item.code === 'CENTRIC_ERR_EVENT_UNKNOWN_TYPE').payload).toEqual({ type: 'purchase', userId: 'u1' });
  });

  it('answers 400 when no event of a batch is valid, with every reason', async () => {
    const response = await post('/v1/batch', { batch: [{ type: 'track', userId: 'u' }, { type: 'identify' }] });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('CENTRIC_ERR_BATCH_NO_VALID_EVENT');
    expect(response.body.error.rejected).toHaveLength(2);
    expect((await post('/v1/batch', { batch: [] })).body.error.code).toBe('CENTRIC_ERR_LIMIT_BATCH_EMPTY');
    expect((await post('/v1/batch', { events: [] })).body.error.message).toBe('field "batch" must be an array of events');
  });

  it('answers a bad single call with its code and field', async () => {
    const response = await post('/v1/track', { anonymousId: 'a', event: 'Clicked', timestamp: 'last tuesday' });
    expect(response).toEqual({
      status: 400,
      body: { error: { code: 'CENTRIC_ERR_EVENT_INVALID_TIMESTAMP', field: 'timestamp', message: expect.stringContaining('ISO-8601') } },
    });
  });
});

describe('tracking API storage', () => {
  it('stores each event with channel, touchpoint and department from the source or the event', async () => {
    await post('/v1/batch', {
      batch: [
        { type: 'page', anonymousId: 'a1', name: 'Home' },
        { type: 'track', event: 'Call Ended', userId: 'u1', context: { touchpoint: { name: 'hotline', channel: 'phone', department: 'service' } } },
      ],
    });
    const events = await storedEvents();
    expect(events.map((e) => [e.event, e.channel, e.touchpoint, e.department])).toEqual([
      ['Call Ended', 'phone', 'hotline', 'service'],
      ['Home', 'web', 'web shop', 'marketing'],
    ]);
  });

  it('applies the batch context to each event, the event\'s own fields winning', async () => {
    await post('/v1/batch', { context: { locale: 'de-DE', ip: '1.2.3.4' }, batch: [{ type: 'track', event: 'A', userId: 'u', context: { ip: '5.6.7.8' } }] });
    expect((await storedEvents())[0]!.payload.context).toEqual({ locale: 'de-DE', ip: '5.6.7.8' });
  });

  it('acknowledges a repeated messageId without storing it twice', async () => {
    const event = { type: 'track', event: 'A', userId: 'u', messageId: 'msg-1' };
    expect((await post('/v1/batch', { batch: [event] })).body).toEqual({ success: true, accepted: 1 });
    expect(await storedEvents()).toHaveLength(1);
    expect((await post('/v1/batch', { batch: [event, event] })).body).toEqual({ success: true, accepted: 2 });
    expect(await storedEvents()).toHaveLength(1);
  });

  it('asks senders to retry with 503 while too many accepted events wait, and accepts again once they are stored', async () => {
    await app.close();
    let processor;
    ({ app, store, admin, settle, processor } = await buildTestApp({ maxBacklogEvents: 150 }));
    writeKey = (await admin('POST', '/api/v1/sources', { name: 'burst' })).body.writeKey;
    const batch = { batch: Array.from({ length: 200 }, (_, i) => ({ type: 'track', event: 'Tick', userId: `u${i}` })) };
    await processor.stop();
    expect((await post('/v1/batch', batch)).status).toBe(200);
    const refused = await post('/v1/batch', batch);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('CENTRIC_ERR_INGEST_BACKLOG');
    processor.resume();
    await settle();
    expect((await post('/v1/batch', batch)).status).toBe(200);
    await settle();
    expect(await store.countEvents('default')).toBe(400);
  });

  it('keeps event time and receive time, clamping a far-future event with a warning', async () => {
    const future = new Date(Date.now() + 48 * 3_600_000).toISOString();
    await post('/v1/track', { userId: 'u', event: 'From The Future', timestamp: future });
    const [stored] = await storedEvents();
    expect(stored!.timestamp).toBe(stored!.receivedAt);
    expect(stored!.warnings[0]).toContain('more than 23 hours');
    expect(stored!.payload.originalTimestamp).toBe(future);
  });
});
