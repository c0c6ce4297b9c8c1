import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../core/event-schema.ts';
import { compilePlan, evaluateSegment, computeTrait } from '../core/segments/segment-plan.ts';
import { buildAccumulator, emptyAccumulator, accumulate, type EventFacts, type Tracker } from '../core/segments/trackers.ts';
import { DAY_MS } from '../core/segments/zoned-dates.ts';
import { Prng } from '../demo/prng.ts';
import { SqliteStateStore } from '../stores/sqlite/sqlite-state-store.ts';
import { SegmentEngine, factsOf } from './segment-engine.ts';
import { SegmentService } from './segment-service.ts';

/**
 * The engine keeps answers current incrementally: accumulators updated event by event, merges folded,
 * unmerges rebuilt, windows expired by the scheduler. These tests check it against the plain way:
 * each profile's whole history read and evaluated from scratch at the same moment.
 */

const T0 = Date.parse('2026-05-01T00:00:00Z');

const SEGMENTS = {
  'two orders in 30 days': { kind: 'performed', event: 'Order Completed', count: { op: 'at_least', value: 2 }, window: { lastDays: 30 } },
  'no app in 7 days': { kind: 'and', conditions: [{ kind: 'performed' }, { kind: 'performed', channel: 'app', count: { op: 'exactly', value: 0 }, window: { lastDays: 7 } }] },
  'at most one call': { kind: 'performed', touchpoint: 'hotline', count: { op: 'at_most', value: 1 } },
  'last order over 10 days ago': { kind: 'occurrence', which: 'last', event: 'Order Completed', op: 'more_than_ago', days: 10 },
  'first visit in last 20 days': { kind: 'occurrence', which: 'first', op: 'within_last', days: 20 },
  'big spenders this month': { kind: 'computed', key: 'revenue_30d', op: 'gte', value: 150 },
  'pro plan, never called': { kind: 'and', conditions: [{ kind: 'trait', trait: 'plan', op: 'eq', value: 'pro' }, { kind: 'not', condition: { kind: 'performed', channel: 'phone' } }] },
  'exactly three views': { kind: 'performed', event: 'Product Viewed', count: { op: 'exactly', value: 3 }, window: { lastDays: 14 } },
} as const;

describe('segment engine agrees with evaluation from the whole history', () => {
  let clock = T0;
  let store: SqliteStateStore;

  beforeEach(async () => {
    clock = T0;
    store = new SqliteStateStore({ path: ':memory:', dedupWindowMs: 7 * DAY_MS, now: () => clock });
    await store.migrate();
  });
  afterEach(() => store.close());

  it.each([7, 8, 9])('on random histories with late events, merges, unmerges and time passing (seed %i)', async (seed) => {
    const random = new Prng(seed);
    const engine = new SegmentEngine(store, { workspaceIds: ['default'], now: () => clock });
    const service = new SegmentService(store, 'default', engine);
    await service.createComputedTrait({
      key: 'revenue_30d', name: 'Revenue in 30 days',
      definition: { version: 1, aggregate: 'sum', event: 'Order Completed', property: 'revenue', window: { lastDays: 30 } },
    });
    const ids: Record<string, string> = {};
    for (const [name, condition] of Object.entries(SEGMENTS)) ids[name] = (await service.createSegment({ name, definition: { version: 1, condition } })).id;
    ids['big spenders who lapsed'] = (await service.createSegment({
      name: 'big spenders who lapsed',
      definition: { version: 1, condition: { kind: 'and', conditions: [{ kind: 'segment', segmentId: ids['big spenders this month']! }, { kind: 'segment', segmentId: ids['last order over 10 days ago']! }] } },
    })).id;
    await engine.catchUp();

    let seq = 0;
    let unmerges = 0;
    for (let round = 0; round < 40; round += 1) {
      clock += random.int(1, 4 * 24) * 3_600_000;
      const events: StoredEvent[] = [];
      for (let n = random.int(1, 12); n > 0; n -= 1) {
        const person = random.int(0, 14);
        const known = random.chance(0.6);
        const kind = random.pick(['Order Completed', 'Product Viewed', 'Product Viewed', 'Call Started', 'identify'] as const);
        const channel = kind === 'Call Started' ? 'phone' : random.pick(['web', 'app', 'store']);
        const at = clock - (random.chance(0.2) ? random.int(0, 40) * DAY_MS : random.int(0, 3_600_000));
        const messageId = `r${++seq}`;
        const userId = known || kind === 'identify' ? `user-${person}` : null;
        const anonymousId = known && kind !== 'identify' ? null : `anon-${person}-${random.int(0, 1)}`;
        const ids = { ...(userId ? { userId } : {}), ...(anonymousId ? { anonymousId } : {}) };
        events.push({
          envelopeVersion: 1, workspaceId: 'default', sourceId: 'src', messageId,
          type: kind === 'identify' ? 'identify' : 'track', event: kind === 'identify' ? null : kind,
          // An identify carries both ids: it joins the person's browser to their account (a merge).
          userId,
          anonymousId,
          channel, touchpoint: kind === 'Call Started' ? 'hotline' : channel, department: 'sales',
          timestamp: at, originalTimestamp: null, sentAt: null, receivedAt: clock, warnings: [],
          payload: kind === 'identify'
            ? { type: 'identify', messageId, ...ids, traits: { plan: random.pick(['free', 'pro']) } }
            : { type: 'track', messageId, ...ids, event: kind, properties: { revenue: random.int(10, 120) } },
        });
      }
      await store.appendEvents({ events, failed: [] });
      if (random.chance(0.3)) {
        // Undo a merge now and then: the engine must split the counts again.
        const person = random.int(0, 14);
        const profileId = await store.findProfileByIdentifier('default', { type: 'user_id', value: `user-${person}` });
        const merge = profileId ? (await store.getProfile('default', profileId))!.profile.merges.find((record) => record.undoneAt === null) : undefined;
        if (profileId && merge) {
          await store.unmerge('default', profileId, merge.id);
          unmerges += 1;
        }
      }
      await engine.catchUp();
      if (round % 5 === 4) await expectAgreement(ids, service);
    }
    expect(unmerges).toBeGreaterThan(0);
    // Then time alone: two months in steps, only the scheduler at work.
    for (let step = 0; step < 8; step += 1) {
      clock += 7 * DAY_MS + random.int(0, DAY_MS);
      await engine.catchUp();
      await expectAgreement(ids, service);
    }
  });

  async function expectAgreement(ids: Record<string, string>, service: SegmentService): Promise<void> {
    const segments = await store.listSegments('default');
    const traits = await store.listComputedTraits('default');
    const plan = compilePlan(
      segments.map((segment) => ({ id: segment.id, definition: segment.definition as never })),
      traits.map((trait) => ({ id: trait.id, key: trait.key, definition: trait.definition as never })),
    );
    const expected = new Map<string, string[]>(Object.values(ids).map((id) => [id, []]));
    for (const profileId of await store.listLiveProfileIds('default', null, 10_000)) {
      const history: EventFacts[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listProfileEvents({ workspaceId: 'default', profileId, limit: 500, ...(cursor ? { cursor } : {}) });
        history.push(...page.items.map(factsOf));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const accumulators = Object.fromEntries([...plan.trackers.values()].map((tracker) => [tracker.key, buildAccumulator(tracker, history, clock)]));
      const computed = Object.fromEntries(plan.traits.map((trait) => [trait.key, computeTrait(trait, accumulators, clock).value]));
      const traitsNow = (await store.loadSegmentInputs([profileId]))[0]!.traits;
      const members: Record<string, number> = {};
      for (const segment of plan.segments) {
        if (evaluateSegment(segment, { traits: traitsNow, accumulators, computed, members }, clock).value) {
          members[segment.id] = clock;
          expected.get(segment.id)?.push(profileId);
        }
      }
      expect((await service.profileComputedTraits(profileId)).revenue_30d?.value ?? 0, `revenue_30d of ${profileId}`).toBe(computed.revenue_30d);
    }
    for (const [name, id] of Object.entries(ids)) {
      const page = await store.listSegmentMembers({ workspaceId: 'default', segmentId: id, limit: 10_000 });
      expect(page.items.map((item) => item.profileId).sort(), `${name} at ${new Date(clock).toISOString()}`).toEqual(expected.get(id)!.sort());
    }
  }
});

describe('trackers', () => {
  const tracker: Tracker = { key: 'k', matcher: { event: 'Order Completed' }, value: { property: 'revenue' }, range: null, horizonMs: 30 * DAY_MS };
  const facts = (seq: number, ts: number, revenue: number, event = 'Order Completed'): EventFacts => ({
    seq, messageId: `m${seq}`, ts, event, channel: 'web', touchpoint: 'web', department: 'sales', properties: { revenue }, setsTraits: false,
  });

  it('give the same accumulator event by event as built at once', () => {
    const random = new Prng(11);
    for (let run = 0; run < 50; run += 1) {
      const now = T0;
      const events = Array.from({ length: random.int(0, 30) }, (_, index) => facts(index + 1, now - random.int(0, 60) * DAY_MS + random.int(0, 3) * 1000, random.int(1, 9), random.pick(['Order Completed', 'Order Completed', 'Product Viewed'])));
      const incremental = emptyAccumulator(tracker);
      for (const event of events) if (event.event === 'Order Completed') accumulate(incremental, tracker, event, now);
      const whole = buildAccumulator(tracker, events, now);
      expect(incremental).toEqual(whole);
    }
  });
});
