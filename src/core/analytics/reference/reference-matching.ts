import type { AnalyticsEvent, AnalyticsFilters, Breakdown, StepMatcher } from '../analytics-model.ts';
import { passes, textOf, valueAt } from '../../value-filters.ts';

export { passes, textOf, valueAt };

/**
 * The reference answers' reading of filters, steps and breakdowns, written plainly so a store's SQL
 * can be checked against it. Used only by tests.
 */

export function matchesStep(event: AnalyticsEvent, step: StepMatcher): boolean {
  if (step.event !== undefined && event.event !== step.event) return false;
  if (step.channel !== undefined && event.channel !== step.channel) return false;
  if (step.touchpoint !== undefined && event.touchpoint !== step.touchpoint) return false;
  if (step.department !== undefined && event.department !== step.department) return false;
  return (step.where ?? []).every((filter) => passes(valueAt(event.properties, filter.property), filter));
}

/** The event filters of a question (channel, touchpoint, department). */
export function keptByFilters(event: AnalyticsEvent, filters: AnalyticsFilters): boolean {
  if (filters.channels?.length && !filters.channels.includes(event.channel)) return false;
  if (filters.touchpoints?.length && !filters.touchpoints.includes(event.touchpoint)) return false;
  if (filters.departments?.length && !filters.departments.includes(event.department)) return false;
  return true;
}

/** Each customer's current traits: per trait, the value of the newest event (by time, then arrival) that set it. */
export function currentTraits(events: readonly AnalyticsEvent[]): Map<string, Record<string, unknown>> {
  const latest = new Map<string, Map<string, { value: unknown; ts: number; seq: number }>>();
  for (const event of events) {
    if (!event.traits || event.profileId === null) continue;
    let traits = latest.get(event.profileId);
    if (!traits) latest.set(event.profileId, (traits = new Map()));
    for (const [key, value] of Object.entries(event.traits)) {
      const known = traits.get(key);
      if (!known || event.ts > known.ts || (event.ts === known.ts && event.seq > known.seq)) traits.set(key, { value, ts: event.ts, seq: event.seq });
    }
  }
  const result = new Map<string, Record<string, unknown>>();
  for (const [profileId, traits] of latest) result.set(profileId, Object.fromEntries([...traits].map(([key, entry]) => [key, entry.value])));
  return result;
}

/** The customers a question's trait filters keep. */
export function keptCustomer(traits: Record<string, unknown> | undefined, filters: AnalyticsFilters): boolean {
  return (filters.traits ?? []).every((filter) => passes(traits?.[filter.trait], filter));
}

/** A customer's breakdown value, read from the given event or from their traits. */
export function breakdownValue(breakdown: Breakdown | null, event: AnalyticsEvent, traits: Record<string, unknown> | undefined): string | null {
  if (!breakdown) return null;
  if (breakdown.kind === 'trait') return textOf(traits?.[breakdown.trait]);
  return event[breakdown.kind];
}

/** Events of one workspace with a profile, grouped per customer and sorted by time, then arrival. */
export function eventsByCustomer(events: readonly AnalyticsEvent[], keep: (event: AnalyticsEvent) => boolean): Map<string, AnalyticsEvent[]> {
  const byCustomer = new Map<string, AnalyticsEvent[]>();
  for (const event of events) {
    if (event.profileId === null || !keep(event)) continue;
    let list = byCustomer.get(event.profileId);
    if (!list) byCustomer.set(event.profileId, (list = []));
    list.push(event);
  }
  for (const list of byCustomer.values()) list.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
  return byCustomer;
}

/** The median as stores compute it (continuous: the mean of the two middle values of an even count). */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)]! + sorted[Math.ceil(middle)]!) / 2;
}

/** Adds one value to the total and, with a breakdown, to its group. */
export function groupKeys(breakdown: Breakdown | null, value: string | null): Array<{ total: boolean; group: string | null }> {
  return breakdown ? [{ total: true, group: null }, { total: false, group: value }] : [{ total: true, group: null }];
}

export function keyOf(key: { total: boolean; group: string | null }): string {
  return key.total ? '\u0000total' : `g:${key.group ?? '\u0000none'}`;
}
