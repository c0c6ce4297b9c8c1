import {
  PATH_END, PATH_OTHER, type Breakdown, type FunnelCounts, type GroupKey, type Interval, type PathCount, type RetentionCounts,
  type StepMatcher, type SwitchingCounts, type UsageCounts,
} from './analytics-model.ts';
import { periodStart } from './periods.ts';
import { benjaminiHochberg, poissonRateTest, twoProportionZTest } from './significance.ts';

/**
 * Turns a store's raw counts into the answers the API gives: rates, drop-off, trees, matrices and
 * tests. Stores only count; everything derived is computed here, once for every engine.
 */

/** A breakdown group of an answer, largest first; groups past the limit are left out and counted. */
export interface Grouped<T> {
  total: T;
  breakdown: string | null;
  groups: Array<{ value: string | null } & T>;
  omittedGroups: number;
}

export function breakdownName(breakdown: Breakdown | null): string | null {
  if (!breakdown) return null;
  return breakdown.kind === 'trait' ? `trait:${breakdown.trait}` : breakdown.kind;
}

/** A readable name for a step: "Order Completed on store at store berlin-mitte where total > 100". */
export function stepName(step: StepMatcher): string {
  const parts: string[] = [];
  if (step.event !== undefined) parts.push(step.event);
  if (step.channel !== undefined) parts.push(step.event === undefined && step.touchpoint === undefined ? `channel ${step.channel}` : `on ${step.channel}`);
  if (step.touchpoint !== undefined) parts.push(step.event === undefined ? `touchpoint ${step.touchpoint}` : `at ${step.touchpoint}`);
  if (step.department !== undefined) parts.push(`in ${step.department}`);
  for (const filter of step.where ?? []) {
    const symbol = { eq: '=', neq: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=', in: 'in', not_in: 'not in', contains: 'contains', exists: 'exists', not_exists: 'does not exist' }[filter.op];
    const value = filter.value === undefined ? '' : ` ${Array.isArray(filter.value) ? `[${filter.value.join(', ')}]` : String(filter.value)}`;
    parts.push(`where ${filter.property} ${symbol}${value}`);
  }
  return parts.join(' ');
}

function groupAnswers<R extends GroupKey, T>(rows: R[], breakdown: Breakdown | null, limit: number, build: (rows: R[]) => T, size: (answer: T) => number): Grouped<T> {
  const total = build(rows.filter((row) => row.total));
  const byGroup = new Map<string | null, R[]>();
  for (const row of rows) {
    if (row.total) continue;
    const list = byGroup.get(row.group);
    if (list) list.push(row);
    else byGroup.set(row.group, [row]);
  }
  const groups = [...byGroup].map(([value, list]) => ({ value, ...build(list) }));
  groups.sort((a, b) => size(b) - size(a) || compareText(a.value, b.value));
  return { total, breakdown: breakdownName(breakdown), groups: groups.slice(0, limit), omittedGroups: Math.max(0, groups.length - limit) };
}

function compareText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
}

/** One step of a funnel as the API shows it. */
export interface FunnelStepAnswer {
  step: number;
  name: string;
  customers: number;
  /** Share of the customers who entered the funnel. */
  conversionRate: number;
  /** Share of the customers at the previous step. */
  stepConversionRate: number;
  /** Customers at the previous step who did not get here. */
  droppedOff: number;
  medianTimeFromPreviousMs: number | null;
}

export function funnelAnswer(counts: FunnelCounts[], steps: StepMatcher[], names: Array<string | undefined>, breakdown: Breakdown | null, limit: number) {
  const build = (rows: FunnelCounts[]) => {
    const reached = rows[0]?.reached ?? steps.map(() => 0);
    return {
      steps: steps.map((step, index): FunnelStepAnswer => ({
        step: index + 1,
        name: names[index] ?? stepName(step),
        customers: reached[index]!,
        conversionRate: rate(reached[index]!, reached[0]!),
        stepConversionRate: index === 0 ? (reached[0]! > 0 ? 1 : 0) : rate(reached[index]!, reached[index - 1]!),
        droppedOff: index === 0 ? 0 : reached[index - 1]! - reached[index]!,
        medianTimeFromPreviousMs: index === 0 ? null : (rows[0]?.medianGapMs[index - 1] ?? null),
      })),
    };
  };
  return groupAnswers(counts, breakdown, limit, build, (answer) => answer.steps[0]!.customers);
}

/** A node of the path tree: a step at a depth, reached by `customers`. */
export interface PathNode {
  /** Unique in the tree: the steps from the root, joined by " > ". */
  id: string;
  name: string;
  depth: number;
  customers: number;
}

/** The path tree as nodes and links, the shape sankey charts take. */
export interface PathTree {
  customers: number;
  nodes: PathNode[];
  links: Array<{ source: string; target: string; customers: number }>;
}

interface Trie {
  customers: number;
  children: Map<string, Trie>;
}

/**
 * The tree of paths for a sankey chart: at every node the `branches` largest next steps, the rest
 * folded into "(other)"; "(end)" where customers had no further step. Ties go alphabetically.
 */
export function pathTree(counts: PathCount[], branches: number): PathTree {
  const root: Trie = { customers: 0, children: new Map() };
  for (const count of counts) {
    root.customers += count.customers;
    let node = root;
    for (const step of count.steps) {
      let child = node.children.get(step);
      if (!child) node.children.set(step, (child = { customers: 0, children: new Map() }));
      child.customers += count.customers;
      node = child;
    }
  }
  const tree: PathTree = { customers: root.customers, nodes: [], links: [] };
  const walk = (node: Trie, id: string | null, depth: number) => {
    const children = [...node.children].sort(([a, x], [b, y]) => y.customers - x.customers || (a < b ? -1 : a > b ? 1 : 0));
    const kept = children.slice(0, branches);
    const folded = children.slice(branches).reduce((sum, [, child]) => sum + child.customers, 0);
    const add = (name: string, customers: number) => {
      const childId = id === null ? name : `${id} > ${name}`;
      tree.nodes.push({ id: childId, name, depth, customers });
      if (id !== null) tree.links.push({ source: id, target: childId, customers });
      return childId;
    };
    for (const [name, child] of kept) {
      const childId = add(name, child.customers);
      if (name !== PATH_END) walk(child, childId, depth + 1);
    }
    if (folded > 0) add(PATH_OTHER, folded);
  };
  walk(root, null, 0);
  return tree;
}

export function pathsAnswer(counts: PathCount[], breakdown: Breakdown | null, branches: number, limit: number) {
  return groupAnswers(counts, breakdown, limit, (rows) => pathTree(rows, branches), (answer) => answer.customers);
}

export function switchingAnswer(counts: SwitchingCounts, breakdown: Breakdown | null, limit: number) {
  type Row = GroupKey & { part: 'transition' | 'channel' | 'customers' | 'goal'; row: unknown };
  const rows: Row[] = [
    ...counts.transitions.map((row) => ({ total: row.total, group: row.group, part: 'transition' as const, row })),
    ...counts.channels.map((row) => ({ total: row.total, group: row.group, part: 'channel' as const, row })),
    ...counts.customers.map((row) => ({ total: row.total, group: row.group, part: 'customers' as const, row })),
    ...counts.goal.map((row) => ({ total: row.total, group: row.group, part: 'goal' as const, row })),
  ];
  const build = (group: Row[]) => {
    const of = <T>(part: Row['part']) => group.filter((row) => row.part === part).map((row) => row.row as T);
    const customers = of<SwitchingCounts['customers'][number]>('customers')[0] ?? { customers: 0, multiChannel: 0 };
    const channels = of<SwitchingCounts['channels'][number]>('channel')
      .map(({ channel, customers: n, events }) => ({ channel, customers: n, events }))
      .sort((a, b) => b.customers - a.customers || compareText(a.channel, b.channel));
    const transitions = of<SwitchingCounts['transitions'][number]>('transition')
      .map(({ from, to, transitions: n, customers: who, medianGapMs }) => ({ from, to, transitions: n, customers: who, medianGapMs }))
      .sort((a, b) => b.transitions - a.transitions || compareText(a.from, b.from) || compareText(a.to, b.to));
    const journeys = of<SwitchingCounts['goal'][number]>('goal').sort((a, b) => a.channelCount - b.channelCount);
    const goalCustomers = journeys.reduce((sum, row) => sum + row.customers, 0);
    const crossChannel = journeys.filter((row) => row.channelCount > 1).reduce((sum, row) => sum + row.customers, 0);
    return {
      customers: customers.customers,
      multiChannelCustomers: customers.multiChannel,
      multiChannelShare: rate(customers.multiChannel, customers.customers),
      channels,
      /** Rows are the channel moved from, columns the channel moved to, in the order of `channels`. */
      matrix: channels.map((from) => channels.map((to) => transitions.find((move) => move.from === from.channel && move.to === to.channel)?.transitions ?? 0)),
      transitions,
      goal: {
        customers: goalCustomers,
        crossChannel,
        crossChannelShare: rate(crossChannel, goalCustomers),
        byChannelCount: journeys.map((row) => ({ channels: row.channelCount, customers: row.customers })),
      },
    };
  };
  return groupAnswers(rows, breakdown, limit, build, (answer) => answer.customers);
}

/** One side of a period-over-period comparison, with its test. */
export interface Change {
  current: number;
  previous: number;
  /** current - previous. */
  absolute: number;
  /** current / previous - 1; null when previous is 0. */
  relative: number | null;
  pValue: number;
  /** The p-value adjusted for testing every touchpoint at once (Benjamini-Hochberg). */
  adjustedPValue: number;
  significant: boolean;
}

export function usageAnswer(counts: UsageCounts, interval: Interval, breakdown: Breakdown | null, alpha: number, limit: number) {
  type Row = GroupKey & { part: 'cell' | 'total' | 'active'; row: unknown };
  const rows: Row[] = [
    ...counts.cells.map((row) => ({ total: row.total, group: row.group, part: 'cell' as const, row })),
    ...counts.totals.map((row) => ({ total: row.total, group: row.group, part: 'total' as const, row })),
    ...counts.active.map((row) => ({ total: row.total, group: row.group, part: 'active' as const, row })),
  ];
  const build = (group: Row[]) => {
    const of = <T>(part: Row['part']) => group.filter((row) => row.part === part).map((row) => row.row as T);
    const active = of<UsageCounts['active'][number]>('active');
    const activeNow = active.find((row) => row.current)?.customers ?? 0;
    const activeBefore = active.find((row) => !row.current)?.customers ?? 0;
    const places = new Map<string, { touchpoint: string; channel: string; now: { interactions: number; customers: number }; before: { interactions: number; customers: number } }>();
    for (const total of of<UsageCounts['totals'][number]>('total')) {
      const id = `${total.touchpoint}\u0001${total.channel}`;
      const place = places.get(id) ?? { touchpoint: total.touchpoint, channel: total.channel, now: { interactions: 0, customers: 0 }, before: { interactions: 0, customers: 0 } };
      place[total.current ? 'now' : 'before'] = { interactions: total.interactions, customers: total.customers };
      places.set(id, place);
    }
    const list = [...places.values()];
    const interactionP = list.map((place) => poissonRateTest(place.now.interactions, place.before.interactions));
    const reachP = list.map((place) => twoProportionZTest(place.now.customers, activeNow, place.before.customers, activeBefore));
    const interactionQ = benjaminiHochberg(interactionP);
    const reachQ = benjaminiHochberg(reachP);
    const cells = of<UsageCounts['cells'][number]>('cell');
    const change = (current: number, previous: number, pValue: number, adjusted: number): Change => ({
      current, previous, absolute: current - previous, relative: previous === 0 ? null : Math.round((current / previous - 1) * 10_000) / 10_000,
      pValue: round(pValue), adjustedPValue: round(adjusted), significant: adjusted < alpha,
    });
    const touchpoints = list.map((place, index) => ({
      touchpoint: place.touchpoint,
      channel: place.channel,
      series: cells
        .filter((cell) => cell.touchpoint === place.touchpoint && cell.channel === place.channel)
        .sort((a, b) => a.period - b.period)
        .map((cell) => ({ periodStart: new Date(periodStart(interval, cell.period)).toISOString(), interactions: cell.interactions, customers: cell.customers })),
      interactions: change(place.now.interactions, place.before.interactions, interactionP[index]!, interactionQ[index]!),
      customers: change(place.now.customers, place.before.customers, reachP[index]!, reachQ[index]!),
      reach: { current: rate(place.now.customers, activeNow), previous: rate(place.before.customers, activeBefore) },
    }));
    touchpoints.sort((a, b) => b.interactions.current - a.interactions.current || compareText(a.touchpoint, b.touchpoint) || compareText(a.channel, b.channel));
    return { activeCustomers: { current: activeNow, previous: activeBefore }, touchpoints };
  };
  return groupAnswers(rows, breakdown, limit, build, (answer) => answer.activeCustomers.current);
}

export function retentionAnswer(counts: RetentionCounts, periods: number, breakdown: Breakdown | null, limit: number) {
  type Row = GroupKey & { cohortRow?: RetentionCounts['cohorts'][number]; cell?: RetentionCounts['cells'][number] };
  const rows: Row[] = [
    ...counts.cohorts.map((cohortRow) => ({ total: cohortRow.total, group: cohortRow.group, cohortRow })),
    ...counts.cells.map((cell) => ({ total: cell.total, group: cell.group, cell })),
  ];
  const build = (group: Row[]) => {
    const cohorts = group.flatMap((row) => (row.cohortRow ? [row.cohortRow] : [])).map((cohortRow) => {
      const cells = group.flatMap((row) => (row.cell && row.cell.cohort === cohortRow.cohort ? [row.cell] : []));
      return {
        cohort: cohortRow.cohort,
        customers: cohortRow.customers,
        retained: Array.from({ length: periods + 1 }, (_, period) => {
          const customers = cells.find((cell) => cell.period === period)?.customers ?? 0;
          return { period, customers, rate: rate(customers, cohortRow.customers) };
        }),
      };
    });
    cohorts.sort((a, b) => b.customers - a.customers || compareText(a.cohort, b.cohort));
    return { customers: cohorts.reduce((sum, cohort) => sum + cohort.customers, 0), cohorts };
  };
  return groupAnswers(rows, breakdown, limit, build, (answer) => answer.customers);
}

function round(value: number): number {
  return Number(value.toPrecision(4));
}
