import type { ValueFilter } from './analytics/analytics-model.ts';

/**
 * How a property or trait value is compared with a filter: one reading shared by segments (which
 * evaluate it in the engine) and the analytics reference answers (which check the stores' SQL).
 */

/** A value's text form as stores compare it: strings as they are, numbers and booleans printed, anything else none. */
export function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** Follows a dotted path into an object; undefined when any part is missing. */
export function valueAt(object: Record<string, unknown>, path: string): unknown {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Whether a property or trait value (undefined when absent) passes a filter. */
export function passes(value: unknown, filter: ValueFilter): boolean {
  const present = value !== undefined && value !== null;
  if (filter.op === 'exists') return present;
  if (filter.op === 'not_exists') return !present;
  const text = textOf(value);
  const wanted = Array.isArray(filter.value) ? filter.value.map(String) : [String(filter.value)];
  switch (filter.op) {
    case 'eq': return text !== null && text === wanted[0];
    case 'neq': return text !== null && text !== wanted[0];
    case 'in': return text !== null && wanted.includes(text);
    case 'not_in': return text !== null && !wanted.includes(text);
    case 'contains': return text !== null && text.toLowerCase().includes(wanted[0]!.toLowerCase());
    default: {
      if (typeof value !== 'number') return false;
      const bound = Number(filter.value);
      if (filter.op === 'gt') return value > bound;
      if (filter.op === 'gte') return value >= bound;
      if (filter.op === 'lt') return value < bound;
      return value <= bound;
    }
  }
}
