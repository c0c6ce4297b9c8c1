import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { basicAuth, buildTestApp } from '../../test-app.ts';

let app: FastifyInstance;
let admin: Awaited<ReturnType<typeof buildTestApp>>['admin'];

beforeEach(async () => {
  ({ app, admin } = await buildTestApp());
});
afterEach(() => app.close());

describe('management API auth', () => {
  it('requires the admin bearer token', async () => {
    const none = await app.inject({ method: 'GET', url: '/api/v1/sources' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('CENTRIC_ERR_AUTH_MISSING_TOKEN');
    const wrong = await app.inject({ method: 'GET', url: '/api/v1/sources', headers: { authorization: 'Bearer guess' } });
    expect(wrong.json().error.code).toBe('CENTRIC_ERR_AUTH_INVALID_TOKEN');
  });
});

describe('sources API', () => {
  it('creates a source with touchpoint defaults and a write key, and lists it', async () => {
    const created = await admin('POST', '/api/v1/sources', { name: 'Hotline', channel: 'Phone', touchpoint: 'hotline', department: 'service' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Hotline', channel: 'phone', touchpoint: 'hotline', department: 'service', enabled: true });
    expect(created.body.id).toMatch(/^src_/);
    expect(created.body.writeKey).toMatch(/^[0-9a-f]{32}$/);
    const list = await admin('GET', '/api/v1/sources');
    expect(list.body.items.map((s: { name: string }) => s.name)).toEqual(['Hotline']);
  });

  it('refuses a missing name, a bad channel code and a duplicate name with specific errors', async () => {
    const missing = await admin('POST', '/api/v1/sources', { channel: 'web' });
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'CENTRIC_ERR_REQUEST_INVALID_BODY', message: 'body field "name" is required' } } });
    const badChannel = await admin('POST', '/api/v1/sources', { name: 'x', channel: 'web site!' });
    expect(badChannel.body.error.message).toContain('"channel"');
    await admin('POST', '/api/v1/sources', { name: 'web' });
    expect((await admin('POST', '/api/v1/sources', { name: 'web' })).status).toBe(409);
  });

  it('rotates a write key so the old one stops working at once', async () => {
    const { body: source } = await admin('POST', '/api/v1/sources', { name: 'app' });
    const send = (key: string) =>
      app.inject({ method: 'POST', url: '/v1/track', payload: { userId: 'u', event: 'Opened' }, headers: { authorization: basicAuth(key) } });
    expect((await send(source.writeKey)).statusCode).toBe(200);
    const rotated = await admin('POST', `/api/v1/sources/${source.id}/rotate-key`);
    expect(rotated.body.writeKey).not.toBe(source.writeKey);
    expect((await send(source.writeKey)).statusCode).toBe(401);
    expect((await send(rotated.body.writeKey)).statusCode).toBe(200);
  });

  it('disables and enables a source, and edits its defaults', async () => {
    const { body: source } = await admin('POST', '/api/v1/sources', { name: 'store' });
    expect((await admin('POST', `/api/v1/sources/${source.id}/disable`)).body.enabled).toBe(false);
    expect((await admin('POST', `/api/v1/sources/${source.id}/enable`)).body.enabled).toBe(true);
    const patched = await admin('PATCH', `/api/v1/sources/${source.id}`, { channel: 'store', touchpoint: 'store berlin-mitte' });
    expect(patched.body).toMatchObject({ channel: 'store', touchpoint: 'store berlin-mitte' });
    expect((await admin('GET', '/api/v1/sources/src_missing')).status).toBe(404);
  });

  it('publishes an OpenAPI document of the routes', async () => {
    const doc = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(Object.keys(doc.json().paths)).toEqual(expect.arrayContaining(['/v1/batch', '/api/v1/sources', '/api/v1/failed-events']));
  });
});
