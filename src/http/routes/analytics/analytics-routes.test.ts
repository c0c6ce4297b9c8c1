import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { basicAuth, buildTestApp } from '../../test-app.ts';

let app: FastifyInstance;
let admin: Awaited<ReturnType<typeof buildTestApp>>['admin'];
let settle: () => Promise<void>;
const keys: Record<string, string> = {};

async function send(source: string, batch: unknown[]) {
  const response = await app.inject({ method: 'POST', url: '/v1/batch', payload: { batch }, headers: { authorization: basicAuth(keys[source]!) } });
  expect(response.statusCode).toBe(200);
  await settle();
}

const week = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z' };
const shopFunnel = { ...week, steps: [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Order Completed', name: 'Ordered' }], window: '1h' };

describe('analytics API', () => {
  beforeEach(async () => {
    ({ app, admin, settle } = await buildTestApp({ analytics: true }));
    for (const [name, channel, touchpoint, department] of [
      ['web', 'web', 'web shop', 'sales'], ['app', 'app', 'shop app', 'sales'], ['store', 'store', 'store mitte', 'sales'], ['hotline', 'phone', 'hotline', 'service'],
    ] as const) {
      keys[name] = (await admin('POST', '/api/v1/sources', { name, channel, touchpoint, department })).body.writeKey;
    }
    // Ada adds to cart in the app as u-1 before her earlier browsing on the web (a cookie) is joined to her.
    await send('app', [{ type: 'track', event: 'Product Added', userId: 'u-1', timestamp: '2026-03-02T10:20:00Z' }]);
    await send('web', [
      { type: 'track', event: 'Product Viewed', anonymousId: 'cookie-a', properties: { price: 120 }, timestamp: '2026-03-02T10:00:00Z' },
      { type: 'identify', userId: 'u-1', anonymousId: 'cookie-a', traits: { plan: 'gold' }, timestamp: '2026-03-02T10:25:00Z' },
    ]);
    await send('store', [{ type: 'track', event: 'Order Completed', userId: 'u-1', properties: { total: 120 }, timestamp: '2026-03-02T11:00:00Z' }]);
    // Bob: app, hotline, web; and a hotline call the week before.
    await send('hotline', [{ type: 'track', event: 'Call Started', userId: 'u-2', timestamp: '2026-02-24T09:00:00Z' }]);
    await send('app', [
      { type: 'identify', userId: 'u-2', traits: { plan: 'basic' }, timestamp: '2026-03-02T09:59:00Z' },
      { type: 'track', event: 'Product Viewed', userId: 'u-2', properties: { price: 40 }, timestamp: '2026-03-02T10:00:00Z' },
    ]);
    await send('hotline', [{ type: 'track', event: 'Call Started', userId: 'u-2', timestamp: '2026-03-02T10:30:00Z' }]);
    await send('web', [{ type: 'track', event: 'Product Added', userId: 'u-2', timestamp: '2026-03-02T10:45:00Z' }]);
    // Cem only looks.
    await send('web', [{ type: 'track', event: 'Product Viewed', anonymousId: 'cookie-c', properties: { price: 15 }, timestamp: '2026-03-03T09:00:00Z' }]);
  });
  afterEach(() => app.close());

  async function profileId(userId: string): Promise<string> {
    return (await admin('GET', `/api/v1/profiles/lookup?type=user_id&value=${userId}`)).body.id;
  }

  it('answers a funnel per customer, with conversion, drop-off, median times and a breakdown by the entry channel', async () => {
    const { status, body } = await admin('POST', '/api/v1/analytics/funnels', { ...shopFunnel, breakdown: 'channel' });
    expect(status).toBe(200);
    expect(body.total.steps).toEqual([
      { step: 1, name: 'Product Viewed', customers: 3, conversionRate: 1, stepConversionRate: 1, droppedOff: 0, medianTimeFromPreviousMs: null },
      { step: 2, name: 'Product Added', customers: 2, conversionRate: 0.6667, stepConversionRate: 0.6667, droppedOff: 1, medianTimeFromPreviousMs: 32.5 * 60_000 },
      { step: 3, name: 'Ordered', customers: 1, conversionRate: 0.3333, stepConversionRate: 0.5, droppedOff: 1, medianTimeFromPreviousMs: 40 * 60_000 },
    ]);
    expect(body.breakdown).toBe('channel');
    expect(body.groups.map((group: { value: string; steps: Array<{ customers: number }> }) => [group.value, group.steps.map((step) => step.customers)])).toEqual([
      ['web', [2, 1, 1]], ['app', [1, 1, 0]],
    ]);
  });

  it('lists the customers who reached a step, and those who dropped off there', async () => {
    const reached = await admin('POST', '/api/v1/analytics/funnels/customers', { ...shopFunnel, step: 2 });
    expect(reached.body.items.map((item: { profileId: string }) => item.profileId).sort()).toEqual([await profileId('u-1'), await profileId('u-2')].sort());
    const dropped = await admin('POST', '/api/v1/analytics/funnels/customers', { ...shopFunnel, step: 2, status: 'dropped' });
    expect(dropped.body).toMatchObject({ name: 'Product Added', status: 'dropped', items: [{ profileId: await profileId('u-2'), stepsReached: 2 }], nextCursor: null });
  });

  it('answers paths as a tree for a sankey chart, broken down by a trait', async () => {
    const { status, body } = await admin('POST', '/api/v1/analytics/paths', { ...week, stepKind: 'channel', anchor: { event: 'Product Viewed' }, depth: 2, breakdown: 'trait:plan' });
    expect(status).toBe(200);
    // Ada's identify call in between is a web event: web > app > web. Bob's anchor sits in a run of app events.
    expect(body.total.nodes).toEqual([
      { id: 'web', name: 'web', depth: 0, customers: 2 },
      { id: 'web > (end)', name: '(end)', depth: 1, customers: 1 },
      { id: 'web > app', name: 'app', depth: 1, customers: 1 },
      { id: 'web > app > web', name: 'web', depth: 2, customers: 1 },
      { id: 'app', name: 'app', depth: 0, customers: 1 },
      { id: 'app > phone', name: 'phone', depth: 1, customers: 1 },
      { id: 'app > phone > web', name: 'web', depth: 2, customers: 1 },
    ]);
    expect(body.total.links).toContainEqual({ source: 'web > app', target: 'web > app > web', customers: 1 });
    expect(body.groups.map((group: { value: string | null; customers: number }) => [group.value, group.customers])).toEqual([['basic', 1], ['gold', 1], [null, 1]]);
  });

  it('answers channel switching as a matrix with gaps, and how many journeys to an order crossed channels', async () => {
    const { body } = await admin('POST', '/api/v1/analytics/channel-switching', { ...week, goal: { event: 'Order Completed' }, lookback: '1d', breakdown: 'department' });
    expect(body.total.channels.map((channel: { channel: string }) => channel.channel)).toEqual(['web', 'app', 'phone', 'store']);
    expect(body.total.transitions).toEqual([
      { from: 'app', to: 'phone', transitions: 1, customers: 1, medianGapMs: 30 * 60_000 },
      { from: 'app', to: 'web', transitions: 1, customers: 1, medianGapMs: 5 * 60_000 },
      { from: 'phone', to: 'web', transitions: 1, customers: 1, medianGapMs: 15 * 60_000 },
      { from: 'web', to: 'app', transitions: 1, customers: 1, medianGapMs: 20 * 60_000 },
      { from: 'web', to: 'store', transitions: 1, customers: 1, medianGapMs: 35 * 60_000 },
    ]);
    expect(body.total.matrix[0]).toEqual([0, 1, 0, 1]);
    expect(body.total).toMatchObject({ customers: 3, multiChannelCustomers: 2, goal: { customers: 1, crossChannel: 1, crossChannelShare: 1, byChannelCount: [{ channels: 3, customers: 1 }] } });
    expect(body.groups.map((group: { value: string }) => group.value)).toEqual(['sales']);
  });

  it('compares touchpoint usage with the week before and says which test flags a change', async () => {
    const { body } = await admin('POST', '/api/v1/analytics/touchpoint-usage', { ...week, interval: 'day', breakdown: 'department' });
    expect(body.previous).toEqual({ from: '2026-02-23T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' });
    expect(body.periods).toHaveLength(7);
    expect(body.test).toContain('Benjamini-Hochberg');
    const hotline = body.total.touchpoints.find((row: { touchpoint: string }) => row.touchpoint === 'hotline');
    expect(hotline.interactions).toMatchObject({ current: 1, previous: 1, absolute: 0, relative: 0, pValue: 1, significant: false });
    expect(hotline.series).toEqual([{ periodStart: '2026-03-02T00:00:00.000Z', interactions: 1, customers: 1 }]);
    const webShop = body.total.touchpoints.find((row: { touchpoint: string }) => row.touchpoint === 'web shop');
    expect(webShop.interactions).toMatchObject({ current: 4, previous: 0, relative: null });
    expect(body.groups.map((group: { value: string }) => group.value)).toEqual(['sales', 'service']);
  });

  it('answers retention by first channel, broken down by a trait', async () => {
    const { body } = await admin('POST', '/api/v1/analytics/retention', { ...week, interval: 'day', periods: 2, cohortBy: 'channel', breakdown: 'trait:plan' });
    expect(body.total.cohorts).toEqual([
      { cohort: 'web', customers: 2, retained: [{ period: 0, customers: 2, rate: 1 }, { period: 1, customers: 0, rate: 0 }, { period: 2, customers: 0, rate: 0 }] },
    ]);
    expect(body.groups.map((group: { value: string | null }) => group.value)).toEqual(['gold', null]);
  });

  it('reports how far the copy has come', async () => {
    const { body } = await admin('GET', '/api/v1/analytics/status');
    expect(body).toMatchObject({ engine: 'duckdb', events: 10, sink: { running: false } });
  });

  it('refuses bad questions with a specific error and changes nothing', async () => {
    const ask = async (path: string, payload: unknown) => (await admin('POST', `/api/v1/analytics/${path}`, payload)).body.error;
    expect(await ask('funnels', { ...shopFunnel, from: week.to, to: week.from })).toMatchObject({ code: 'CENTRIC_ERR_ANALYTICS_INVALID_RANGE' });
    expect(await ask('funnels', { ...shopFunnel, steps: [{ event: 'Product Viewed' }, {}] })).toMatchObject({
      code: 'CENTRIC_ERR_ANALYTICS_INVALID_STEP', message: expect.stringContaining('steps[1] matches every event'),
    });
    expect(await ask('funnels', { ...shopFunnel, steps: [{ event: 'Product Viewed', where: [{ property: 'price', op: 'gt', value: 'cheap' }] }, { event: 'Product Added' }] })).toMatchObject({
      code: 'CENTRIC_ERR_ANALYTICS_INVALID_FILTER', message: 'steps[0].where[0]: "gt" compares numbers; "cheap" is not a number',
    });
    expect(await ask('paths', { ...week, filters: { segment: 'vip' } })).toMatchObject({ code: 'CENTRIC_ERR_ANALYTICS_SEGMENTS_UNAVAILABLE' });
    expect(await ask('touchpoint-usage', { from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z', interval: 'day' })).toMatchObject({ code: 'CENTRIC_ERR_ANALYTICS_TOO_MANY_INTERVALS' });
    expect(await ask('funnels/customers', { ...shopFunnel, step: 4 })).toMatchObject({ code: 'CENTRIC_ERR_ANALYTICS_INVALID_STEP', message: 'step 4 does not exist: the funnel has 3 steps' });
    expect(await ask('funnels', { ...shopFunnel, breakdown: 'colour' })).toMatchObject({ code: 'CENTRIC_ERR_REQUEST_INVALID_BODY', message: expect.stringContaining('breakdown') });
    expect(await ask('funnels', { ...shopFunnel, window: '7 days' })).toMatchObject({ code: 'CENTRIC_ERR_REQUEST_INVALID_BODY', message: expect.stringContaining('window') });
    expect(await ask('funnels', { ...shopFunnel, steps: [{ event: 'Product Viewed' }] })).toMatchObject({ code: 'CENTRIC_ERR_REQUEST_INVALID_BODY', message: expect.stringContaining('steps') });
    expect((await admin('GET', '/api/v1/analytics/status')).status).toBe(200);
  });
});

describe('analytics API without an analytics store', () => {
  it('says no analytics store is configured', async () => {
    const test = await buildTestApp();
    const response = await test.admin('POST', '/api/v1/analytics/funnels', shopFunnel);
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('CENTRIC_ERR_ANALYTICS_UNAVAILABLE');
    await test.app.close();
  });
});
