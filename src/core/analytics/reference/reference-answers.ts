import {
  PATH_END, type AnalyticsEvent, type ChannelTransition, type ChannelUse, type FunnelCounts, type FunnelCustomer, type FunnelCustomersQuery,
  type FunnelQuery, type GoalJourneys, type GroupKey, type PathCount, type PathQuery, type RetentionCell, type RetentionCounts, type RetentionQuery,
  type SwitchingCounts, type SwitchingQuery, type UsageCounts, type UsageQuery,
} from '../analytics-model.ts';
import { periodIndex } from '../periods.ts';
import {
  breakdownValue, currentTraits, eventsByCustomer, groupKeys, keptByFilters, keptCustomer, keyOf, matchesStep, median,
} from './reference-matching.ts';

/**
 * Straightforward answers to the analytics questions over a list of events whose `profileId` is the
 * profile each event lives on now: loops over each customer's events, no cleverness. Stores are
 * checked against these on generated data; nothing in production calls them.
 */

interface Customer {
  id: string;
  events: AnalyticsEvent[];
  traits: Record<string, unknown> | undefined;
}

function customersOf(all: readonly AnalyticsEvent[], workspaceId: string, keep: (event: AnalyticsEvent) => boolean, filters: FunnelQuery['filters']): Customer[] {
  const inWorkspace = all.filter((event) => event.workspaceId === workspaceId);
  const traits = currentTraits(inWorkspace);
  const customers: Customer[] = [];
  for (const [id, events] of eventsByCustomer(inWorkspace, keep)) {
    if (!keptCustomer(traits.get(id), filters)) continue;
    customers.push({ id, events, traits: traits.get(id) });
  }
  return customers;
}

/** One customer's best attempt at the funnel: the entry that gets furthest (the earliest of those). */
function bestAttempt(events: AnalyticsEvent[], query: FunnelQuery): { entry: AnalyticsEvent; times: number[] } | null {
  let best: { entry: AnalyticsEvent; times: number[] } | null = null;
  events.forEach((entry, index) => {
    if (entry.ts < query.range.from || entry.ts >= query.range.to || !matchesStep(entry, query.steps[0]!)) return;
    const times = [entry.ts];
    let at = index;
    for (let step = 1; step < query.steps.length; step++) {
      let next = -1;
      if (query.order === 'strict') {
        if (at + 1 < events.length && matchesStep(events[at + 1]!, query.steps[step]!)) next = at + 1;
      } else {
        for (let candidate = at + 1; candidate < events.length; candidate++) {
          if (matchesStep(events[candidate]!, query.steps[step]!)) {
            next = candidate;
            break;
          }
        }
      }
      if (next < 0 || events[next]!.ts - entry.ts > query.windowMs) break;
      times.push(events[next]!.ts);
      at = next;
    }
    if (!best || times.length > best.times.length) best = { entry, times };
  });
  return best;
}

function funnelCustomers(all: readonly AnalyticsEvent[], query: FunnelQuery) {
  const customers = customersOf(all, query.workspaceId, (event) => keptByFilters(event, query.filters) && event.ts >= query.range.from && event.ts < query.range.to + query.windowMs, query.filters);
  const attempts: Array<{ customer: Customer; entry: AnalyticsEvent; times: number[] }> = [];
  for (const customer of customers) {
    const attempt = bestAttempt(customer.events, query);
    if (attempt) attempts.push({ customer, ...attempt });
  }
  return attempts;
}

export function referenceFunnel(all: readonly AnalyticsEvent[], query: FunnelQuery): FunnelCounts[] {
  const groups = new Map<string, { key: GroupKey; reached: number[]; gaps: number[][] }>();
  for (const { customer, entry, times } of funnelCustomers(all, query)) {
    for (const key of groupKeys(query.breakdown, breakdownValue(query.breakdown, entry, customer.traits))) {
      let group = groups.get(keyOf(key));
      if (!group) groups.set(keyOf(key), (group = { key, reached: query.steps.map(() => 0), gaps: query.steps.slice(1).map(() => []) }));
      times.forEach((time, step) => {
        group!.reached[step]! += 1;
        if (step > 0) group!.gaps[step - 1]!.push(time - times[step - 1]!);
      });
    }
  }
  return [...groups.values()].map((group) => ({ ...group.key, reached: group.reached, medianGapMs: group.gaps.map(median) }));
}

export function referenceFunnelCustomers(all: readonly AnalyticsEvent[], query: FunnelCustomersQuery): FunnelCustomer[] {
  return funnelCustomers(all, query)
    .filter(({ times }) => (query.status === 'reached' ? times.length >= query.step : times.length === query.step))
    .map(({ customer, entry, times }) => ({ profileId: customer.id, stepsReached: times.length, enteredAt: entry.ts, lastStepAt: times[times.length - 1]! }))
    .filter((row) => query.after === null || row.profileId > query.after)
    .sort((a, b) => (a.profileId < b.profileId ? -1 : a.profileId > b.profileId ? 1 : 0))
    .slice(0, query.limit);
}

export function referencePaths(all: readonly AnalyticsEvent[], query: PathQuery): PathCount[] {
  const customers = customersOf(all, query.workspaceId, (event) => keptByFilters(event, query.filters) && event.ts >= query.range.from && event.ts < query.range.to, query.filters);
  const counts = new Map<string, PathCount>();
  for (const customer of customers) {
    const events = query.direction === 'after' ? customer.events : [...customer.events].reverse();
    const anchorIndex = query.anchor ? events.findIndex((event) => matchesStep(event, query.anchor!)) : 0;
    if (anchorIndex < 0) continue;
    // Collapse repeats over the whole sequence first: an anchor inside a run of its own step starts at the run.
    const runs: Array<{ label: string; first: number }> = [];
    events.forEach((event, index) => {
      const label = event[query.stepKind];
      if (runs.length === 0 || runs[runs.length - 1]!.label !== label) runs.push({ label, first: index });
    });
    let anchorRun = 0;
    runs.forEach((run, index) => {
      if (run.first <= anchorIndex) anchorRun = index;
    });
    const steps = runs.slice(anchorRun, anchorRun + query.depth + 1).map((run) => run.label);
    if (steps.length < query.depth + 1) steps.push(PATH_END);
    for (const key of groupKeys(query.breakdown, breakdownValue(query.breakdown, events[anchorIndex]!, customer.traits))) {
      const id = `${keyOf(key)}\u0001${steps.join('\u0001')}`;
      const known = counts.get(id);
      if (known) known.customers += 1;
      else counts.set(id, { ...key, steps, customers: 1 });
    }
  }
  return [...counts.values()];
}

export function referenceSwitching(all: readonly AnalyticsEvent[], query: SwitchingQuery): SwitchingCounts {
  const customers = customersOf(all, query.workspaceId, (event) => keptByFilters(event, query.filters) && event.ts >= query.range.from - query.lookbackMs && event.ts < query.range.to, query.filters);
  const transitions = new Map<string, ChannelTransition & { gaps: number[]; who: Set<string> }>();
  const channels = new Map<string, ChannelUse & { who: Set<string> }>();
  const totals = new Map<string, GroupKey & { customers: number; multiChannel: number }>();
  const goal = new Map<string, GoalJourneys>();
  for (const customer of customers) {
    const inRange = customer.events.filter((event) => event.ts >= query.range.from);
    if (inRange.length === 0) continue;
    const keys = groupKeys(query.breakdown, breakdownValue(query.breakdown, inRange[0]!, customer.traits));
    for (const key of keys) {
      const total = totals.get(keyOf(key)) ?? { ...key, customers: 0, multiChannel: 0 };
      total.customers += 1;
      if (new Set(inRange.map((event) => event.channel)).size > 1) total.multiChannel += 1;
      totals.set(keyOf(key), total);
      inRange.forEach((event, index) => {
        const use = channels.get(`${keyOf(key)}\u0001${event.channel}`) ?? { ...key, channel: event.channel, customers: 0, events: 0, who: new Set() };
        use.events += 1;
        use.who.add(customer.id);
        channels.set(`${keyOf(key)}\u0001${event.channel}`, use);
        const previous = inRange[index - 1];
        if (!previous || previous.channel === event.channel) return;
        const id = `${keyOf(key)}\u0001${previous.channel}\u0001${event.channel}`;
        const move = transitions.get(id) ?? { ...key, from: previous.channel, to: event.channel, transitions: 0, customers: 0, medianGapMs: null, gaps: [], who: new Set() };
        move.transitions += 1;
        move.gaps.push(event.ts - previous.ts);
        move.who.add(customer.id);
        transitions.set(id, move);
      });
      if (!query.goal) continue;
      const goalIndex = customer.events.findIndex((event) => event.ts >= query.range.from && matchesStep(event, query.goal!));
      if (goalIndex < 0) continue;
      const goalEvent = customer.events[goalIndex]!;
      const journey = customer.events.slice(0, goalIndex + 1).filter((event) => event.ts >= goalEvent.ts - query.lookbackMs);
      const channelCount = new Set(journey.map((event) => event.channel)).size;
      const id = `${keyOf(key)}\u0001${channelCount}`;
      const journeys = goal.get(id) ?? { ...key, channelCount, customers: 0 };
      journeys.customers += 1;
      goal.set(id, journeys);
    }
  }
  return {
    transitions: [...transitions.values()].map(({ gaps, who, ...move }) => ({ ...move, customers: who.size, medianGapMs: median(gaps) })),
    channels: [...channels.values()].map(({ who, ...use }) => ({ ...use, customers: who.size })),
    customers: [...totals.values()],
    goal: [...goal.values()],
  };
}

export function referenceUsage(all: readonly AnalyticsEvent[], query: UsageQuery): UsageCounts {
  const length = query.range.to - query.range.from;
  const customers = customersOf(all, query.workspaceId, (event) => keptByFilters(event, query.filters) && event.ts >= query.range.from - length && event.ts < query.range.to, query.filters);
  const cells = new Map<string, UsageCounts['cells'][number] & { who: Set<string> }>();
  const totals = new Map<string, UsageCounts['totals'][number] & { who: Set<string> }>();
  const active = new Map<string, UsageCounts['active'][number] & { who: Set<string> }>();
  for (const customer of customers) {
    for (const event of customer.events) {
      const current = event.ts >= query.range.from;
      for (const key of groupKeys(query.breakdown, breakdownValue(query.breakdown, event, customer.traits))) {
        const place = `${keyOf(key)}\u0001${event.touchpoint}\u0001${event.channel}`;
        const totalId = `${place}\u0001${current}`;
        const total = totals.get(totalId) ?? { ...key, touchpoint: event.touchpoint, channel: event.channel, current, interactions: 0, customers: 0, who: new Set() };
        total.interactions += 1;
        total.who.add(customer.id);
        totals.set(totalId, total);
        const activeId = `${keyOf(key)}\u0001${current}`;
        const anyone = active.get(activeId) ?? { ...key, current, customers: 0, who: new Set() };
        anyone.who.add(customer.id);
        active.set(activeId, anyone);
        if (!current) continue;
        const period = periodIndex(query.interval, event.ts);
        const cellId = `${place}\u0001${period}`;
        const cell = cells.get(cellId) ?? { ...key, touchpoint: event.touchpoint, channel: event.channel, period, interactions: 0, customers: 0, who: new Set() };
        cell.interactions += 1;
        cell.who.add(customer.id);
        cells.set(cellId, cell);
      }
    }
  }
  const count = <T extends { who: Set<string>; customers: number }>(rows: Iterable<T>) => [...rows].map(({ who, ...row }) => ({ ...row, customers: who.size }));
  return { cells: count(cells.values()), totals: count(totals.values()), active: count(active.values()) };
}

export function referenceRetention(all: readonly AnalyticsEvent[], query: RetentionQuery): RetentionCounts {
  const customers = customersOf(all, query.workspaceId, (event) => keptByFilters(event, query.filters), query.filters);
  const cells = new Map<string, RetentionCell>();
  const cohorts = new Map<string, RetentionCounts['cohorts'][number]>();
  for (const customer of customers) {
    const first = customer.events[0]!;
    if (first.ts < query.range.from || first.ts >= query.range.to) continue;
    const cohort = first[query.cohortBy];
    const start = periodIndex(query.interval, first.ts);
    const periods = new Set<number>();
    for (const event of customer.events) {
      if (query.returnStep && !matchesStep(event, query.returnStep)) continue;
      const period = periodIndex(query.interval, event.ts) - start;
      if (period <= query.periods) periods.add(period);
    }
    for (const key of groupKeys(query.breakdown, breakdownValue(query.breakdown, first, customer.traits))) {
      const cohortId = `${keyOf(key)}\u0001${cohort}`;
      const size = cohorts.get(cohortId) ?? { ...key, cohort, customers: 0 };
      size.customers += 1;
      cohorts.set(cohortId, size);
      for (const period of periods) {
        const id = `${cohortId}\u0001${period}`;
        const cell = cells.get(id) ?? { ...key, cohort, period, customers: 0 };
        cell.customers += 1;
        cells.set(id, cell);
      }
    }
  }
  return { cells: [...cells.values()], cohorts: [...cohorts.values()] };
}
