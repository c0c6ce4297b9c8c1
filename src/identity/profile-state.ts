import type { StoredEvent } from '../core/event-schema.ts';

/** A trait's value with where it came from; the newest event time wins, then the later arrival. */
export interface TraitValue {
  value: unknown;
  at: number;
  seq: number;
  sourceId: string;
  messageId: string;
}

/**
 * What a profile knows, folded from its events. It is a pure function of the events, so a merge
 * combines two states and an unmerge recomputes each side from its own events.
 */
export interface ProfileState {
  traits: Record<string, TraitValue>;
  firstSeen: number | null;
  lastSeen: number | null;
  eventCount: number;
  channels: Record<string, number>;
  touchpoints: Record<string, number>;
  departments: Record<string, number>;
}

export function emptyProfileState(): ProfileState {
  return { traits: {}, firstSeen: null, lastSeen: null, eventCount: 0, channels: {}, touchpoints: {}, departments: {} };
}

/** Folds one stored event (with its arrival number) into a profile's state. */
export function applyEvent(state: ProfileState, event: StoredEvent, seq: number): void {
  state.eventCount += 1;
  state.firstSeen = state.firstSeen === null ? event.timestamp : Math.min(state.firstSeen, event.timestamp);
  state.lastSeen = state.lastSeen === null ? event.timestamp : Math.max(state.lastSeen, event.timestamp);
  increment(state.channels, event.channel, 1);
  increment(state.touchpoints, event.touchpoint, 1);
  increment(state.departments, event.department, 1);
  const payload = event.payload;
  const context = payload.context as Record<string, unknown> | undefined;
  for (const traits of [event.type === 'identify' ? payload.traits : undefined, context?.traits]) {
    if (typeof traits !== 'object' || traits === null || Array.isArray(traits)) continue;
    for (const [key, value] of Object.entries(traits)) {
      if (value === undefined) continue;
      setTrait(state.traits, key, { value, at: event.timestamp, seq, sourceId: event.sourceId, messageId: event.messageId });
    }
  }
}

/** The state of two joined profiles: the same as if one profile had received both sides' events. */
export function combineStates(a: ProfileState, b: ProfileState): ProfileState {
  const combined: ProfileState = {
    traits: { ...a.traits },
    firstSeen: minOf(a.firstSeen, b.firstSeen),
    lastSeen: maxOf(a.lastSeen, b.lastSeen),
    eventCount: a.eventCount + b.eventCount,
    channels: { ...a.channels },
    touchpoints: { ...a.touchpoints },
    departments: { ...a.departments },
  };
  for (const [key, value] of Object.entries(b.traits)) setTrait(combined.traits, key, value);
  for (const [key, count] of Object.entries(b.channels)) increment(combined.channels, key, count);
  for (const [key, count] of Object.entries(b.touchpoints)) increment(combined.touchpoints, key, count);
  for (const [key, count] of Object.entries(b.departments)) increment(combined.departments, key, count);
  return combined;
}

/** A readable name for search and lists, from the usual trait names. */
export function displayName(state: ProfileState): string | null {
  const trait = (key: string) => {
    const value = state.traits[key]?.value;
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
  };
  const full = trait('name') ?? ([trait('firstName') ?? trait('first_name'), trait('lastName') ?? trait('last_name')].filter(Boolean).join(' ') || null);
  return full;
}

function setTrait(traits: Record<string, TraitValue>, key: string, candidate: TraitValue): void {
  const current = Object.prototype.hasOwnProperty.call(traits, key) ? traits[key] : undefined;
  if (!current || candidate.at > current.at || (candidate.at === current.at && candidate.seq > current.seq)) {
    Object.defineProperty(traits, key, { value: candidate, enumerable: true, writable: true, configurable: true });
  }
}

function increment(counts: Record<string, number>, key: string, by: number): void {
  const value = (Object.prototype.hasOwnProperty.call(counts, key) ? counts[key]! : 0) + by;
  Object.defineProperty(counts, key, { value, enumerable: true, writable: true, configurable: true });
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}
