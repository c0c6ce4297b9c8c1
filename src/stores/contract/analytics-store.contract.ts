import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SinkPositionConflict, type AnalyticsStore, type SinkPosition } from '../../analytics/analytics-port.ts';
import type { AnalyticsEvent, FunnelQuery, QueryBase } from '../../core/analytics/analytics-model.ts';
import { generateHistory } from '../../core/analytics/reference/generated-history.ts';
import {
  referenceFunnel, referenceFunnelCustomers, referencePaths, referenceRetention, referenceSwitching, referenceUsage,
} from '../../core/analytics/reference/reference-answers.ts';
import type { ProfileChange } from '../ports.ts';

/** What an adapter gives the contract suite: a fresh, migrated, empty store. */
export interface AnalyticsStoreHarness {
  open(): Promise<AnalyticsStore>;
  /** Closes and opens the same storage again; absent for engines that cannot. */
  reopen?(store: AnalyticsStore): Promise<AnalyticsStore>;
  cleanup?(): Promise<void>;
}

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
/** A Monday, so day and week intervals start together. */
const T0 = Date.UTC(2026, 0, 5);
const PLACES: Record<string, { touchpoint: string; department: string }> = {
  web: { touchpoint: 'web shop', department: 'sales' },
  app: { touchpoint: 'shop app', department: 'sales' },
  store: { touchpoint: 'store berlin', department: 'sales' },
  phone: { touchpoint: 'hotline', department: 'service' },
};

function event(seq: number, profileId: string, minutes: number, name: string, channel: string, extra: Partial<AnalyticsEvent> = {}): AnalyticsEvent {
  return {
    seq, workspaceId: 'default', profileId, ts: T0 + minutes * MIN, type: 'track', event: name, channel, ...PLACES[channel]!,
    sourceId: `src_${channel}`, properties: {}, traits: null, ...extra,
  };
}

/**
 * The shop: four customers, hand-counted answers below.
 * A: views on the web, adds to cart, views again in the app at the same millisecond, buys in store at 60 min.
 * B: views in the app, calls the hotline, adds to cart on the web at 61 min (past a 60-min window), buys.
 * C: views on the web as a cookie profile (c-cookie, merged into c later), adds to cart and buys in the app,
 *    the purchase exactly 60 min after the view.
 * D: viewed the day before, adds to cart in the range.
 */
const SHOP: AnalyticsEvent[] = [
  event(1, 'a', 0, 'Product Viewed', 'web', { properties: { price: 50 }, traits: { plan: 'gold' } }),
  event(2, 'a', 10, 'Product Added', 'web'),
  event(3, 'a', 10, 'Product Viewed', 'app', { properties: { price: 50 } }),
  event(4, 'a', 60, 'Order Completed', 'store', { properties: { total: 120 } }),
  event(5, 'b', 0, 'Product Viewed', 'app', { properties: { price: 20 } }),
  event(6, 'b', 30, 'Call Started', 'phone'),
  event(7, 'b', 61, 'Product Added', 'web'),
  event(8, 'b', 70, 'Order Completed', 'web', { properties: { total: 80 } }),
  event(9, 'c-cookie', 5, 'Product Viewed', 'web', { properties: { price: 200 } }),
  event(10, 'c', 20, 'Product Added', 'app'),
  event(11, 'c', 65, 'Order Completed', 'app', { properties: { total: 200 } }),
  event(12, 'd', -60, 'Product Viewed', 'web'),
  event(13, 'd', 1, 'Product Added', 'web'),
  event(14, 'a', 2 * 24 * 60, 'Product Viewed', 'web'),
];

const mergeC: ProfileChange = { id: 1, workspaceId: 'default', kind: 'merge', profileId: 'c-cookie', intoProfileId: 'c', at: T0 };

const base = (overrides: Partial<QueryBase> = {}): QueryBase => ({
  workspaceId: 'default', range: { from: T0, to: T0 + DAY }, filters: {}, breakdown: null, ...overrides,
});

const viewCartBuy: FunnelQuery = {
  ...base(),
  steps: [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Order Completed' }],
  windowMs: 60 * MIN,
  order: 'loose',
};

/** Applies events and changes as one batch from wherever the store stands. */
async function apply(store: AnalyticsStore, events: AnalyticsEvent[], changes: ProfileChange[] = []): Promise<SinkPosition> {
  const from = await store.position();
  const to = {
    eventSeq: events.length > 0 ? Math.max(from.eventSeq, ...events.map((row) => row.seq)) : from.eventSeq,
    changeId: changes.length > 0 ? changes[changes.length - 1]!.id : from.changeId,
  };
  await store.apply({ from, to, events, changes });
  return to;
}

function totals<T extends { total: boolean }>(rows: T[]): T[] {
  return rows.filter((row) => row.total);
}

function groups<T extends { total: boolean; group: string | null }>(rows: T[]): Record<string, T> {
  return Object.fromEntries(rows.filter((row) => !row.total).map((row) => [row.group ?? '(none)', row]));
}

/** The behaviour every analytics store adapter must show; each adapter's test file calls this once. */
export function analyticsStoreContract(engine: string, harness: AnalyticsStoreHarness): void {
  describe(`analytics store contract: ${engine}`, () => {
    let store: AnalyticsStore;

    beforeEach(async () => {
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup?.();
    });

    describe('copying', () => {
      it('records the position with each batch and refuses a batch from another position, so nothing is applied twice', async () => {
        expect(await store.position()).toEqual({ eventSeq: 0, changeId: 0 });
        const batch = { from: { eventSeq: 0, changeId: 0 }, to: { eventSeq: 4, changeId: 0 }, events: SHOP.slice(0, 4), changes: [] };
        await store.apply(batch);
        expect(await store.position()).toEqual({ eventSeq: 4, changeId: 0 });
        await expect(store.apply(batch)).rejects.toBeInstanceOf(SinkPositionConflict);
        expect((await store.stats()).events).toBe(4);
      });

      it.skipIf(!harness.reopen)('keeps the copy, the aliases and the position across a restart', async () => {
        await apply(store, SHOP, [mergeC]);
        store = await harness.reopen!(store);
        expect(await store.position()).toEqual({ eventSeq: 14, changeId: 1 });
        expect(await store.stats()).toMatchObject({ events: 14, aliases: 1 });
        expect(totals(await store.funnel(viewCartBuy))[0]!.reached).toEqual([3, 2, 2]);
      });
    });

    describe('funnels', () => {
      beforeEach(async () => {
        await apply(store, SHOP, [mergeC]);
      });

      it('counts customers per step with the window measured from the entry, inclusive, and the median time between steps', async () => {
        expect(await store.funnel(viewCartBuy)).toEqual([{ total: true, group: null, reached: [3, 2, 2], medianGapMs: [12.5 * MIN, 47.5 * MIN] }]);
        // A and C both buy exactly 60 minutes after their view.
        const tighter = await store.funnel({ ...viewCartBuy, windowMs: 60 * MIN - 1 });
        expect(tighter[0]!.reached).toEqual([3, 2, 0]);
      });

      it('in strict order wants each step to be the very next event', async () => {
        const strict = await store.funnel({ ...viewCartBuy, order: 'strict' });
        expect(strict).toEqual([{ total: true, group: null, reached: [3, 2, 1], medianGapMs: [12.5 * MIN, 45 * MIN] }]);
      });

      it('orders events of the same millisecond by arrival, and a repeated step needs a second event', async () => {
        const sameMoment = await store.funnel({ ...viewCartBuy, steps: [{ event: 'Product Added' }, { event: 'Product Viewed' }], windowMs: 0 });
        expect(sameMoment[0]).toMatchObject({ reached: [4, 1], medianGapMs: [0] });
        const twice = await store.funnel({ ...viewCartBuy, steps: [{ event: 'Product Viewed' }, { event: 'Product Viewed' }, { event: 'Order Completed' }] });
        expect(twice[0]!.reached).toEqual([3, 1, 1]);
      });

      it('lets later steps fall after the range, but not the entry', async () => {
        const shortRange = await store.funnel({ ...viewCartBuy, range: { from: T0, to: T0 + 62 * MIN } });
        expect(shortRange[0]!.reached).toEqual([3, 2, 2]);
        const late = await store.funnel({ ...viewCartBuy, range: { from: T0 + 1, to: T0 + DAY } });
        expect(late[0]!.reached).toEqual([2, 1, 1]);
      });

      it('matches property filters, channel steps and event filters', async () => {
        const bigOrders = await store.funnel({ ...viewCartBuy, steps: [...viewCartBuy.steps.slice(0, 2), { event: 'Order Completed', where: [{ property: 'total', op: 'gt', value: 150 }] }] });
        expect(bigOrders[0]!.reached).toEqual([3, 2, 1]);
        const webToStore = await store.funnel({ ...viewCartBuy, steps: [{ channel: 'web' }, { channel: 'store' }] });
        expect(webToStore[0]!.reached).toEqual([4, 1]);
        const webOnly = await store.funnel({ ...viewCartBuy, filters: { channels: ['web'] } });
        expect(webOnly[0]!.reached).toEqual([2, 1, 0]);
      });

      it('breaks down by the entry event and by trait, and filters by trait', async () => {
        const byChannel = await store.funnel({ ...viewCartBuy, breakdown: { kind: 'channel' } });
        expect(totals(byChannel)[0]!.reached).toEqual([3, 2, 2]);
        expect(groups(byChannel).web!.reached).toEqual([2, 2, 2]);
        expect(groups(byChannel).app!.reached).toEqual([1, 0, 0]);
        const byPlan = await store.funnel({ ...viewCartBuy, breakdown: { kind: 'trait', trait: 'plan' } });
        expect(groups(byPlan).gold!.reached).toEqual([1, 1, 1]);
        expect(groups(byPlan)['(none)']!.reached).toEqual([2, 1, 1]);
        const gold = await store.funnel({ ...viewCartBuy, filters: { traits: [{ trait: 'plan', op: 'eq', value: 'gold' }] } });
        expect(gold[0]!.reached).toEqual([1, 1, 1]);
      });

      it('lists the customers at a step, and those who dropped there, in pages', async () => {
        const reached = await store.funnelCustomers({ ...viewCartBuy, step: 2, status: 'reached', after: null, limit: 1 });
        expect(reached).toEqual([{ profileId: 'a', stepsReached: 3, enteredAt: T0, lastStepAt: T0 + 60 * MIN }]);
        const next = await store.funnelCustomers({ ...viewCartBuy, step: 2, status: 'reached', after: 'a', limit: 5 });
        expect(next.map((row) => row.profileId)).toEqual(['c']);
        const dropped = await store.funnelCustomers({ ...viewCartBuy, step: 1, status: 'dropped', after: null, limit: 5 });
        expect(dropped).toEqual([{ profileId: 'b', stepsReached: 1, enteredAt: T0, lastStepAt: T0 }]);
      });
    });

    describe('merges and unmerges', () => {
      it('counts a merged cookie profile as its customer, and an unmerge gives its events back', async () => {
        await apply(store, SHOP);
        expect((await store.funnel(viewCartBuy))[0]!.reached).toEqual([3, 1, 1]);
        await apply(store, [], [mergeC]);
        expect((await store.funnel(viewCartBuy))[0]!.reached).toEqual([3, 2, 2]);
        await apply(store, [], [{ id: 2, workspaceId: 'default', kind: 'unmerge', profileId: 'c-cookie', fromProfileId: 'c', movedEventSeqs: [9], at: T0 }]);
        expect((await store.funnel(viewCartBuy))[0]!.reached).toEqual([3, 1, 1]);
      });

      it('follows merge chains and undoes a link in the middle, leaving behind the events that did not move', async () => {
        await apply(store, SHOP, [mergeC, { id: 2, workspaceId: 'default', kind: 'merge', profileId: 'c', intoProfileId: 'b', at: T0 }]);
        // B and C are one customer now: the entry at C's view gets furthest.
        expect((await store.funnel(viewCartBuy))[0]!.reached).toEqual([2, 2, 2]);
        await apply(store, [], [{ id: 3, workspaceId: 'default', kind: 'unmerge', profileId: 'c', fromProfileId: 'b', movedEventSeqs: [10, 11], at: T0 }]);
        // The cookie's view stayed with B (whose cart at 61 min is now 56 min after it); C has no entry any more.
        expect((await store.funnel(viewCartBuy))[0]!.reached).toEqual([2, 2, 1]);
        const customers = await store.funnelCustomers({ ...viewCartBuy, step: 1, status: 'reached', after: null, limit: 10 });
        expect(customers.map((row) => [row.profileId, row.stepsReached])).toEqual([['a', 3], ['b', 2]]);
      });

      it('answers the same after the aliases are folded into the rows', async () => {
        await apply(store, SHOP, [mergeC]);
        const before = await store.paths({ ...base(), stepKind: 'channel', anchor: null, direction: 'after', depth: 3 });
        expect((await store.stats()).aliases).toBe(1);
        expect(await store.compact()).toEqual({ rewritten: 1 });
        expect((await store.stats()).aliases).toBe(0);
        expect(sorted(await store.paths({ ...base(), stepKind: 'channel', anchor: null, direction: 'after', depth: 3 }))).toEqual(sorted(before));
        // A chain through the compacted profile still resolves, and can still be undone.
        await apply(store, [], [{ id: 2, workspaceId: 'default', kind: 'merge', profileId: 'c', intoProfileId: 'b', at: T0 }]);
        expect((await store.funnel(viewCartBuy))[0]!.reached).toEqual([2, 2, 2]);
        await apply(store, [], [{ id: 3, workspaceId: 'default', kind: 'unmerge', profileId: 'c', fromProfileId: 'b', movedEventSeqs: [9, 10, 11], at: T0 }]);
        expect((await store.funnel(viewCartBuy))[0]!.reached).toEqual([3, 2, 2]);
      });

      it('erases a customer with the profiles merged into them', async () => {
        await apply(store, SHOP, [mergeC]);
        expect(await store.erase('default', ['c'])).toBe(3);
        expect((await store.funnel(viewCartBuy))[0]!.reached).toEqual([2, 1, 1]);
        expect((await store.stats()).aliases).toBe(0);
      });
    });

    describe('paths, channel switching, usage, retention', () => {
      beforeEach(async () => {
        await apply(store, SHOP, [mergeC]);
      });

      it('gives each customer path from the first anchor, repeats folded, ended early with (end)', async () => {
        const after = await store.paths({ ...base(), stepKind: 'event', anchor: { event: 'Product Viewed' }, direction: 'after', depth: 3 });
        expect(sorted(after)).toEqual(sorted([
          { total: true, group: null, steps: ['Product Viewed', 'Call Started', 'Product Added', 'Order Completed'], customers: 1 },
          { total: true, group: null, steps: ['Product Viewed', 'Product Added', 'Order Completed', '(end)'], customers: 1 },
          { total: true, group: null, steps: ['Product Viewed', 'Product Added', 'Product Viewed', 'Order Completed'], customers: 1 },
        ]));
        const channels = await store.paths({ ...base(), stepKind: 'channel', anchor: { event: 'Product Viewed' }, direction: 'after', depth: 3, breakdown: { kind: 'channel' } });
        expect(sorted(channels.filter((row) => !row.total))).toEqual(sorted([
          { total: false, group: 'web', steps: ['web', 'app', 'store', '(end)'], customers: 1 },
          { total: false, group: 'app', steps: ['app', 'phone', 'web', '(end)'], customers: 1 },
          { total: false, group: 'web', steps: ['web', 'app', '(end)'], customers: 1 },
        ]));
      });

      it('gives the steps before the last anchor, newest first', async () => {
        const before = await store.paths({ ...base(), stepKind: 'event', anchor: { event: 'Order Completed' }, direction: 'before', depth: 2 });
        expect(sorted(before)).toEqual(sorted([
          { total: true, group: null, steps: ['Order Completed', 'Product Viewed', 'Product Added'], customers: 1 },
          { total: true, group: null, steps: ['Order Completed', 'Product Added', 'Call Started'], customers: 1 },
          { total: true, group: null, steps: ['Order Completed', 'Product Added', 'Product Viewed'], customers: 1 },
        ]));
      });

      it('counts moves between channels with the median gap, and journeys to a goal that crossed channels', async () => {
        const answer = await store.switching({ ...base(), goal: { event: 'Order Completed' }, lookbackMs: DAY });
        expect(sortBy(answer.transitions, (row) => `${row.from}>${row.to}`)).toEqual([
          { total: true, group: null, from: 'app', to: 'phone', transitions: 1, customers: 1, medianGapMs: 30 * MIN },
          { total: true, group: null, from: 'app', to: 'store', transitions: 1, customers: 1, medianGapMs: 50 * MIN },
          { total: true, group: null, from: 'phone', to: 'web', transitions: 1, customers: 1, medianGapMs: 31 * MIN },
          { total: true, group: null, from: 'web', to: 'app', transitions: 2, customers: 2, medianGapMs: 7.5 * MIN },
        ]);
        expect(answer.customers).toEqual([{ total: true, group: null, customers: 4, multiChannel: 3 }]);
        expect(sortBy(answer.channels, (row) => row.channel).map((row) => [row.channel, row.events, row.customers])).toEqual([
          ['app', 4, 3], ['phone', 1, 1], ['store', 1, 1], ['web', 6, 4],
        ]);
        expect(sortBy(answer.goal, (row) => String(row.channelCount))).toEqual([
          { total: true, group: null, channelCount: 2, customers: 1 },
          { total: true, group: null, channelCount: 3, customers: 2 },
        ]);
        const recent = await store.switching({ ...base(), goal: { event: 'Order Completed' }, lookbackMs: 15 * MIN, breakdown: { kind: 'trait', trait: 'plan' } });
        expect(sortBy(recent.goal, (row) => `${row.total}${row.group}`)).toEqual([
          { total: false, group: 'gold', channelCount: 1, customers: 1 },
          { total: false, group: null, channelCount: 1, customers: 2 },
          { total: true, group: null, channelCount: 1, customers: 3 },
        ]);
      });

      it('counts interactions and customers per touchpoint and interval, with the period before', async () => {
        const usage = await store.usage({ ...base(), interval: 'day' });
        const day = Math.floor(T0 / DAY);
        expect(sortBy(usage.cells, (row) => row.touchpoint).map((row) => [row.touchpoint, row.channel, row.period, row.interactions, row.customers])).toEqual([
          ['hotline', 'phone', day, 1, 1], ['shop app', 'app', day, 4, 3], ['store berlin', 'store', day, 1, 1], ['web shop', 'web', day, 6, 4],
        ]);
        expect(sortBy(usage.totals, (row) => `${row.touchpoint}${row.current}`).map((row) => [row.touchpoint, row.current, row.interactions, row.customers])).toEqual([
          ['hotline', true, 1, 1], ['shop app', true, 4, 3], ['store berlin', true, 1, 1], ['web shop', false, 1, 1], ['web shop', true, 6, 4],
        ]);
        expect(sortBy(usage.active, (row) => String(row.current))).toEqual([
          { total: true, group: null, current: false, customers: 1 }, { total: true, group: null, current: true, customers: 4 },
        ]);
        const byDepartment = await store.usage({ ...base(), interval: 'week', breakdown: { kind: 'department' } });
        expect(byDepartment.totals.filter((row) => !row.total && row.current).map((row) => [row.group, row.touchpoint]).sort()).toEqual([
          ['sales', 'shop app'], ['sales', 'store berlin'], ['sales', 'web shop'], ['service', 'hotline'],
        ]);
      });

      it('follows cohorts by first channel through the intervals after their first event', async () => {
        const retention = await store.retention({ ...base({ range: { from: T0 - DAY, to: T0 + DAY } }), cohortBy: 'channel', interval: 'day', periods: 2, returnStep: null });
        expect(sortBy(retention.cohorts, (row) => row.cohort)).toEqual([
          { total: true, group: null, cohort: 'app', customers: 1 }, { total: true, group: null, cohort: 'web', customers: 3 },
        ]);
        expect(sortBy(retention.cells, (row) => `${row.cohort}${row.period}`).map((row) => [row.cohort, row.period, row.customers])).toEqual([
          ['app', 0, 1], ['web', 0, 3], ['web', 1, 1], ['web', 2, 1],
        ]);
        const buyers = await store.retention({ ...base({ range: { from: T0 - DAY, to: T0 + DAY } }), cohortBy: 'touchpoint', interval: 'day', periods: 2, returnStep: { event: 'Order Completed' } });
        expect(sortBy(buyers.cells, (row) => row.cohort).map((row) => [row.cohort, row.period, row.customers])).toEqual([['shop app', 0, 1], ['web shop', 0, 2]]);
      });
    });

    it('agrees with the reference answers on generated customers, merges, unmerges and edge cases', async () => {
      const history = generateHistory(11, 160);
      for (const batch of history.batches) await apply(store, batch.events, batch.changes);
      const all = history.truth;
      const common = base({ range: history.range });
      const funnels: FunnelQuery[] = [
        { ...common, steps: [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Order Completed' }], windowMs: 60 * MIN, order: 'loose' },
        { ...common, steps: [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'Order Completed' }], windowMs: 60 * MIN, order: 'strict', breakdown: { kind: 'channel' } },
        {
          ...common, steps: [{ event: 'Product Viewed' }, { event: 'Product Viewed' }, { event: 'Order Completed', where: [{ property: 'price', op: 'gte', value: 50 }] }],
          windowMs: 2 * 60 * MIN, order: 'loose', breakdown: { kind: 'trait', trait: 'plan' },
        },
        { ...common, steps: [{ channel: 'web' }, { channel: 'phone' }, { touchpoint: 'store mitte' }], windowMs: 26 * 60 * MIN, order: 'loose', filters: { traits: [{ trait: 'plan', op: 'in', value: ['gold', 'silver'] }] } },
        { ...common, steps: [{ event: 'Product Viewed' }, { event: 'Product Added', channel: 'app' }], windowMs: 0, order: 'loose', filters: { departments: ['sales'] } },
      ];
      for (const query of funnels) {
        const expected = referenceFunnel(all, query);
        // Someone reaches the last step of each funnel, so agreeing on it means something.
        expect(expected.find((row) => row.total)!.reached.at(-1), JSON.stringify(query.steps)).toBeGreaterThan(0);
        expect(sorted(await store.funnel(query)), JSON.stringify(query.steps)).toEqual(sorted(expected));
      }
      for (const [step, status] of [[2, 'reached'], [1, 'dropped']] as const) {
        const query = { ...funnels[0]!, step, status, after: null, limit: 10_000 };
        expect(await store.funnelCustomers(query)).toEqual(referenceFunnelCustomers(all, query));
      }
      const paths = [
        { ...common, stepKind: 'event' as const, anchor: { event: 'Product Added' }, direction: 'after' as const, depth: 4, breakdown: { kind: 'channel' as const } },
        { ...common, stepKind: 'channel' as const, anchor: { event: 'Order Completed' }, direction: 'before' as const, depth: 3 },
        { ...common, stepKind: 'touchpoint' as const, anchor: null, direction: 'after' as const, depth: 2, filters: { departments: ['sales', 'service'] } },
        { ...common, stepKind: 'event' as const, anchor: null, direction: 'before' as const, depth: 3, breakdown: { kind: 'trait' as const, trait: 'city' } },
      ];
      for (const query of paths) expect(sorted(await store.paths(query)), JSON.stringify(query.anchor)).toEqual(sorted(referencePaths(all, query)));
      const switching = { ...common, goal: { event: 'Order Completed' }, lookbackMs: DAY, breakdown: { kind: 'trait' as const, trait: 'plan' } };
      expect(parts(await store.switching(switching))).toEqual(parts(referenceSwitching(all, switching)));
      const usage = [
        { ...common, interval: 'day' as const, breakdown: { kind: 'department' as const } },
        { ...common, interval: 'week' as const },
      ];
      for (const query of usage) expect(parts(await store.usage(query))).toEqual(parts(referenceUsage(all, query)));
      const retention = [
        { ...common, cohortBy: 'touchpoint' as const, interval: 'day' as const, periods: 3, returnStep: { event: 'Order Completed' } },
        { ...common, cohortBy: 'channel' as const, interval: 'week' as const, periods: 2, returnStep: null, breakdown: { kind: 'trait' as const, trait: 'plan' } },
      ];
      for (const query of retention) expect(parts(await store.retention(query))).toEqual(parts(referenceRetention(all, query)));
    });
  });
}

function sortBy<T>(rows: T[], key: (row: T) => string): T[] {
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function sorted<T>(rows: T[]): T[] {
  return sortBy(rows, (row) => JSON.stringify(row));
}

/** Each list of a multi-part answer in one order, so two stores' answers compare. */
function parts<T extends object>(answer: T): Record<string, unknown[]> {
  return Object.fromEntries(Object.entries(answer).map(([key, rows]) => [key, sorted(rows as unknown[])]));
}
