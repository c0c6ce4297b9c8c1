/**
 * The analytics questions and their answers as the domain sees them: what an analytics store is
 * asked (times in epoch milliseconds, half-open ranges) and the raw aggregates it gives back, which
 * `analytics-results.ts` turns into the answers the API shows. No I/O here.
 */

/** One event in the analytics copy of the event history: the columns the questions read. */
export interface AnalyticsEvent {
  seq: number;
  workspaceId: string;
  /** The profile the event belonged to when it was copied; merges since are applied through the alias map. */
  profileId: string | null;
  /** Event time, epoch milliseconds. */
  ts: number;
  type: string;
  /** The name steps match: a track call's event, "Page Viewed" for a page call, and so on (see `analyticsEventName`). */
  event: string;
  channel: string;
  touchpoint: string;
  department: string;
  sourceId: string;
  properties: Record<string, unknown>;
  /** Traits the event set on its customer (identify traits and context.traits), or null. */
  traits: Record<string, unknown> | null;
}

/** A half-open time range [from, to), epoch milliseconds. */
export interface TimeRange {
  from: number;
  to: number;
}

export type Primitive = string | number | boolean;

/** Operators of property and trait filters. Text comparisons use the value's text form; gt/gte/lt/lte apply to JSON numbers only. */
export const FILTER_OPS = ['eq', 'neq', 'in', 'not_in', 'contains', 'gt', 'gte', 'lt', 'lte', 'exists', 'not_exists'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/** A condition on a value: the operator and what it compares with. */
export interface ValueFilter {
  op: FilterOp;
  value?: Primitive | Primitive[];
}

/** A condition on a property of the event (a dotted path into `properties`). */
export interface PropertyFilter extends ValueFilter {
  property: string;
}

/** A condition on a customer's current trait. */
export interface TraitFilter extends ValueFilter {
  trait: string;
}

/**
 * What counts as a step: every field given must match. `event` is the event name, `where` filters on
 * properties. A step with only `touchpoint` or `channel` is a visit to that place, whatever happened there.
 */
export interface StepMatcher {
  event?: string;
  channel?: string;
  touchpoint?: string;
  department?: string;
  where?: PropertyFilter[];
}

/**
 * Which events and customers a question looks at. Event fields narrow the events; traits narrow the
 * customers (by their current value: the newest event that set the trait). `segmentId` is the
 * extension point for segments: the store will read membership from the segment store once it exists.
 */
export interface AnalyticsFilters {
  channels?: string[];
  touchpoints?: string[];
  departments?: string[];
  traits?: TraitFilter[];
  segmentId?: string;
}

/**
 * How a question splits its answer. An event field is read from the customer's first event of the
 * question (the funnel's entry step, the path's anchor, the first event in the period for channel
 * switching and retention) or, for touchpoint usage, from each event itself; a trait is the customer's
 * current value.
 */
export type Breakdown = { kind: 'channel' | 'touchpoint' | 'department' } | { kind: 'trait'; trait: string };

/** What every question shares. */
export interface QueryBase {
  workspaceId: string;
  range: TimeRange;
  filters: AnalyticsFilters;
  breakdown: Breakdown | null;
}

/**
 * Funnel order: `loose` wants the steps in order with anything allowed between them; `strict` wants
 * each step to be the customer's very next event (among those the filters keep).
 */
export type FunnelOrder = 'loose' | 'strict';

/**
 * A funnel. A customer enters at a step-1 event inside the range; each later step must come after the
 * previous one (by time, then arrival) and within `windowMs` of the entry, and may fall after the
 * range's end. Each customer counts once, with the entry that gets furthest (the earliest such entry).
 */
export interface FunnelQuery extends QueryBase {
  steps: StepMatcher[];
  windowMs: number;
  order: FunnelOrder;
}

/** The customers of a funnel at one step: those who reached it, or those who reached it and went no further. */
export interface FunnelCustomersQuery extends FunnelQuery {
  /** 1-based. */
  step: number;
  status: 'reached' | 'dropped';
  /** Profile ids after this one, for paging. */
  after: string | null;
  limit: number;
}

export type PathStepKind = 'event' | 'touchpoint' | 'channel';

/**
 * Paths: each customer's sequence of steps (event names, touchpoints or channels; a step repeated
 * right after itself counts once) from their first anchor event onwards, or up to their last anchor
 * event. Without an anchor, from the customer's first event in the range.
 */
export interface PathQuery extends QueryBase {
  stepKind: PathStepKind;
  anchor: StepMatcher | null;
  direction: 'after' | 'before';
  /** Steps after (or before) the anchor's own step. */
  depth: number;
}

/**
 * Channel switching: the moves of customers between channels in the range (a move is an event on another
 * channel than the customer's previous event), and, with a goal, how many customers' journeys to their
 * first goal event in the range crossed channels within `lookbackMs` before it.
 */
export interface SwitchingQuery extends QueryBase {
  goal: StepMatcher | null;
  lookbackMs: number;
}

export type Interval = 'day' | 'week' | 'month';

/** Touchpoint usage per interval in the range, compared with the period of the same length just before it. */
export interface UsageQuery extends QueryBase {
  interval: Interval;
}

/**
 * Retention: customers whose first event (among those the filters keep) falls in the range, grouped by
 * that event's touchpoint or channel, and how many of them are active (any event, or one matching
 * `returnStep`) in each interval after it: interval 0 is the one holding the first event.
 */
export interface RetentionQuery extends QueryBase {
  cohortBy: 'touchpoint' | 'channel';
  interval: Interval;
  periods: number;
  returnStep: StepMatcher | null;
}

/** One group of a raw answer: the total over everyone, or one breakdown value (null when the customer has none). */
export interface GroupKey {
  total: boolean;
  group: string | null;
}

/** Customers reaching each step, and the median time between consecutive steps of those who made them. */
export interface FunnelCounts extends GroupKey {
  /** reached[i]: customers who reached step i + 1. */
  reached: number[];
  /** medianGapMs[i]: median time from step i + 1 to step i + 2, over customers who reached step i + 2. */
  medianGapMs: Array<number | null>;
}

/** A customer listed at a funnel step. */
export interface FunnelCustomer {
  profileId: string;
  stepsReached: number;
  enteredAt: number;
  lastStepAt: number;
}

/** How many customers took one path: steps[0] is the anchor's step, then `depth` steps, "end" where the path ends. */
export interface PathCount extends GroupKey {
  steps: string[];
  customers: number;
}

/** Moves from one channel to another: how many, by how many customers, and the median time between the two events. */
export interface ChannelTransition extends GroupKey {
  from: string;
  to: string;
  transitions: number;
  customers: number;
  medianGapMs: number | null;
}

/** Customers and events of one channel in the range. */
export interface ChannelUse extends GroupKey {
  channel: string;
  customers: number;
  events: number;
}

/** Customers reaching the goal, by how many distinct channels their journey to it used. */
export interface GoalJourneys extends GroupKey {
  channelCount: number;
  customers: number;
}

/** The raw answer to channel switching. */
export interface SwitchingCounts {
  transitions: ChannelTransition[];
  channels: ChannelUse[];
  /** Customers with events in the range, per group. */
  customers: Array<GroupKey & { customers: number; multiChannel: number }>;
  goal: GoalJourneys[];
}

/** Interactions and customers of one touchpoint (on one channel) in one interval of the range. */
export interface UsageCell extends GroupKey {
  touchpoint: string;
  channel: string;
  /** The interval's index (see `periodIndex`). */
  period: number;
  interactions: number;
  customers: number;
}

/** The same for the whole current or previous period. */
export interface UsageTotal extends GroupKey {
  touchpoint: string;
  channel: string;
  current: boolean;
  interactions: number;
  customers: number;
}

/** The raw answer to touchpoint usage. */
export interface UsageCounts {
  cells: UsageCell[];
  totals: UsageTotal[];
  /** Customers active at any touchpoint, per group and period: the base of the reach comparison. */
  active: Array<GroupKey & { current: boolean; customers: number }>;
}

/** Customers of a cohort active in one interval after their first event. */
export interface RetentionCell extends GroupKey {
  cohort: string;
  /** Intervals since the one holding the first event. */
  period: number;
  customers: number;
}

/** Customers of each retention cohort, and how many of them are active in each interval after their first event. */
export interface RetentionCounts {
  cells: RetentionCell[];
  cohorts: Array<GroupKey & { cohort: string; customers: number }>;
}

/** Placeholders of paths: a path that ends before `depth`, and the branches folded together. */
export const PATH_END = '(end)';
export const PATH_OTHER = '(other)';

/** The name analytics gives an event: a track call's event, otherwise a name for the call type. */
export function analyticsEventName(type: string, event: string | null): string {
  if (type === 'track' && event) return event;
  switch (type) {
    case 'page': return 'Page Viewed';
    case 'screen': return 'Screen Viewed';
    case 'identify': return 'Identified';
    case 'group': return 'Group Joined';
    case 'alias': return 'Aliased';
    default: return event ?? type;
  }
}

/** The properties steps filter on: a call's `properties`, with a page or screen call's `name` added. */
export function analyticsProperties(payload: Record<string, unknown>): Record<string, unknown> {
  const properties = asObject(payload.properties) ?? {};
  if ((payload.type === 'page' || payload.type === 'screen') && typeof payload.name === 'string' && properties.name === undefined) {
    return { ...properties, name: payload.name };
  }
  return properties;
}

/** The traits an event sets on its customer, as the profile reads them: identify traits, then context.traits. */
export function analyticsTraits(payload: Record<string, unknown>): Record<string, unknown> | null {
  const traits: Record<string, unknown> = {};
  let any = false;
  const context = asObject(payload.context);
  for (const source of [payload.type === 'identify' ? asObject(payload.traits) : undefined, asObject(context?.traits)]) {
    if (!source) continue;
    for (const [key, value] of Object.entries(source)) {
      if (value === undefined) continue;
      traits[key] = value;
      any = true;
    }
  }
  return any ? traits : null;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
