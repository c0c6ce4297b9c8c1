import { api, query } from '../api.ts';

/** The journey analytics API as the console calls it: request bodies and answers (see src/http/routes/analytics). */

export const ANALYTICS_ROUTES = {
  funnel: '/analytics/funnels',
  funnelCustomers: '/analytics/funnels/customers',
  paths: '/analytics/paths',
  switching: '/analytics/channel-switching',
  usage: '/analytics/touchpoint-usage',
  status: '/analytics/status',
} as const;

export interface Step {
  name?: string;
  event?: string;
  channel?: string;
  touchpoint?: string;
  department?: string;
}

export interface Filters {
  channel?: string[];
  touchpoint?: string[];
  department?: string[];
}

/** What every question is asked with. */
export interface Question {
  from: string;
  to: string;
  filters?: Filters;
  breakdown?: string;
  breakdownLimit?: number;
}

export interface FunnelStepAnswer {
  step: number;
  name: string;
  customers: number;
  conversionRate: number;
  stepConversionRate: number;
  droppedOff: number;
  medianTimeFromPreviousMs: number | null;
}

export interface Grouped<T> {
  from: string;
  to: string;
  engine: string;
  total: T;
  breakdown: string | null;
  groups: Array<{ value: string | null } & T>;
  omittedGroups: number;
}

export type FunnelAnswer = Grouped<{ steps: FunnelStepAnswer[] }> & { windowMs: number; order: string };

export interface FunnelCustomers {
  step: number;
  name: string;
  status: string;
  items: Array<{ profileId: string; stepsReached: number; enteredAt: string; lastStepAt: string }>;
  nextCursor: string | null;
}

export interface PathTree {
  customers: number;
  nodes: Array<{ id: string; name: string; depth: number; customers: number }>;
  links: Array<{ source: string; target: string; customers: number }>;
}

export type PathsAnswer = Grouped<PathTree> & { stepKind: string; anchor: string | null; direction: string; depth: number };

export interface Switching {
  customers: number;
  multiChannelCustomers: number;
  multiChannelShare: number;
  channels: Array<{ channel: string; customers: number; events: number }>;
  matrix: number[][];
  transitions: Array<{ from: string; to: string; transitions: number; customers: number; medianGapMs: number | null }>;
  goal: { customers: number; crossChannel: number; crossChannelShare: number; byChannelCount: Array<{ channels: number; customers: number }> };
}

export type SwitchingAnswer = Grouped<Switching> & { goal: string | null; lookbackMs: number };

export interface Change {
  current: number;
  previous: number;
  absolute: number;
  relative: number | null;
  pValue: number;
  adjustedPValue: number;
  significant: boolean;
}

export interface TouchpointUsage {
  touchpoint: string;
  channel: string;
  series: Array<{ periodStart: string; interactions: number; customers: number }>;
  interactions: Change;
  customers: Change;
  reach: { current: number; previous: number };
}

export type UsageAnswer = Grouped<{ activeCustomers: { current: number; previous: number }; touchpoints: TouchpointUsage[] }> & {
  previous: { from: string; to: string };
  interval: string;
  periods: string[];
  test: string;
  alpha: number;
};

export function ask<T>(route: keyof typeof ANALYTICS_ROUTES, body: object): Promise<T> {
  return api<T>('POST', ANALYTICS_ROUTES[route], body);
}

/** What the console suggests in its pickers: names seen in the newest events and the sources' defaults. */
export interface Vocabulary {
  events: string[];
  channels: string[];
  touchpoints: string[];
  departments: string[];
  /** About the newest event's time: analytics ranges end there by default, so an imported past shows up. */
  newest: string | null;
}

interface RecentEvent {
  type: string;
  event: string | null;
  channel: string;
  touchpoint: string;
  department: string;
  timestamp: string;
}

/** The vocabulary of this workspace, from its newest events and its sources, most frequent first. */
export async function loadVocabulary(): Promise<Vocabulary> {
  const [events, sources] = await Promise.all([
    api<{ items: RecentEvent[] }>('GET', `/events${query({ limit: 500 })}`),
    api<{ items: Array<{ channel?: string; touchpoint?: string; department?: string }> }>('GET', '/sources'),
  ]);
  const rank = (values: Array<string | null | undefined>) => {
    const counts = new Map<string, number>();
    for (const value of values) if (value) counts.set(value, (counts.get(value) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([value]) => value);
  };
  const names = events.items.map((event) => (event.type === 'track' ? event.event : event.type === 'page' ? 'Page Viewed' : event.type === 'screen' ? 'Screen Viewed' : null));
  // Not the very newest time: a few stray events (a test call, a device with a wrong clock) would move the
  // default range away from where the data is. The 95th percentile of the newest events' times is near
  // "now" on a live system and at the end of an imported history.
  const times = events.items.map((event) => event.timestamp).sort();
  const newest = times.length > 0 ? times[Math.min(times.length - 1, Math.floor(times.length * 0.95))]! : null;
  return {
    events: rank(names),
    channels: rank([...events.items.map((event) => event.channel), ...sources.items.map((source) => source.channel)]),
    touchpoints: rank([...events.items.map((event) => event.touchpoint), ...sources.items.map((source) => source.touchpoint)]),
    departments: rank([...events.items.map((event) => event.department), ...sources.items.map((source) => source.department)]),
    newest,
  };
}
