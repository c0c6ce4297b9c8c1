import type { Primitive } from '../analytics/analytics-model.ts';
import { passes, textOf, valueAt } from '../value-filters.ts';
import type { PropertyCondition } from './segment-definition.ts';

/**
 * Trackers are what segments and computed traits count: per profile, one accumulator for each distinct
 * "events matching M (with value V, between dates R)". Conditions that ask the same thing share one.
 * An event updates the accumulators it matches, in place; nothing is ever recounted from history
 * except when a tracker is new to a profile (or needs a longer memory than it kept).
 */

/** The facts of an event that trackers read. */
export interface EventFacts {
  seq: number;
  messageId: string;
  /** Event time, epoch milliseconds. */
  ts: number;
  /** The analytics name: a track call's event, Page Viewed, Identified, ... */
  event: string;
  channel: string;
  touchpoint: string;
  department: string;
  properties: Record<string, unknown>;
  /** Traits the event set on its profile, if any. */
  setsTraits: boolean;
}

/** Which events a tracker follows; every field given must match. */
export interface Matcher {
  event?: string;
  channel?: string;
  touchpoint?: string;
  department?: string;
  where?: PropertyCondition[];
}

/** What value of a matching event is kept: a property, or where the event happened. */
export type ValueSource = { property: string } | { field: 'event' | 'channel' | 'touchpoint' | 'department' } | null;

export interface Tracker {
  key: string;
  matcher: Matcher;
  value: ValueSource;
  /** Fixed dates, [from, to): only events in between count. */
  range: { from: number | null; to: number | null } | null;
  /** How far back events are kept one by one, for rolling windows; 0 when no rolling window reads this tracker. */
  horizonMs: number;
}

/**
 * One profile's accumulator for one tracker. Short keys: one of these is stored per profile and tracker.
 * n: matching events; f/l: first and last time, fs/ls their arrival numbers, fv/lv their values;
 * s/sn: sum of numeric values and how many; mn/mx: min and max; q: how often each value was seen
 * (at most MAX_DISTINCT values); r: [time, value] of events within the horizon, oldest first; h: the
 * horizon r was built for.
 */
export interface Accumulator {
  n: number;
  f: number | null;
  fs: number;
  l: number | null;
  ls: number;
  fv?: Primitive | null;
  lv?: Primitive | null;
  s?: number;
  sn?: number;
  mn?: number | null;
  mx?: number | null;
  q?: Record<string, number>;
  r?: Array<[number, Primitive | null]>;
  h: number;
}

/** A profile's accumulators by tracker key. */
export type Accumulators = Record<string, Accumulator>;

/** Values seen per accumulator for most-frequent and distinct counts; past this, new values are not counted. */
export const MAX_DISTINCT = 500;

/**
 * A short, stable name for what a tracker counts: it is the accumulator's key in every profile's stored
 * state, so it is a hash of the normalised matcher rather than the matcher itself.
 */
export function trackerKey(matcher: Matcher, value: ValueSource, range: Tracker['range']): string {
  const normal = {
    e: matcher.event ?? null, c: matcher.channel ?? null, t: matcher.touchpoint ?? null, d: matcher.department ?? null,
    w: (matcher.where ?? []).map((filter) => [filter.property, filter.op, filter.value ?? null]),
    v: value, r: range ? [range.from, range.to] : null,
  };
  return shortHash(JSON.stringify(normal));
}

/** 53 bits of a text's hash as 9 to 11 base-36 characters (cyrb53: two multiplicative 32-bit lanes). */
export function shortHash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

export function matches(tracker: Tracker, event: EventFacts): boolean {
  const matcher = tracker.matcher;
  if (matcher.event !== undefined && matcher.event !== event.event) return false;
  if (matcher.channel !== undefined && matcher.channel !== event.channel) return false;
  if (matcher.touchpoint !== undefined && matcher.touchpoint !== event.touchpoint) return false;
  if (matcher.department !== undefined && matcher.department !== event.department) return false;
  if (tracker.range) {
    if (tracker.range.from !== null && event.ts < tracker.range.from) return false;
    if (tracker.range.to !== null && event.ts >= tracker.range.to) return false;
  }
  return (matcher.where ?? []).every((filter) => passes(valueAt(event.properties, filter.property), filter));
}

export function emptyAccumulator(tracker: Tracker): Accumulator {
  const accumulator: Accumulator = { n: 0, f: null, fs: 0, l: null, ls: 0, h: tracker.horizonMs };
  if (tracker.horizonMs > 0) accumulator.r = [];
  return accumulator;
}

/** The value a tracker keeps of an event: primitives only (objects and arrays are not compared). */
export function valueOf(source: ValueSource, event: EventFacts): Primitive | null {
  if (source === null) return null;
  const raw = 'property' in source ? valueAt(event.properties, source.property) : event[source.field];
  return typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? raw : null;
}

/** Folds one matching event into an accumulator; events older than the horizon are counted but not kept one by one. */
export function accumulate(accumulator: Accumulator, tracker: Tracker, event: EventFacts, now: number): void {
  const value = valueOf(tracker.value, event);
  accumulator.n += 1;
  if (accumulator.f === null || event.ts < accumulator.f || (event.ts === accumulator.f && event.seq < accumulator.fs)) {
    accumulator.f = event.ts;
    accumulator.fs = event.seq;
    if (tracker.value) accumulator.fv = value;
  }
  if (accumulator.l === null || event.ts > accumulator.l || (event.ts === accumulator.l && event.seq > accumulator.ls)) {
    accumulator.l = event.ts;
    accumulator.ls = event.seq;
    if (tracker.value) accumulator.lv = value;
  }
  if (tracker.value) {
    if (typeof value === 'number' && Number.isFinite(value)) {
      accumulator.s = (accumulator.s ?? 0) + value;
      accumulator.sn = (accumulator.sn ?? 0) + 1;
      accumulator.mn = accumulator.mn === undefined || accumulator.mn === null ? value : Math.min(accumulator.mn, value);
      accumulator.mx = accumulator.mx === undefined || accumulator.mx === null ? value : Math.max(accumulator.mx, value);
    }
    const text = textOf(value);
    if (text !== null) {
      const seen = (accumulator.q ??= {});
      if (seen[text] !== undefined) seen[text] += 1;
      else if (Object.keys(seen).length < MAX_DISTINCT) seen[text] = 1;
    }
  }
  if (accumulator.r && event.ts >= now - accumulator.h) {
    const entries = accumulator.r;
    let at = entries.length;
    while (at > 0 && entries[at - 1]![0] > event.ts) at -= 1;
    entries.splice(at, 0, [event.ts, tracker.value ? value : null]);
  }
}

/** Drops the entries a rolling window can no longer reach. */
export function prune(accumulator: Accumulator, now: number): void {
  const entries = accumulator.r;
  if (!entries || entries.length === 0) return;
  const oldest = now - accumulator.h;
  let drop = 0;
  while (drop < entries.length && entries[drop]![0] < oldest) drop += 1;
  if (drop > 0) entries.splice(0, drop);
}

/** True when the profile's accumulator can answer for the tracker: it exists and remembers far enough back. */
export function isBuilt(accumulators: Accumulators, tracker: Tracker): boolean {
  const accumulator = accumulators[tracker.key];
  return accumulator !== undefined && accumulator.h >= tracker.horizonMs;
}

/** A tracker's accumulator built from a profile's history (events in any order). */
export function buildAccumulator(tracker: Tracker, events: readonly EventFacts[], now: number): Accumulator {
  const accumulator = emptyAccumulator(tracker);
  for (const event of events) if (matches(tracker, event)) accumulate(accumulator, tracker, event, now);
  return accumulator;
}
