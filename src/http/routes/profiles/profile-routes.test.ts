import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_RULES } from '../../../core/identity-rules.ts';
import { basicAuth, buildTestApp } from '../../test-app.ts';

let app: FastifyInstance;
let admin: Awaited<ReturnType<typeof buildTestApp>>['admin'];
let settle: () => Promise<void>;
let keys: Record<string, string>;

beforeEach(async () => {
  ({ app, admin, settle } = await buildTestApp());
  keys = {};
  for (const [name, channel, department] of [['web', 'web', 'marketing'], ['hotline', 'phone', 'service'], ['billing', 'letter', 'billing']]) {
    keys[name!] = (await admin('POST', '/api/v1/sources', { name, channel, department })).body.writeKey;
  }
  const rules = await admin('PUT', '/api/v1/identity/rules', { ...DEFAULT_IDENTITY_RULES, defaultCountry: 'DE' });
  expect(rules.status).toBe(200);
});
afterEach(() => app.close());

async function send(source: string, batch: unknown[]) {
  const response = await app.inject({ method: 'POST', url: '/v1/batch', payload: { batch }, headers: { authorization: basicAuth(keys[source]!) } });
  expect(response.statusCode).toBe(200);
  await settle();
}

describe('360° API', () => {
  beforeEach(async () => {
    await send('web', [
      { type: 'page', anonymousId: 'cookie-1', name: 'Home', timestamp: '2026-03-01T10:00:00Z' },
      { type: 'identify', userId: 'c-1', anonymousId: 'cookie-1', traits: { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+49 30 1234567' }, timestamp: '2026-03-01T10:05:00Z' },
    ]);
    await send('hotline', [{ type: 'track', event: 'Call Ended', anonymousId: 'call-1', context: { traits: { phone: '030 1234567' } }, timestamp: '2026-03-02T09:00:00Z' }]);
    await send('billing', [{ type: 'track', event: 'Invoice Sent', userId: 'c-1', properties: { amount: 20 }, timestamp: '2026-03-03T08:00:00Z' }]);
  });

  it('finds a customer by phone in any common format, by email in any case, and by user id', async () => {
    const byPhone = await admin('GET', `/api/v1/profiles/lookup?type=phone&value=${encodeURIComponent('+49 30 1234567')}`);
    const byNational = await admin('GET', `/api/v1/profiles/lookup?type=phone&value=${encodeURIComponent('030 1234567')}`);
    const byEmail = await admin('GET', '/api/v1/profiles/lookup?type=email&value=ADA@example.com');
    expect(byPhone.status).toBe(200);
    expect(byNational.body.id).toBe(byPhone.body.id);
    expect(byEmail.body.id).toBe(byPhone.body.id);
    expect(byPhone.body.summary).toMatchObject({ eventCount: 4, departments: { marketing: 2, service: 1, billing: 1 } });
    expect(byPhone.body.traits.name).toMatchObject({ value: 'Ada Lovelace', at: '2026-03-01T10:05:00.000Z' });
  });

  it('answers an unknown or malformed identifier with a specific error', async () => {
    expect((await admin('GET', '/api/v1/profiles/lookup?type=email&value=nobody@example.com')).body.error.code).toBe('CENTRIC_ERR_PROFILE_NOT_FOUND');
    const badPhone = await admin('GET', '/api/v1/profiles/lookup?type=phone&value=12');
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.error.message).toContain('not a valid phone number');
    expect((await admin('GET', '/api/v1/profiles/lookup?type=shoe_size&value=42')).body.error.message).toContain('not declared');
  });

  it('shows the timeline newest first, filtered by department, with cursor paging', async () => {
    const { body: profile } = await admin('GET', '/api/v1/profiles/lookup?type=user_id&value=c-1');
    const page1 = await admin('GET', `/api/v1/profiles/${profile.id}/events?limit=3`);
    expect(page1.body.items.map((e: { event: string | null }) => e.event)).toEqual(['Invoice Sent', 'Call Ended', null]);
    const page2 = await admin('GET', `/api/v1/profiles/${profile.id}/events?limit=3&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((e: { event: string | null }) => e.event)).toEqual(['Home']);
    expect(page2.body.nextCursor).toBeNull();
    const service = await admin('GET', `/api/v1/profiles/${profile.id}/events?department=service,billing&to=2026-03-03T00:00:00Z`);
    expect(service.body.items.map((e: { event: string }) => e.event)).toEqual(['Call Ended']);
    expect(service.body.items[0].identifiers).toEqual([{ type: 'anonymous_id', value: 'call-1' }, { type: 'phone', value: '+49301234567' }]);
  });

  it('searches by name, email prefix and phone typed with spaces', async () => {
    const byName = await admin('GET', '/api/v1/profiles?q=lovel');
    expect(byName.body.items[0]).toMatchObject({ displayName: 'Ada Lovelace', email: 'ada@example.com', phone: '+49301234567' });
    expect((await admin('GET', '/api/v1/profiles?q=ada@ex')).body.items).toHaveLength(1);
    const byPhone = await admin('GET', `/api/v1/profiles?q=${encodeURIComponent('030 123 4567')}`);
    expect(byPhone.body.items[0].matched).toBe('phone +49301234567');
  });

  it('answers for an absorbed profile with the surviving one, says so, and undoes the merge', async () => {
    await send('web', [{ type: 'page', anonymousId: 'tablet', name: 'Deals' }]);
    const { body: tablet } = await admin('GET', '/api/v1/profiles/lookup?type=anonymous_id&value=tablet');
    await send('web', [{ type: 'track', event: 'Signed In', userId: 'c-1', anonymousId: 'tablet' }]);
    const asked = await admin('GET', `/api/v1/profiles/${tablet.id}`);
    expect(asked.body.requestedId).toBe(tablet.id);
    expect(asked.body.id).not.toBe(tablet.id);
    expect(asked.body.note).toContain('was merged into');
    const merge = asked.body.merges.find((m: { absorbedId: string }) => m.absorbedId === tablet.id);

    const undone = await admin('POST', `/api/v1/profiles/${asked.body.id}/unmerge`, { mergeId: merge.id });
    expect(undone.body).toMatchObject({ restoredProfileId: tablet.id, movedEvents: 1 });
    const back = await admin('GET', `/api/v1/profiles/${tablet.id}`);
    expect(back.body.requestedId).toBeUndefined();
    expect(back.body.identifiers.map((i: { value: string }) => i.value)).toEqual(['tablet']);
    expect((await admin('POST', `/api/v1/profiles/${asked.body.id}/unmerge`, { mergeId: merge.id })).status).toBe(409);
    expect((await admin('POST', `/api/v1/profiles/${asked.body.id}/unmerge`, { mergeId: 999 })).status).toBe(404);
  });

  it('describes the profile, search and timeline answers in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const answer = (path: string) => doc.paths[path].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(answer('/api/v1/profiles/{id}').properties)).toEqual(expect.arrayContaining(['traits', 'identifiers', 'summary', 'merges']));
    expect(Object.keys(answer('/api/v1/profiles/lookup').properties)).toContain('requestedId');
    expect(Object.keys(answer('/api/v1/profiles').properties.items.items.properties)).toContain('matched');
    expect(Object.keys(answer('/api/v1/profiles/{id}/events').properties.items.items.properties)).toEqual(expect.arrayContaining(['payload', 'identifiers']));
  });
});

describe('identity rules API', () => {
  it('shows the rules and refuses rules without a built-in type', async () => {
    const rules = await admin('GET', '/api/v1/identity/rules');
    expect(rules.body.types.user_id).toEqual({ priority: 100, limit: 1 });
    const { user_id: _drop, ...types } = rules.body.types;
    const bad = await admin('PUT', '/api/v1/identity/rules', { ...rules.body, types });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('types.user_id');
    const badLimit = await admin('PUT', '/api/v1/identity/rules', { ...rules.body, maxIdentifiersPerProfile: 0 });
    expect(badLimit.body.error.message).toContain('maxIdentifiersPerProfile');
  });
});
