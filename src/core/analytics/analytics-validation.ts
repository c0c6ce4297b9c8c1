import { CentricError } from '../errors.ts';
import type { AnalyticsFilters, Interval, PropertyFilter, StepMatcher, TimeRange, TraitFilter, ValueFilter } from './analytics-model.ts';
import { intervalMs } from './periods.ts';

/**
 * The checks a question gets beyond its shape (which the API's schemas check): each failure names
 * what is wrong and where, with a code of its own.
 */

/** The most intervals a usage series or retention table may have. */
export const MAX_INTERVALS = 400;

export function checkRange(range: TimeRange): void {
  if (!Number.isFinite(range.from) || !Number.isFinite(range.to)) {
    throw new CentricError('CENTRIC_ERR_ANALYTICS_INVALID_RANGE', '"from" and "to" must be date-times');
  }
  if (range.to <= range.from) {
    throw new CentricError('CENTRIC_ERR_ANALYTICS_INVALID_RANGE', `"to" (${new Date(range.to).toISOString()}) must be after "from" (${new Date(range.from).toISOString()})`);
  }
}

export function checkIntervals(range: TimeRange, interval: Interval): void {
  const count = Math.ceil((range.to - range.from) / intervalMs(interval));
  if (count > MAX_INTERVALS) {
    throw new CentricError('CENTRIC_ERR_ANALYTICS_TOO_MANY_INTERVALS', `the range holds about ${count} ${interval}s; at most ${MAX_INTERVALS} are allowed: choose a longer interval or a shorter range`);
  }
}

export function checkFilters(filters: AnalyticsFilters): void {
  if (filters.segmentId !== undefined) {
    throw new CentricError('CENTRIC_ERR_ANALYTICS_SEGMENTS_UNAVAILABLE', "analytics cannot filter by segment yet; filter by traits (filters.traits), or export the segment's members (GET /api/v1/segments/:id/members.csv)");
  }
  (filters.traits ?? []).forEach((filter, index) => checkValueFilter(filter, `filters.traits[${index}]`));
}

/** A step must say what it matches; `where` names the step in messages, such as "steps[2]". */
export function checkStep(step: StepMatcher, where: string): void {
  if (step.event === undefined && step.channel === undefined && step.touchpoint === undefined && step.department === undefined && !step.where?.length) {
    throw new CentricError('CENTRIC_ERR_ANALYTICS_INVALID_STEP', `${where} matches every event: give an event, channel, touchpoint, department or property filter`);
  }
  (step.where ?? []).forEach((filter: PropertyFilter, index) => checkValueFilter(filter, `${where}.where[${index}]`));
}

function checkValueFilter(filter: ValueFilter & Partial<PropertyFilter & TraitFilter>, where: string): void {
  const fail = (message: string) => {
    throw new CentricError('CENTRIC_ERR_ANALYTICS_INVALID_FILTER', `${where}: ${message}`);
  };
  const { op, value } = filter;
  if (op === 'exists' || op === 'not_exists') {
    if (value !== undefined) fail(`"${op}" takes no value`);
    return;
  }
  if (value === undefined) fail(`"${op}" needs a value`);
  if (op === 'in' || op === 'not_in') {
    if (!Array.isArray(value) || value.length === 0) fail(`"${op}" needs a non-empty list of values`);
    return;
  }
  if (Array.isArray(value)) fail(`"${op}" takes one value, not a list (use "in" for a list)`);
  if ((op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') && typeof value !== 'number') fail(`"${op}" compares numbers; ${JSON.stringify(value)} is not a number`);
}
