import type { Interval } from './analytics-model.ts';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** 1970-01-05, the first Monday after the epoch: weeks start on Monday (ISO 8601), in UTC. */
const FIRST_MONDAY = 4 * DAY;

/**
 * The number of the day, week (Monday to Sunday) or calendar month holding `ts`, in UTC. Consecutive
 * intervals have consecutive numbers, so "intervals since" is a subtraction; stores compute the same.
 */
export function periodIndex(interval: Interval, ts: number): number {
  if (interval === 'day') return Math.floor(ts / DAY);
  if (interval === 'week') return Math.floor((ts - FIRST_MONDAY) / WEEK);
  const date = new Date(ts);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}

/** Where the interval numbered `index` starts, epoch milliseconds. */
export function periodStart(interval: Interval, index: number): number {
  if (interval === 'day') return index * DAY;
  if (interval === 'week') return index * WEEK + FIRST_MONDAY;
  return Date.UTC(Math.floor(index / 12), ((index % 12) + 12) % 12);
}

/** The length of one interval, for rules such as "at most 400 intervals in a range" (months count as 31 days). */
export function intervalMs(interval: Interval): number {
  return interval === 'day' ? DAY : interval === 'week' ? WEEK : 31 * DAY;
}
