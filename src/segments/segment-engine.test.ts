import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../core/event-schema.ts';
import { DAY_MS } from '../core/segments/zoned-dates.ts';
import type { StateStore } from '../stores/ports.ts';
import { PostgresStateStore } from '../stores/postgres/postgres-state-store.ts';
import { createTestDatabase, type TestDatabase } from '../stores/postgres/test-database.ts';
import { SqliteStateStore } from '../stores/sqlite/sqlite-state-store.ts';
import { SegmentEngine } from './segment-engine.ts';
import { SegmentService } from './segment-service.ts';

const T0 = Date.parse('2026-03-10T12:00:00Z');
let clock = T0;
let store: StateStore;
let engine: SegmentEngine;
let service: SegmentService;
let seq = 0;

/** The engine runs against both state stores; PostgreSQL gets a database of its own, emptied before each test. */
const engines = {
  sqlite: async (): Promise<StateStore> => new SqliteStateStore({ path: ':memory:', dedupWindowMs: 7 * DAY_MS, now: () => clock }),
  postgres: async (): Promise<StateStore> => {
    const opened = new PostgresStateStore({ connectionString: database.url, poolSize: 4, dedupWindowMs: 7 * DAY_MS, now: () => clock });
    await opened.migrate();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`TRUNCATE ${TABLES} RESTART IDENTITY`);
    await client.end();
    return opened;
  },
};
const TABLES = 'sources, events, message_ids, failed_events, profiles, identities, merges, kept_apart, settings, profile_changes, segments, computed_traits, profile_segment_state, segment_members, segment_history';
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe.each(Object.keys(engines) as Array<keyof typeof engines>)('segment engine on %s', (engineName) => {
  beforeEach(async () => {
    clock = T0;
    store = await engines[engineName]();
    await store.migrate();
    engine = new SegmentEngine(store, { workspaceIds: ['default'], now: () => clock });
    service = new SegmentService(store, 'default', engine);
  });
  afterEach(async () => {
    await store.close();
  });

  interface EventInput {
    userId?: string;
    anonymousId?: string;
    event?: string;
    type?: 'track' | 'identify';
    at?: number;
    channel?: string;
    touchpoint?: string;
    department?: string;
    properties?: Record<string, unknown>;
    traits?: Record<string, unknown>;
  }

  function event(input: EventInput): StoredEvent {
    const messageId = `m${++seq}`;
    const type = input.type ?? 'track';
    const timestamp = input.at ?? clock;
    return {
      envelopeVersion: 1,
      workspaceId: 'default',
      sourceId: 'src_test',
      messageId,
      type,
      event: type === 'track' ? input.event ?? 'Product Viewed' : null,
      userId: input.userId ?? null,
      anonymousId: input.anonymousId ?? null,
      channel: input.channel ?? 'web',
      touchpoint: input.touchpoint ?? 'web shop',
      department: input.department ?? 'sales',
      timestamp,
      originalTimestamp: null,
      sentAt: null,
      receivedAt: clock,
      warnings: [],
      payload: {
        type, messageId, ...(input.userId ? { userId: input.userId } : {}), ...(input.anonymousId ? { anonymousId: input.anonymousId } : {}),
        ...(type === 'track' ? { event: input.event ?? 'Product Viewed', properties: input.properties ?? {} } : { traits: input.traits ?? {} }),
      },
    };
  }

  async function send(...inputs: EventInput[]): Promise<void> {
    await store.appendEvents({ events: inputs.map(event), failed: [] });
    await engine.catchUp();
  }

  async function profileOf(userId: string): Promise<string> {
    const id = await store.findProfileByIdentifier('default', { type: 'user_id', value: userId });
    if (!id) throw new Error(`no profile for ${userId}`);
    return id;
  }

  async function members(segmentId: string): Promise<string[]> {
    const page = await store.listSegmentMembers({ workspaceId: 'default', segmentId, limit: 1000 });
    return page.items.map((item) => item.profileId).sort();
  }

  async function segment(name: string, condition: unknown, timeZone?: string): Promise<string> {
    const created = await service.createSegment({ name, definition: { version: 1, ...(timeZone ? { timeZone } : {}), condition } });
    await engine.catchUp();
    return created.id;
  }

  describe('segment engine: behaviour conditions', () => {
    it('counts purchases in a rolling window and lets a customer out the millisecond the window passes the older one', async () => {
      const id = await segment('Bought twice in 90 days', { kind: 'performed', event: 'Order Completed', count: { op: 'at_least', value: 2 }, window: { lastDays: 90 } });
      const first = T0;
      await send({ userId: 'ann', event: 'Order Completed', at: first });
      expect(await members(id)).toEqual([]);
      clock = T0 + 10 * DAY_MS;
      await send({ userId: 'ann', event: 'Order Completed' });
      const ann = await profileOf('ann');
      expect(await members(id)).toEqual([ann]);

      // At exactly 90 days the first purchase is still inside the window...
      clock = first + 90 * DAY_MS;
      await engine.catchUp();
      expect(await members(id)).toEqual([ann]);
      // ...one millisecond later it is not, and the scheduler (not an event) takes Ann out.
      clock = first + 90 * DAY_MS + 1;
      await engine.catchUp();
      expect(await members(id)).toEqual([]);
      const history = await store.membershipHistory({ workspaceId: 'default', segmentId: id, limit: 10 });
      expect(history.items.map((item) => [item.change, item.cause.kind])).toEqual([['exited', 'time'], ['entered', 'event']]);
    });

    it('takes time-based exits from the scheduler\'s due list, without looking at other profiles', async () => {
      const id = await segment('Active this week', { kind: 'performed', window: { lastDays: 7 } });
      // Fifty customers active long ago in the window's terms (their check falls in 7 days), one now.
      for (let n = 0; n < 50; n += 1) await store.appendEvents({ events: [event({ userId: `old${n}`, at: T0 })], failed: [] });
      await engine.catchUp();
      clock = T0 + 3 * DAY_MS;
      await send({ userId: 'recent', at: clock });
      expect((await members(id)).length).toBe(51);
      const before = engine.status().timedChecks;
      clock = T0 + 7 * DAY_MS + 1;
      await engine.catchUp();
      // Only the fifty whose week ran out were checked; the recent customer was not touched.
      expect(engine.status().timedChecks - before).toBe(50);
      expect(await members(id)).toEqual([await profileOf('recent')]);
    });

    it('finds store customers who never used the app, and lets them out when they do', async () => {
      const id = await segment('Store, never app', {
        kind: 'and',
        conditions: [
          { kind: 'performed', channel: 'store' },
          { kind: 'performed', channel: 'app', count: { op: 'exactly', value: 0 } },
        ],
      });
      await send({ userId: 'bea', event: 'Order Completed', channel: 'store', touchpoint: 'store berlin-mitte' }, { userId: 'carl', channel: 'web' });
      const bea = await profileOf('bea');
      expect(await members(id)).toEqual([bea]);
      await send({ userId: 'bea', event: 'Screen Viewed', channel: 'app', touchpoint: 'ios app' });
      expect(await members(id)).toEqual([]);
      const history = await store.membershipHistory({ workspaceId: 'default', segmentId: id, limit: 10 });
      expect(history.items[0]).toMatchObject({ change: 'exited', profileId: bea, cause: { kind: 'event' } });
    });

    it('filters on event properties and counts at most and exactly', async () => {
      const big = await segment('Two big orders exactly', { kind: 'performed', event: 'Order Completed', where: [{ property: 'revenue', op: 'gte', value: 100 }], count: { op: 'exactly', value: 2 } });
      const few = await segment('At most one order', { kind: 'performed', event: 'Order Completed', count: { op: 'at_most', value: 1 } });
      await send({ userId: 'dan', event: 'Order Completed', properties: { revenue: 150 } }, { userId: 'dan', event: 'Order Completed', properties: { revenue: 20 } });
      const dan = await profileOf('dan');
      expect(await members(big)).toEqual([]);
      expect(await members(few)).toEqual([]);
      await send({ userId: 'dan', event: 'Order Completed', properties: { revenue: 100 } });
      expect(await members(big)).toEqual([dan]);
      await send({ userId: 'dan', event: 'Order Completed', properties: { revenue: 300 } });
      expect(await members(big)).toEqual([]);
    });

    it('reads fixed dates in the segment\'s time zone: 23:30 UTC on 28 February is March in Berlin', async () => {
      const window = { from: '2026-03-01', to: '2026-04-01' };
      const berlin = await segment('Bought in March (Berlin)', { kind: 'performed', event: 'Order Completed', window }, 'Europe/Berlin');
      const utc = await segment('Bought in March (UTC)', { kind: 'performed', event: 'Order Completed', window });
      await send({ userId: 'eva', event: 'Order Completed', at: Date.parse('2026-02-28T23:30:00Z') });
      const eva = await profileOf('eva');
      expect(await members(berlin)).toEqual([eva]);
      expect(await members(utc)).toEqual([]);
      // 31 March 22:30 UTC is already April in Berlin (summer time), still March in UTC.
      await send({ userId: 'finn', event: 'Order Completed', at: Date.parse('2026-03-31T22:30:00Z') });
      const finn = await profileOf('finn');
      expect(await members(berlin)).toEqual([eva]);
      expect(await members(utc)).toEqual([finn]);
    });

    it('counts a late event by when it happened: too old for the window it is ignored there, yet counted over all time', async () => {
      const recent = await segment('Ordered in the last 30 days', { kind: 'performed', event: 'Order Completed', window: { lastDays: 30 } });
      const ever = await segment('Ever ordered', { kind: 'performed', event: 'Order Completed' });
      await send({ userId: 'gus', event: 'Order Completed', at: T0 - 45 * DAY_MS });
      const gus = await profileOf('gus');
      expect(await members(recent)).toEqual([]);
      expect(await members(ever)).toEqual([gus]);
      // Arriving now, but it happened 29 days ago: inside the window, and out again a day later.
      await send({ userId: 'gus', event: 'Order Completed', at: T0 - 29 * DAY_MS });
      expect(await members(recent)).toEqual([gus]);
      clock = T0 + DAY_MS + 1;
      await engine.catchUp();
      expect(await members(recent)).toEqual([]);
    });

    it('lets a customer in once their last purchase is more than 30 days ago', async () => {
      const id = await segment('Lapsed buyers', { kind: 'occurrence', which: 'last', event: 'Order Completed', op: 'more_than_ago', days: 30 });
      await send({ userId: 'hal', event: 'Order Completed' });
      const hal = await profileOf('hal');
      expect(await members(id)).toEqual([]);
      clock = T0 + 30 * DAY_MS + 1;
      await engine.catchUp();
      expect(await members(id)).toEqual([hal]);
      await send({ userId: 'hal', event: 'Order Completed' });
      expect(await members(id)).toEqual([]);
    });
  });

  describe('segment engine: traits, computed traits and other segments', () => {
    it('compares traits as text, numbers and relative dates', async () => {
      const vip = await segment('VIP in Berlin', {
        kind: 'and',
        conditions: [
          { kind: 'trait', trait: 'tier', op: 'in', value: ['gold', 'platinum'] },
          { kind: 'trait', trait: 'city', op: 'contains', value: 'berlin' },
          { kind: 'trait', trait: 'age', op: 'gte', value: 18 },
        ],
      });
      const newcomers = await segment('Signed up in the last 14 days', { kind: 'trait', trait: 'signedUpAt', op: 'within_last', days: 14 });
      await send(
        { userId: 'ida', type: 'identify', traits: { tier: 'gold', city: 'Berlin-Mitte', age: 31, signedUpAt: '2026-03-01' } },
        { userId: 'jon', type: 'identify', traits: { tier: 'silver', city: 'Berlin', age: 40, signedUpAt: '2025-12-01' } },
      );
      const ida = await profileOf('ida');
      expect(await members(vip)).toEqual([ida]);
      expect(await members(newcomers)).toEqual([ida]);
      // 2026-03-01 midnight UTC plus 14 days: the scheduler lets Ida out.
      clock = Date.parse('2026-03-15T00:00:00Z') + 1;
      await engine.catchUp();
      expect(await members(newcomers)).toEqual([]);
      await send({ userId: 'jon', type: 'identify', traits: { tier: 'platinum' } });
      expect(await members(vip)).toEqual([ida, await profileOf('jon')].sort());
    });

    it('keeps computed traits on the profile and uses them in segments: detractors in the last survey', async () => {
      await service.createComputedTrait({ key: 'last_nps', name: 'Last NPS score', definition: { version: 1, aggregate: 'last', event: 'Survey Answered', property: 'score' } });
      const detractors = await segment('Detractors', { kind: 'computed', key: 'last_nps', op: 'lte', value: 6 });
      await send({ userId: 'kim', event: 'Survey Answered', properties: { score: 9 }, at: T0 - 1000 }, { userId: 'kim', event: 'Survey Answered', properties: { score: 3 } });
      const kim = await profileOf('kim');
      expect(await members(detractors)).toEqual([kim]);
      expect((await service.profileComputedTraits(kim)).last_nps).toEqual({ value: 3, at: clock });
      await send({ userId: 'kim', event: 'Survey Answered', properties: { score: 10 } });
      expect(await members(detractors)).toEqual([]);
    });

    it('computes the default traits: preferred channel, lifetime value, last touchpoint and days since the last interaction', async () => {
      await service.installDefaults();
      await engine.catchUp();
      await send(
        { userId: 'lea', event: 'Order Completed', channel: 'store', touchpoint: 'store hamburg', properties: { revenue: 120.5 }, at: T0 - 3 * DAY_MS },
        { userId: 'lea', event: 'Order Completed', channel: 'store', touchpoint: 'store hamburg', properties: { revenue: 30 }, at: T0 - 2 * DAY_MS },
        { userId: 'lea', event: 'Call Started', channel: 'phone', touchpoint: 'hotline', at: T0 - 2 * DAY_MS + 1000 },
      );
      const lea = await profileOf('lea');
      const traits = await service.profileComputedTraits(lea);
      expect(Object.fromEntries(Object.entries(traits).map(([key, value]) => [key, value.value]))).toEqual({
        preferred_channel: 'store', lifetime_value: 150.5, last_touchpoint: 'hotline', days_since_last_interaction: 1,
      });
      // A day later the count of days moves on by itself.
      clock = T0 + DAY_MS;
      await engine.catchUp();
      expect((await service.profileComputedTraits(lea)).days_since_last_interaction!.value).toBe(2);
    });

    it('computes windowed averages, minimums, distinct counts and most frequent values', async () => {
      const specs = {
        avg_basket: { aggregate: 'average', property: 'revenue' },
        min_basket: { aggregate: 'min', property: 'revenue' },
        categories: { aggregate: 'distinct_count', property: 'category' },
        top_category: { aggregate: 'most_frequent', property: 'category' },
        first_category: { aggregate: 'first', property: 'category' },
        max_basket: { aggregate: 'max', property: 'revenue' },
        orders: { aggregate: 'count' },
      };
      for (const [key, spec] of Object.entries(specs)) {
        await service.createComputedTrait({ key, name: key, definition: { version: 1, event: 'Order Completed', window: { lastDays: 30 }, ...spec } });
      }
      await send(
        { userId: 'max', event: 'Order Completed', properties: { revenue: 500, category: 'tv' }, at: T0 - 40 * DAY_MS },
        { userId: 'max', event: 'Order Completed', properties: { revenue: 10, category: 'books' }, at: T0 - 5 * DAY_MS },
        { userId: 'max', event: 'Order Completed', properties: { revenue: 30, category: 'books' }, at: T0 - 4 * DAY_MS },
        { userId: 'max', event: 'Order Completed', properties: { revenue: 50, category: 'garden' }, at: T0 - 3 * DAY_MS },
      );
      const values = Object.fromEntries(Object.entries(await service.profileComputedTraits(await profileOf('max'))).map(([key, value]) => [key, value.value]));
      expect(values).toEqual({ avg_basket: 30, min_basket: 10, max_basket: 50, categories: 2, top_category: 'books', first_category: 'books', orders: 3 });
    });

    it('follows the membership of another segment', async () => {
      const buyers = await segment('Buyers', { kind: 'performed', event: 'Order Completed' });
      const browsers = await segment('Browsers who never bought', {
        kind: 'and', conditions: [{ kind: 'performed', event: 'Product Viewed' }, { kind: 'segment', segmentId: buyers, member: false }],
      });
      await send({ userId: 'ned', event: 'Product Viewed' });
      const ned = await profileOf('ned');
      expect(await members(browsers)).toEqual([ned]);
      await send({ userId: 'ned', event: 'Order Completed' });
      expect(await members(buyers)).toEqual([ned]);
      expect(await members(browsers)).toEqual([]);
    });
  });

  describe('segment engine: merges, unmerges and background computation', () => {
    it('joins two profiles\' counts on a merge and splits them again on an unmerge, with the history to show it', async () => {
      const id = await segment('Two orders', { kind: 'performed', event: 'Order Completed', count: { op: 'at_least', value: 2 } });
      await send({ anonymousId: 'anon-1', event: 'Order Completed' }, { userId: 'ola', event: 'Order Completed' });
      expect(await members(id)).toEqual([]);
      // The login ties the browser to Ola: one customer with two orders.
      await send({ userId: 'ola', anonymousId: 'anon-1', type: 'identify', traits: { name: 'Ola' } });
      const ola = await profileOf('ola');
      expect(await members(id)).toEqual([ola]);
      expect((await store.membershipHistory({ workspaceId: 'default', segmentId: id, limit: 10 })).items[0]).toMatchObject({ change: 'entered', profileId: ola, cause: { kind: 'merge' } });

      const merge = (await store.getProfile('default', ola))!.profile.merges[0]!;
      const result = await store.unmerge('default', ola, merge.id);
      await engine.catchUp();
      expect(await members(id)).toEqual([]);
      const history = await store.membershipHistory({ workspaceId: 'default', segmentId: id, limit: 10 });
      expect(history.items[0]).toMatchObject({ change: 'exited', profileId: result.survivingProfileId, cause: { kind: 'unmerge' } });
      // Each side has its own order back: one more on the browser's side makes it a member on its own.
      await send({ anonymousId: 'anon-1', event: 'Order Completed' });
      const browser = await store.findProfileByIdentifier('default', { type: 'anonymous_id', value: 'anon-1' });
      expect([result.restoredProfileId, result.survivingProfileId]).toContain(browser);
      expect(await members(id)).toEqual([browser]);
    });

    it('counts each event once when several merges into one customer wait for the same step, and along a chain of merges', async () => {
      await service.createComputedTrait({ key: 'orders', name: 'Orders', definition: { version: 1, aggregate: 'count', event: 'Order Completed' } });
      const id = await segment('Two orders', { kind: 'performed', event: 'Order Completed', count: { op: 'at_least', value: 2 } });
      await send({ userId: 'vic', event: 'Order Completed' }, { anonymousId: 'tablet', event: 'Order Completed' });
      // A browser never evaluated before, and the tablet, both join Vic before the engine looks again.
      await store.appendEvents({ events: [event({ anonymousId: 'laptop', event: 'Product Viewed' })], failed: [] });
      await store.appendEvents({ events: [event({ userId: 'vic', anonymousId: 'laptop', type: 'identify' })], failed: [] });
      await store.appendEvents({ events: [event({ userId: 'vic', anonymousId: 'tablet', type: 'identify' })], failed: [] });
      await engine.catchUp();
      const vic = await profileOf('vic');
      expect((await service.profileComputedTraits(vic)).orders?.value).toBe(2);
      expect(await members(id)).toEqual([vic]);

      // A chain: two browsers become one by an email, and that one joins an account, all in one step.
      await send({ anonymousId: 'b1', event: 'Order Completed' }, { anonymousId: 'b2', event: 'Product Viewed' }, { userId: 'wes', event: 'Product Viewed' });
      await store.appendEvents({ events: [event({ anonymousId: 'b1', type: 'identify', traits: { email: 'wes@example.com' } })], failed: [] });
      await store.appendEvents({ events: [event({ anonymousId: 'b2', type: 'identify', traits: { email: 'wes@example.com' } })], failed: [] });
      await store.appendEvents({ events: [event({ userId: 'wes', type: 'identify', traits: { email: 'wes@example.com' } })], failed: [] });
      await store.appendEvents({ events: [event({ userId: 'wes', event: 'Order Completed' })], failed: [] });
      await engine.catchUp();
      const wes = await profileOf('wes');
      expect((await store.getProfile('default', wes))!.profile.merges.filter((merge) => merge.undoneAt === null).length).toBeGreaterThanOrEqual(2);
      expect((await service.profileComputedTraits(wes)).orders?.value).toBe(2);
      expect(await members(id)).toEqual([vic, wes].sort());
    });

    it('computes a new segment over existing customers in the background, with progress to watch', async () => {
      for (let n = 0; n < 30; n += 1) {
        await store.appendEvents({ events: [event({ userId: `p${n}`, event: n % 3 === 0 ? 'Order Completed' : 'Product Viewed' })], failed: [] });
      }
      const engineSmall = new SegmentEngine(store, { workspaceIds: ['default'], now: () => clock, computationBatch: 7 });
      const serviceSmall = new SegmentService(store, 'default', engineSmall);
      await engineSmall.catchUp();
      const created = await serviceSmall.createSegment({ name: 'Buyers', definition: { version: 1, condition: { kind: 'performed', event: 'Order Completed' } } });
      expect(created.progress.status).toBe('computing');
      const seen: string[] = [];
      for (;;) {
        const outcome = await engineSmall.step();
        const progress = await serviceSmall.progress(created.id);
        seen.push(`${progress.status}:${progress.done}/${progress.total}`);
        if (outcome === 'idle') break;
      }
      expect(seen).toContain('computing:7/30');
      expect(seen[seen.length - 1]).toBe('ready:30/30');
      expect((await members(created.id)).length).toBe(10);
      const history = await store.membershipHistory({ workspaceId: 'default', segmentId: created.id, limit: 100 });
      expect(history.items.every((item) => item.change === 'entered' && item.cause.kind === 'computation')).toBe(true);
    });

    it('previews a definition without saving it', async () => {
      await send({ userId: 'pia', event: 'Order Completed' }, { userId: 'quin', event: 'Product Viewed' });
      const preview = await service.previewSegment({ version: 1, condition: { kind: 'performed', event: 'Order Completed' } }, { sample: 5, maxProfiles: 1000 });
      expect(preview).toMatchObject({ size: 1, profilesEvaluated: 2, profilesTotal: 2, estimated: false });
      expect(preview.sample.map((item) => item.profileId)).toEqual([await profileOf('pia')]);
      expect(await service.listSegments()).toEqual([]);
    });

    it('refuses a definition with the field that is wrong, and a cycle between segments', async () => {
      await expect(service.createSegment({ name: 'x', definition: { version: 1, condition: { kind: 'and', conditions: [{ kind: 'performed', count: { op: 'at_leest', value: 2 } }] } } }))
        .rejects.toMatchObject({ code: 'CENTRIC_ERR_SEGMENT_INVALID_DEFINITION', message: 'definition.condition.conditions[0].count.op: must be one of "at_least", "at_most", "exactly"' });
      await expect(service.createSegment({ name: 'x', definition: { version: 1, timeZone: 'Mars/Olympus', condition: { kind: 'performed' } } }))
        .rejects.toMatchObject({ message: expect.stringContaining('definition.timeZone') });
      await expect(service.createSegment({ name: 'x', definition: { version: 1, condition: { kind: 'trait', trait: 'age', op: 'gt', value: 'ten' } } }))
        .rejects.toMatchObject({ message: expect.stringContaining('definition.condition.value') });
      const a = await segment('A', { kind: 'performed' });
      const b = await segment('B', { kind: 'segment', segmentId: a });
      await expect(service.updateSegment(a, { definition: { version: 1, condition: { kind: 'segment', segmentId: b } } }))
        .rejects.toMatchObject({ code: 'CENTRIC_ERR_SEGMENT_INVALID_DEFINITION', message: expect.stringContaining('cycle') });
      await expect(service.deleteSegment(a)).rejects.toMatchObject({ code: 'CENTRIC_ERR_SEGMENT_IN_USE' });
    });

    it('carries on after a restart from where it committed', async () => {
      const id = await segment('Ever ordered', { kind: 'performed', event: 'Order Completed' });
      await send({ userId: 'rik', event: 'Order Completed' });
      const restarted = new SegmentEngine(store, { workspaceIds: ['default'], now: () => clock });
      await store.appendEvents({ events: [event({ userId: 'sue', event: 'Order Completed' })], failed: [] });
      await restarted.catchUp();
      expect(await members(id)).toEqual([await profileOf('rik'), await profileOf('sue')].sort());
      expect((await store.membershipHistory({ workspaceId: 'default', segmentId: id, limit: 10 })).items).toHaveLength(2);
    });
  });
});
