import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, basicAuth, buildTestApp } from '../../test-app.ts';

let app: FastifyInstance;
let admin: Awaited<ReturnType<typeof buildTestApp>>['admin'];
let settle: () => Promise<void>;
let keys: Record<string, string>;

const twiceOrMore = { version: 1, condition: { kind: 'performed', event: 'Order Completed', count: { op: 'at_least', value: 2 } } };
const lifetimeValue = { version: 1, aggregate: 'sum', event: 'Order Completed', property: 'revenue' };

async function send(source: string, batch: unknown[]) {
  const response = await app.inject({ method: 'POST', url: '/v1/batch', payload: { batch }, headers: { authorization: basicAuth(keys[source]!) } });
  expect(response.statusCode).toBe(200);
  await settle();
}

/** A customer with a name and email who orders `orders` times (revenue 10, 20, 30, ...). */
async function customer(userId: string, name: string, orders: number) {
  await send('web', [
    { type: 'identify', userId, traits: { name, email: `${userId}@example.com` } },
    ...Array.from({ length: orders }, (_, index) => ({ type: 'track', userId, event: 'Order Completed', properties: { revenue: 10 * (index + 1) } })),
  ]);
}

async function profileOf(userId: string): Promise<string> {
  return (await admin('GET', `/api/v1/profiles/lookup?type=user_id&value=${userId}`)).body.id;
}

type Member = { profileId: string; displayName: string | null; enteredAt: string };

async function allMembers(segmentId: string, limit: number): Promise<{ pages: number; members: Member[] }> {
  const members: Member[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: { status: number; body: { items: Member[]; nextCursor: string | null } } =
      await admin('GET', `/api/v1/segments/${segmentId}/members?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(page.status).toBe(200);
    members.push(...page.body.items);
    cursor = page.body.nextCursor;
    pages += 1;
  } while (cursor !== null && pages < 20);
  return { pages, members };
}

describe('segments API without a segment service', () => {
  beforeEach(async () => {
    ({ app, admin } = await buildTestApp());
  });
  afterEach(() => app.close());

  it('asks for the admin token first, then answers 503 with a coded error', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/segments' })).statusCode).toBe(401);
    const list = await admin('GET', '/api/v1/segments');
    expect(list).toMatchObject({ status: 503, body: { error: { code: 'CENTRIC_ERR_SEGMENTS_UNAVAILABLE' } } });
    expect((await admin('POST', '/api/v1/computed-traits', { key: 'ltv', name: 'LTV', definition: lifetimeValue })).status).toBe(503);
    expect((await admin('GET', '/api/v1/profiles/prf_1/segments')).body.error.code).toBe('CENTRIC_ERR_SEGMENTS_UNAVAILABLE');
  });
});

/** An app with a segment engine and one web source, for each test of the describe block that calls it. */
function withSegments() {
  beforeEach(async () => {
    ({ app, admin, settle } = await buildTestApp({ segments: true }));
    keys = { web: (await admin('POST', '/api/v1/sources', { name: 'web', channel: 'web' })).body.writeKey };
  });
  afterEach(() => app.close());
}

describe('segments API', () => {
  withSegments();

  it('fills a new segment with the customers who already qualify, keeps it current as events arrive, and pages its members', async () => {
    for (const [userId, name] of [['c-1', 'Ada'], ['c-2', 'Bob'], ['c-3', 'Cem'], ['c-4', 'Dee']]) await customer(userId!, name!, 2);
    await customer('c-9', 'Once Only', 1);

    const created = await admin('POST', '/api/v1/segments', { name: 'Repeat buyers', description: 'ordered at least twice', definition: twiceOrMore });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Repeat buyers', description: 'ordered at least twice', definition: twiceOrMore, revision: 1 });
    expect(created.body.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    await settle();

    const computed = await admin('GET', `/api/v1/segments/${created.body.id}`);
    expect(computed.body).toMatchObject({ size: 4, progress: { status: 'ready' } });
    expect((await admin('GET', `/api/v1/segments/${created.body.id}/progress`)).body).toMatchObject({ status: 'ready', finishedAt: expect.stringMatching(/Z$/) });

    // The one-time buyer orders again: the next event moves them in.
    await send('web', [{ type: 'track', userId: 'c-9', event: 'Order Completed', properties: { revenue: 5 } }]);
    await settle();
    const list = await admin('GET', '/api/v1/segments');
    expect(list.body.items.find((segment: { id: string }) => segment.id === created.body.id)).toMatchObject({ name: 'Repeat buyers', size: 5 });

    const { pages, members } = await allMembers(created.body.id, 2);
    expect(pages).toBe(3);
    expect(members.map((member) => member.displayName).sort()).toEqual(['Ada', 'Bob', 'Cem', 'Dee', 'Once Only']);
    expect(new Set(members.map((member) => member.profileId)).size).toBe(5);
    expect(members.every((member) => !Number.isNaN(Date.parse(member.enteredAt)) && member.enteredAt.endsWith('Z'))).toBe(true);
  });

  it('exports the members as CSV with quoting, named after the segment', async () => {
    await customer('c-1', 'Doe, "JD" John', 2);
    await customer('c-2', '=HYPERLINK("x")', 2);
    const { body: segment } = await admin('POST', '/api/v1/segments', { name: 'Repeat buyers', definition: twiceOrMore });
    await settle();

    const response = await app.inject({ method: 'GET', url: `/api/v1/segments/${segment.id}/members.csv`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="Repeat buyers.csv"');
    const lines = response.body.split('\r\n');
    expect(lines[0]).toBe('profile_id,display_name,email,user_id,entered_at');
    expect(lines.at(-1)).toBe('');
    const rows = lines.slice(1, -1).sort();
    expect(rows).toHaveLength(2);
    const john = rows.find((row) => row.includes('c-1@example.com'))!;
    expect(john).toMatch(new RegExp(`^${await profileOf('c-1')},"Doe, ""JD"" John",c-1@example.com,c-1,\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z$`));
    // A name a spreadsheet would run as a formula is exported as text.
    expect(rows.find((row) => row.includes('c-2@example.com'))).toContain(`,"'=HYPERLINK(""x"")",`);
  });

  it('keeps a user id or email a spreadsheet would run as a formula as text in the CSV', async () => {
    await send('web', [
      { type: 'identify', userId: '=2+3', traits: { name: 'Eve', email: '-eve@example.com' } },
      ...[1, 2].map(() => ({ type: 'track', userId: '=2+3', event: 'Order Completed', properties: { revenue: 10 } })),
    ]);
    const { body: segment } = await admin('POST', '/api/v1/segments', { name: 'Repeat buyers', definition: twiceOrMore });
    await settle();
    const response = await app.inject({ method: 'GET', url: `/api/v1/segments/${segment.id}/members.csv`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const row = response.body.split('\r\n')[1]!;
    expect(row).toMatch(new RegExp(`^${await profileOf('=2%2B3')},Eve,'-eve@example.com,'=2\\+3,\\d{4}-`));
  });

  it('names a segment with characters outside ASCII in the download both plainly and exactly', async () => {
    const { body: segment } = await admin('POST', '/api/v1/segments', { name: 'Stammkunden/Köln "A"', definition: twiceOrMore });
    await settle();
    const response = await app.inject({ method: 'GET', url: `/api/v1/segments/${segment.id}/members.csv`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.body).toBe('profile_id,display_name,email,user_id,entered_at\r\n');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="Stammkunden_K_ln _A_.csv"; filename*=UTF-8''Stammkunden%2FK%C3%B6ln%20%22A%22.csv`);
  });

  it('shows the segments a customer is in on their profile, and who entered when in the history', async () => {
    await customer('c-1', 'Ada', 2);
    await customer('c-2', 'Bob', 1);
    const { body: segment } = await admin('POST', '/api/v1/segments', { name: 'Repeat buyers', definition: twiceOrMore });
    await settle();
    await send('web', [{ type: 'track', userId: 'c-2', event: 'Order Completed', properties: { revenue: 5 } }]);
    await settle();

    const ada = await profileOf('c-1');
    const adaSegments = await admin('GET', `/api/v1/profiles/${ada}/segments`);
    expect(adaSegments.status).toBe(200);
    expect(adaSegments.body).toMatchObject({ profileId: ada, items: [{ segmentId: segment.id, name: 'Repeat buyers', enteredAt: expect.stringMatching(/Z$/) }] });
    expect((await admin('GET', '/api/v1/profiles/prf_nobody/segments')).body.error.code).toBe('CENTRIC_ERR_PROFILE_NOT_FOUND');

    const history = await admin('GET', `/api/v1/segments/${segment.id}/history?limit=1`);
    expect(history.status).toBe(200);
    expect(history.body.items).toHaveLength(1);
    // Newest first: Bob entered with his second order.
    expect(history.body.items[0]).toMatchObject({ profileId: await profileOf('c-2'), change: 'entered', cause: { kind: 'event' }, at: expect.stringMatching(/Z$/) });
    const older = await admin('GET', `/api/v1/segments/${segment.id}/history?limit=1&cursor=${history.body.nextCursor}`);
    expect(older.body.items[0]).toMatchObject({ profileId: ada, change: 'entered', cause: { kind: 'computation' } });

    const adaHistory = await admin('GET', `/api/v1/segments/history?profileId=${ada}`);
    expect(adaHistory.body.items.map((item: { segmentId: string; change: string }) => [item.segmentId, item.change])).toEqual([[segment.id, 'entered']]);
  });

  it('answers for a merged-away profile with the segments of the profile it lives on in', async () => {
    await customer('c-1', 'Ada', 2);
    await send('web', [{ type: 'page', anonymousId: 'tablet', name: 'Deals' }]);
    const tablet = (await admin('GET', '/api/v1/profiles/lookup?type=anonymous_id&value=tablet')).body.id;
    const adaBefore = await profileOf('c-1');
    const { body: segment } = await admin('POST', '/api/v1/segments', { name: 'Repeat buyers', definition: twiceOrMore });
    await settle();
    expect((await admin('GET', `/api/v1/profiles/${tablet}/segments`)).body.items).toEqual([]);

    await send('web', [{ type: 'track', event: 'Signed In', userId: 'c-1', anonymousId: 'tablet' }]);
    await settle();
    const live = await profileOf('c-1');
    // Whichever of the two was absorbed, both ids answer for the one that lives on.
    for (const id of [adaBefore, tablet]) {
      expect((await admin('GET', `/api/v1/profiles/${id}/segments`)).body).toMatchObject({ profileId: live, items: [{ segmentId: segment.id }] });
    }
  });

  it('lists its routes in the OpenAPI document, the CSV export as text/csv', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/api/v1/segments', '/api/v1/segments/{id}', '/api/v1/segments/preview', '/api/v1/segments/{id}/members', '/api/v1/segments/{id}/history',
      '/api/v1/computed-traits', '/api/v1/computed-traits/{id}', '/api/v1/profiles/{id}/segments', '/api/v1/profiles/{id}/computed-traits',
    ]));
    expect(Object.keys(doc.paths['/api/v1/segments/{id}/members.csv'].get.responses['200'].content)).toEqual(['text/csv']);
  });

  it('previews how many customers a definition would hold, saving nothing', async () => {
    await customer('c-1', 'Ada', 2);
    await customer('c-2', 'Bob', 3);
    await customer('c-3', 'Cem', 1);
    const preview = await admin('POST', '/api/v1/segments/preview', { definition: twiceOrMore, sample: 1 });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ size: 2, estimated: false, estimatedSize: 2, profilesEvaluated: 3, profilesTotal: 3 });
    expect(preview.body.sample).toHaveLength(1);
    expect(['Ada', 'Bob']).toContain(preview.body.sample[0].displayName);
    expect((await admin('GET', '/api/v1/segments')).body.items).toEqual([]);

    const bad = await admin('POST', '/api/v1/segments/preview', { definition: twiceOrMore, sample: 101 });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'CENTRIC_ERR_REQUEST_INVALID_BODY', message: expect.stringContaining('sample') } } });
  });

  it('recomputes the members when the definition changes', async () => {
    await customer('c-1', 'Ada', 2);
    await customer('c-2', 'Bob', 3);
    const { body: segment } = await admin('POST', '/api/v1/segments', { name: 'Repeat buyers', definition: twiceOrMore });
    await settle();
    const threeTimes = { version: 1, condition: { kind: 'performed', event: 'Order Completed', count: { op: 'at_least', value: 3 } } };
    const patched = await admin('PATCH', `/api/v1/segments/${segment.id}`, { name: 'Loyal buyers', description: null, definition: threeTimes });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Loyal buyers', description: null, definition: threeTimes, revision: 2 });
    await settle();
    expect((await admin('GET', `/api/v1/segments/${segment.id}`)).body).toMatchObject({ size: 1, progress: { status: 'ready' } });
    expect((await allMembers(segment.id, 50)).members.map((member) => member.displayName)).toEqual(['Bob']);
  });

  it('refuses a bad definition with the field that is wrong, a taken name, and deleting a segment another one uses', async () => {
    const noEvent = { version: 1, condition: { kind: 'performed', event: 'Order Completed', count: { op: 'at_least', value: -1 } } };
    const invalid = await admin('POST', '/api/v1/segments', { name: 'Broken', definition: noEvent });
    expect(invalid).toMatchObject({ status: 400, body: { error: { code: 'CENTRIC_ERR_SEGMENT_INVALID_DEFINITION', message: expect.stringContaining('condition.count.value') } } });
    expect((await admin('POST', '/api/v1/segments', { name: 'Broken', definition: 'everyone' })).body.error.code).toBe('CENTRIC_ERR_REQUEST_INVALID_BODY');
    expect((await admin('POST', '/api/v1/segments', { definition: twiceOrMore })).body.error.message).toBe('body field "name" is required');

    const { body: buyers } = await admin('POST', '/api/v1/segments', { name: 'Repeat buyers', definition: twiceOrMore });
    const taken = await admin('POST', '/api/v1/segments', { name: 'Repeat buyers', definition: twiceOrMore });
    expect(taken).toMatchObject({ status: 409, body: { error: { code: 'CENTRIC_ERR_SEGMENT_NAME_TAKEN' } } });

    const { body: others } = await admin('POST', '/api/v1/segments', { name: 'Not repeat buyers', definition: { version: 1, condition: { kind: 'segment', segmentId: buyers.id, member: false } } });
    const inUse = await admin('DELETE', `/api/v1/segments/${buyers.id}`);
    expect(inUse).toMatchObject({ status: 409, body: { error: { code: 'CENTRIC_ERR_SEGMENT_IN_USE' } } });
    expect((await admin('DELETE', `/api/v1/segments/${others.id}`)).status).toBe(204);
    expect((await admin('DELETE', `/api/v1/segments/${buyers.id}`)).status).toBe(204);
    expect((await admin('GET', '/api/v1/segments')).body.items).toEqual([]);
  });

  it('answers an unknown segment with 404 on every route', async () => {
    const notFound = { status: 404, body: { error: { code: 'CENTRIC_ERR_SEGMENT_NOT_FOUND' } } };
    expect(await admin('GET', '/api/v1/segments/seg_missing')).toMatchObject(notFound);
    expect(await admin('PATCH', '/api/v1/segments/seg_missing', { name: 'x' })).toMatchObject(notFound);
    expect(await admin('DELETE', '/api/v1/segments/seg_missing')).toMatchObject(notFound);
    expect(await admin('GET', '/api/v1/segments/seg_missing/members')).toMatchObject(notFound);
    expect(await admin('GET', '/api/v1/segments/seg_missing/members.csv')).toMatchObject(notFound);
    expect(await admin('GET', '/api/v1/segments/seg_missing/history')).toMatchObject(notFound);
    expect(await admin('GET', '/api/v1/segments/seg_missing/progress')).toMatchObject(notFound);
  });
});

describe('computed traits API', () => {
  withSegments();

  it('creates, lists, renames and deletes a computed trait, and shows its value on the profile', async () => {
    await customer('c-1', 'Ada', 3);
    const created = await admin('POST', '/api/v1/computed-traits', { key: 'order_revenue', name: 'Order revenue', definition: lifetimeValue });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'order_revenue', name: 'Order revenue', description: null, definition: lifetimeValue, revision: 1 });
    await settle();

    const ada = await profileOf('c-1');
    const values = await admin('GET', `/api/v1/profiles/${ada}/computed-traits`);
    expect(values.status).toBe(200);
    expect(values.body.profileId).toBe(ada);
    expect(values.body.traits.order_revenue).toMatchObject({ value: 60, at: expect.stringMatching(/Z$/) });

    await send('web', [{ type: 'track', userId: 'c-1', event: 'Order Completed', properties: { revenue: 15 } }]);
    await settle();
    expect((await admin('GET', `/api/v1/profiles/${ada}/computed-traits`)).body.traits.order_revenue.value).toBe(75);

    const renamed = await admin('PATCH', `/api/v1/computed-traits/${created.body.id}`, { name: 'Revenue from orders', description: 'all orders' });
    expect(renamed.body).toMatchObject({ key: 'order_revenue', name: 'Revenue from orders', description: 'all orders', revision: 1 });
    expect((await admin('GET', `/api/v1/computed-traits/${created.body.id}`)).body.name).toBe('Revenue from orders');
    const list = await admin('GET', '/api/v1/computed-traits');
    expect(list.body.items.map((trait: { key: string }) => trait.key)).toContain('order_revenue');

    expect((await admin('DELETE', `/api/v1/computed-traits/${created.body.id}`)).status).toBe(204);
    expect(await admin('GET', `/api/v1/computed-traits/${created.body.id}`)).toMatchObject({ status: 404, body: { error: { code: 'CENTRIC_ERR_COMPUTED_TRAIT_NOT_FOUND' } } });
    // The value the engine computed is no longer shown on the profile.
    expect((await admin('GET', `/api/v1/profiles/${ada}/computed-traits`)).body.traits).not.toHaveProperty('order_revenue');
  });

  it('refuses a bad key or definition, and deleting a computed trait a segment reads', async () => {
    const badKey = await admin('POST', '/api/v1/computed-traits', { key: 'has space', name: 'x', definition: lifetimeValue });
    expect(badKey).toMatchObject({ status: 400, body: { error: { code: 'CENTRIC_ERR_COMPUTED_TRAIT_INVALID_DEFINITION', message: expect.stringMatching(/^key: /) } } });
    const badAggregate = await admin('POST', '/api/v1/computed-traits', { key: 'x', name: 'x', definition: { ...lifetimeValue, aggregate: 'median' } });
    expect(badAggregate).toMatchObject({ status: 400, body: { error: { code: 'CENTRIC_ERR_COMPUTED_TRAIT_INVALID_DEFINITION', message: expect.stringContaining('aggregate') } } });

    const { body: trait } = await admin('POST', '/api/v1/computed-traits', { key: 'order_revenue', name: 'Order revenue', definition: lifetimeValue });
    const { body: big } = await admin('POST', '/api/v1/segments', {
      name: 'Big spenders', definition: { version: 1, condition: { kind: 'computed', key: 'order_revenue', op: 'gte', value: 100 } },
    });
    expect(await admin('DELETE', `/api/v1/computed-traits/${trait.id}`)).toMatchObject({ status: 409, body: { error: { code: 'CENTRIC_ERR_COMPUTED_TRAIT_IN_USE' } } });
    expect((await admin('DELETE', `/api/v1/segments/${big.id}`)).status).toBe(204);
    expect((await admin('DELETE', `/api/v1/computed-traits/${trait.id}`)).status).toBe(204);
  });
});
