import type { Primitive } from '../analytics/analytics-model.ts';
import { passes } from '../value-filters.ts';
import { DATE_OPS, type Aggregate, type ComputedTraitDefinition, type Condition, type SegmentDefinition, type Window } from './segment-definition.ts';
import { isBuilt, prune, shortHash, trackerKey, type Accumulator, type Accumulators, type Matcher, type Tracker, type ValueSource } from './trackers.ts';
import { DAY_MS, parseZonedDate, timeOf } from './zoned-dates.ts';

/**
 * A workspace's segments and computed traits compiled for the engine: the trackers they read, which
 * segments each tracker can affect, and condition trees ready to evaluate against one profile at a
 * moment. Every answer comes with the next moment it can change without a new event (or null), which
 * is what the scheduler waits for.
 */

export interface SegmentSpec {
  id: string;
  definition: SegmentDefinition;
}

export interface TraitSpec {
  id: string;
  key: string;
  definition: ComputedTraitDefinition;
}

type Comparison = { op: string; value?: Primitive | Primitive[]; days?: number };

type Compiled =
  | { kind: 'and' | 'or'; of: Compiled[] }
  | { kind: 'not'; of: Compiled }
  | { kind: 'trait'; trait: string; comparison: Comparison; zone: string }
  | { kind: 'computed'; key: string; comparison: Comparison; zone: string }
  | { kind: 'performed'; tracker: string; op: 'at_least' | 'at_most' | 'exactly'; count: number; windowMs: number | null }
  | { kind: 'occurrence'; tracker: string; which: 'first' | 'last'; comparison: Comparison; zone: string }
  | { kind: 'segment'; segmentId: string; member: boolean };

export interface CompiledSegment {
  id: string;
  root: Compiled;
  trackers: Set<string>;
  usesTraits: boolean;
  computedKeys: Set<string>;
  segmentRefs: Set<string>;
  /** Some condition's answer can change as time passes (a rolling window, a relative date). */
  timeDependent: boolean;
}

export interface CompiledTrait {
  id: string;
  key: string;
  aggregate: Aggregate;
  tracker: string;
  windowMs: number | null;
  /** The value can change as time passes (a rolling window, days since). */
  timeDependent: boolean;
}

export interface Plan {
  trackers: Map<string, Tracker>;
  /** Trackers by the event name they need; those with no event name match every event. */
  byEvent: Map<string, Tracker[]>;
  anyEvent: Tracker[];
  /** In dependency order: a segment comes after every segment its conditions name. */
  segments: CompiledSegment[];
  traits: CompiledTrait[];
  /** Names the set of trackers and their horizons: a profile state written under the same fingerprint has every tracker built. */
  fingerprint: string;
}

/** What a profile looks like to the evaluation at one moment. */
export interface ProfileView {
  traits: Record<string, unknown>;
  accumulators: Accumulators;
  computed: Record<string, unknown>;
  /** Segments the profile is in, as decided so far in this evaluation. */
  members: Record<string, number>;
}

export interface Answer<T> {
  value: T;
  /** The next moment the answer can change without a new event; null when only an event can change it. */
  next: number | null;
}

/** Compiles definitions already validated (see segment-validation.ts); segments naming unknown segments are left out. */
export function compilePlan(segments: readonly SegmentSpec[], traits: readonly TraitSpec[]): Plan {
  const trackers = new Map<string, Tracker>();
  const use = (matcher: Matcher, value: ValueSource, window: Window | undefined, zone: string): { key: string; windowMs: number | null } => {
    const range = window && !('lastDays' in window)
      ? { from: window.from ? parseZonedDate(window.from, zone) : null, to: window.to ? parseZonedDate(window.to, zone) : null }
      : null;
    const windowMs = window && 'lastDays' in window ? window.lastDays * DAY_MS : null;
    const key = trackerKey(matcher, value, range);
    const known = trackers.get(key);
    if (known) known.horizonMs = Math.max(known.horizonMs, windowMs ?? 0);
    else trackers.set(key, { key, matcher, value, range, horizonMs: windowMs ?? 0 });
    return { key, windowMs };
  };

  const compiledTraits = traits.map((trait): CompiledTrait => {
    const definition = trait.definition;
    const value: ValueSource = definition.property ? { property: definition.property } : definition.field ? { field: definition.field } : null;
    const { key, windowMs } = use(matcherOf(definition), value, definition.window, definition.timeZone ?? 'UTC');
    return { id: trait.id, key: trait.key, aggregate: definition.aggregate, tracker: key, windowMs, timeDependent: windowMs !== null || definition.aggregate === 'days_since_last' };
  });

  const compiled = new Map<string, CompiledSegment>();
  for (const segment of segments) {
    const zone = segment.definition.timeZone ?? 'UTC';
    const info: CompiledSegment = { id: segment.id, root: null as never, trackers: new Set(), usesTraits: false, computedKeys: new Set(), segmentRefs: new Set(), timeDependent: false };
    const relative = (op: string) => {
      if (RELATIVE_OPS.has(op)) info.timeDependent = true;
    };
    const walk = (condition: Condition): Compiled => {
      switch (condition.kind) {
        case 'and':
        case 'or':
          return { kind: condition.kind, of: condition.conditions.map((child) => walk(child as Condition)) };
        case 'not':
          return { kind: 'not', of: walk(condition.condition as Condition) };
        case 'trait':
          info.usesTraits = true;
          relative(condition.op);
          return { kind: 'trait', trait: condition.trait, comparison: condition, zone };
        case 'computed':
          info.computedKeys.add(condition.key);
          relative(condition.op);
          return { kind: 'computed', key: condition.key, comparison: condition, zone };
        case 'performed': {
          const { key, windowMs } = use(matcherOf(condition), null, condition.window, zone);
          info.trackers.add(key);
          if (windowMs !== null) info.timeDependent = true;
          return { kind: 'performed', tracker: key, op: condition.count?.op ?? 'at_least', count: condition.count?.value ?? 1, windowMs };
        }
        case 'occurrence': {
          const { key } = use(matcherOf(condition), null, undefined, zone);
          info.trackers.add(key);
          relative(condition.op);
          return { kind: 'occurrence', tracker: key, which: condition.which, comparison: { op: condition.op, value: condition.value, days: condition.days }, zone };
        }
        case 'segment':
          info.segmentRefs.add(condition.segmentId);
          return { kind: 'segment', segmentId: condition.segmentId, member: condition.member ?? true };
      }
    };
    info.root = walk(segment.definition.condition);
    compiled.set(segment.id, info);
  }

  const byEvent = new Map<string, Tracker[]>();
  const anyEvent: Tracker[] = [];
  for (const tracker of trackers.values()) {
    if (tracker.matcher.event === undefined) anyEvent.push(tracker);
    else {
      let list = byEvent.get(tracker.matcher.event);
      if (!list) byEvent.set(tracker.matcher.event, (list = []));
      list.push(tracker);
    }
  }
  const fingerprint = shortHash([...trackers.values()].map((tracker) => `${tracker.key}:${tracker.horizonMs}`).sort().join(','));
  return { trackers, byEvent, anyEvent, segments: dependencyOrder(compiled), traits: compiledTraits, fingerprint };
}

function matcherOf(source: Matcher): Matcher {
  const matcher: Matcher = {};
  if (source.event !== undefined) matcher.event = source.event;
  if (source.channel !== undefined) matcher.channel = source.channel;
  if (source.touchpoint !== undefined) matcher.touchpoint = source.touchpoint;
  if (source.department !== undefined) matcher.department = source.department;
  if (source.where && source.where.length > 0) matcher.where = source.where;
  return matcher;
}

/** Segments after those they depend on; a segment in a cycle or naming a missing segment is dropped (validation refuses both). */
function dependencyOrder(segments: Map<string, CompiledSegment>): CompiledSegment[] {
  const ordered: CompiledSegment[] = [];
  const state = new Map<string, 'visiting' | 'done' | 'bad'>();
  const visit = (id: string): boolean => {
    const known = state.get(id);
    if (known === 'done') return true;
    if (known === 'visiting' || known === 'bad') return false;
    const segment = segments.get(id);
    if (!segment) return false;
    state.set(id, 'visiting');
    for (const ref of segment.segmentRefs) {
      if (!visit(ref)) {
        state.set(id, 'bad');
        return false;
      }
    }
    state.set(id, 'done');
    ordered.push(segment);
    return true;
  };
  for (const id of segments.keys()) visit(id);
  return ordered;
}

/** The trackers a profile lacks (or remembers too little of) under this plan: they must be built from its history first. */
export function missingTrackers(plan: Plan, accumulators: Accumulators): Tracker[] {
  const missing: Tracker[] = [];
  for (const tracker of plan.trackers.values()) if (!isBuilt(accumulators, tracker)) missing.push(tracker);
  return missing;
}

/** Drops accumulators no tracker of the plan reads any more, and entries older than any window reads. */
export function tidy(plan: Plan, accumulators: Accumulators, now: number): Accumulators {
  const kept: Accumulators = {};
  for (const [key, accumulator] of Object.entries(accumulators)) {
    const tracker = plan.trackers.get(key);
    if (!tracker) continue;
    if (accumulator.h > tracker.horizonMs) {
      accumulator.h = tracker.horizonMs;
      if (tracker.horizonMs === 0) delete accumulator.r;
    }
    prune(accumulator, now);
    kept[key] = accumulator;
  }
  return kept;
}

/** A computed trait's value for a profile at a moment. */
export function computeTrait(trait: CompiledTrait, accumulators: Accumulators, now: number): Answer<Primitive | null> {
  const accumulator = accumulators[trait.tracker];
  if (!accumulator) return { value: emptyValue(trait.aggregate), next: null };
  if (trait.windowMs === null) return allTimeValue(trait.aggregate, accumulator, now);
  const oldest = now - trait.windowMs;
  const entries = (accumulator.r ?? []).filter((entry) => entry[0] >= oldest);
  const next = entries.length > 0 ? entries[0]![0] + trait.windowMs + 1 : null;
  if (entries.length === 0) return { value: emptyValue(trait.aggregate), next };
  const values = entries.map((entry) => entry[1]);
  const numbers = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  switch (trait.aggregate) {
    case 'count': return { value: entries.length, next };
    case 'sum': return { value: numbers.reduce((sum, value) => sum + value, 0), next };
    case 'average': return { value: numbers.length > 0 ? numbers.reduce((sum, value) => sum + value, 0) / numbers.length : null, next };
    // A loop, not Math.min(...numbers): a busy profile's window can hold more values than a call takes arguments.
    case 'min': return { value: numbers.reduce<number | null>((least, value) => (least === null || value < least ? value : least), null), next };
    case 'max': return { value: numbers.reduce<number | null>((most, value) => (most === null || value > most ? value : most), null), next };
    case 'first': return { value: values[0] ?? null, next };
    case 'last': return { value: values[values.length - 1] ?? null, next };
    case 'most_frequent':
    case 'distinct_count': {
      const seen: Record<string, number> = {};
      for (const value of values) if (value !== null) seen[String(value)] = (seen[String(value)] ?? 0) + 1;
      return { value: trait.aggregate === 'most_frequent' ? mostFrequent(seen) : Object.keys(seen).length, next };
    }
    case 'days_since_last': {
      const last = entries[entries.length - 1]![0];
      return daysSince(last, now, next);
    }
  }
}

function allTimeValue(aggregate: Aggregate, accumulator: Accumulator, now: number): Answer<Primitive | null> {
  switch (aggregate) {
    case 'count': return { value: accumulator.n, next: null };
    case 'sum': return { value: accumulator.s ?? 0, next: null };
    case 'average': return { value: accumulator.sn ? (accumulator.s ?? 0) / accumulator.sn : null, next: null };
    case 'min': return { value: accumulator.mn ?? null, next: null };
    case 'max': return { value: accumulator.mx ?? null, next: null };
    case 'first': return { value: accumulator.fv ?? null, next: null };
    case 'last': return { value: accumulator.lv ?? null, next: null };
    case 'most_frequent': return { value: mostFrequent(accumulator.q ?? {}), next: null };
    case 'distinct_count': return { value: Object.keys(accumulator.q ?? {}).length, next: null };
    case 'days_since_last': return accumulator.l === null ? { value: null, next: null } : daysSince(accumulator.l, now, null);
  }
}

/** Whole days since a moment; the answer changes at the next whole day (or earlier when the window says so). */
function daysSince(last: number, now: number, windowNext: number | null): Answer<number> {
  const days = Math.max(0, Math.floor((now - last) / DAY_MS));
  const nextDay = last + (days + 1) * DAY_MS;
  return { value: days, next: windowNext === null ? nextDay : Math.min(nextDay, windowNext) };
}

function emptyValue(aggregate: Aggregate): Primitive | null {
  return aggregate === 'count' || aggregate === 'sum' || aggregate === 'distinct_count' ? 0 : null;
}

/** The value seen most often; ties go to the alphabetically first, so the answer never flickers. */
function mostFrequent(seen: Record<string, number>): string | null {
  let best: string | null = null;
  let bestCount = 0;
  for (const [value, count] of Object.entries(seen)) {
    if (count > bestCount || (count === bestCount && best !== null && value < best)) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

/** Whether the profile is in the segment now. */
export function evaluateSegment(segment: CompiledSegment, profile: ProfileView, now: number): Answer<boolean> {
  return evaluate(segment.root, profile, now);
}

function evaluate(node: Compiled, profile: ProfileView, now: number): Answer<boolean> {
  switch (node.kind) {
    case 'and':
    case 'or': {
      let next: number | null = null;
      let value = node.kind === 'and';
      for (const child of node.of) {
        const answer = evaluate(child, profile, now);
        next = earliest(next, answer.next);
        if (node.kind === 'and') value &&= answer.value;
        else value ||= answer.value;
      }
      return { value, next };
    }
    case 'not': {
      const answer = evaluate(node.of, profile, now);
      return { value: !answer.value, next: answer.next };
    }
    case 'trait':
      return compare(profile.traits[node.trait], node.comparison, node.zone, now);
    case 'computed':
      return compare(profile.computed[node.key], node.comparison, node.zone, now);
    case 'segment':
      return { value: (profile.members[node.segmentId] !== undefined) === node.member, next: null };
    case 'performed':
      return performed(node, profile.accumulators[node.tracker], now);
    case 'occurrence': {
      const accumulator = profile.accumulators[node.tracker];
      const at = accumulator ? (node.which === 'first' ? accumulator.f : accumulator.l) : null;
      if (at === null || at === undefined) return { value: false, next: null };
      // An event a clock put slightly in the future happened now, as far as "how long ago" goes; fixed
      // dates and "within the next" compare its own time.
      const relativeToNow = node.comparison.op === 'within_last' || node.comparison.op === 'more_than_ago';
      return compareTime(relativeToNow ? Math.min(at, now) : at, node.comparison, node.zone, now);
    }
  }
}

function performed(node: Extract<Compiled, { kind: 'performed' }>, accumulator: Accumulator | undefined, now: number): Answer<boolean> {
  if (node.windowMs === null) {
    const count = accumulator?.n ?? 0;
    return { value: countPasses(node.op, count, node.count), next: null };
  }
  const oldest = now - node.windowMs;
  const entries = accumulator?.r ?? [];
  let start = 0;
  while (start < entries.length && entries[start]![0] < oldest) start += 1;
  const count = entries.length - start;
  const value = countPasses(node.op, count, node.count);
  // The count only falls while no event comes: find when it next crosses the bound.
  const expiry = (index: number) => entries[start + index]![0] + node.windowMs! + 1;
  let next: number | null = null;
  if (node.op === 'at_least' && value && node.count > 0) next = expiry(count - node.count);
  else if (node.op === 'at_most' && !value) next = expiry(count - node.count - 1);
  else if (node.op === 'exactly' && count > node.count) next = expiry(count - node.count - 1);
  else if (node.op === 'exactly' && value && count > 0) next = expiry(0);
  return { value, next };
}

function countPasses(op: 'at_least' | 'at_most' | 'exactly', count: number, bound: number): boolean {
  if (op === 'at_least') return count >= bound;
  if (op === 'at_most') return count <= bound;
  return count === bound;
}

const DATE_OP_SET = new Set<string>(DATE_OPS);
/** Date operators relative to now: their answers change as time passes. */
const RELATIVE_OPS = new Set(['within_last', 'more_than_ago', 'within_next']);

function compare(value: unknown, comparison: Comparison, zone: string, now: number): Answer<boolean> {
  if (!DATE_OP_SET.has(comparison.op)) {
    return { value: passes(value, comparison as Parameters<typeof passes>[1]), next: null };
  }
  const at = timeOf(value, zone);
  if (at === null) return { value: false, next: null };
  return compareTime(at, comparison, zone, now);
}

/** A moment against a date operator, with when the answer flips as time passes. */
function compareTime(at: number, comparison: Comparison, zone: string, now: number): Answer<boolean> {
  const span = (comparison.days ?? 0) * DAY_MS;
  switch (comparison.op) {
    case 'before':
    case 'after': {
      const bound = typeof comparison.value === 'string' ? parseZonedDate(comparison.value, zone) : null;
      if (bound === null) return { value: false, next: null };
      return { value: comparison.op === 'before' ? at < bound : at >= bound, next: null };
    }
    case 'within_last': {
      // In the last N days: not older than N days, and not in the future.
      if (at > now) return { value: false, next: at };
      const value = at >= now - span;
      return { value, next: value ? at + span + 1 : null };
    }
    case 'more_than_ago': {
      const value = at < now - span;
      return { value, next: value ? null : at + span + 1 };
    }
    case 'within_next': {
      if (at < now) return { value: false, next: null };
      const value = at <= now + span;
      return { value, next: value ? at + 1 : at - span };
    }
    default:
      return { value: false, next: null };
  }
}

/** The sooner of two moments, either of which may be none. */
export function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
