import type { Static } from 'typebox';
import type {
  FunnelCustomersResponse, FunnelResponse, PathsResponse, StatusResponse, SwitchingResponse, UsageResponse,
} from '../../../src/http/routes/analytics/analytics-schemas.ts';
import type { EventResponse } from '../../../src/http/schemas.ts';
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

// The bodies and answers are the server's own schemas (type-only imports: no server code reaches the
// bundle), so the console cannot drift from what the API sends. The fields each answer adds beside its
// groups are spelled out: the schemas' static types do not carry them.
export type { Filters, Step } from '../../../src/http/routes/analytics/analytics-schemas.ts';
export type FunnelAnswer = Static<typeof FunnelResponse> & { windowMs: number; order: string };
export type FunnelCustomers = Static<typeof FunnelCustomersResponse>;
export type PathsAnswer = Static<typeof PathsResponse> & { stepKind: string; anchor: string | null; direction: string; depth: number };
/** The path tree as nodes and links, the shape sankey charts take. */
export type PathTree = PathsAnswer['total'];
export type SwitchingAnswer = Static<typeof SwitchingResponse> & { goal: string | null; lookbackMs: number };
export type UsageAnswer = Static<typeof UsageResponse> & {
  previous: { from: string; to: string };
  interval: string;
  periods: string[];
  test: string;
  alpha: number;
};
/** One side of a period-over-period comparison, with its test. */
export type Change = UsageAnswer['total']['touchpoints'][number]['interactions'];
export type AnalyticsStatus = Static<typeof StatusResponse>;

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

/** An event as GET /events answers it. */
type RecentEvent = Static<typeof EventResponse>;

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
