import type { Touchpoint } from './event-schema.ts';

export const DEFAULT_DEPARTMENT = 'unassigned';
const CODE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const MAX_TOUCHPOINT_LENGTH = 120;

/** Lower-cases and checks a channel or department code; returns null when it is not one. */
export function normaliseCode(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const code = value.trim().toLowerCase();
  return CODE.test(code) ? code : null;
}

/** Trims a touchpoint name; returns null when it is empty, too long or not a string. */
export function normaliseTouchpointName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = value.trim().replace(/\s+/g, ' ');
  return name === '' || name.length > MAX_TOUCHPOINT_LENGTH ? null : name;
}

export type TouchpointOverride = { ok: true; value: Partial<Touchpoint> } | { ok: false; field: string; message: string };

/**
 * Reads `context.touchpoint`: either a touchpoint name, or an object with any of
 * `name` (or `touchpoint`), `channel` and `department`.
 */
export function readTouchpointOverride(value: unknown): TouchpointOverride {
  if (value === undefined || value === null) return { ok: true, value: {} };
  if (typeof value === 'string') {
    const name = normaliseTouchpointName(value);
    return name === null
      ? { ok: false, field: 'context.touchpoint', message: `must be a non-empty name of at most ${MAX_TOUCHPOINT_LENGTH} characters` }
      : { ok: true, value: { touchpoint: name } };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, field: 'context.touchpoint', message: 'must be a name or an object {name, channel, department}' };
  }
  const record = value as Record<string, unknown>;
  const result: Partial<Touchpoint> = {};
  const rawName = record.name ?? record.touchpoint;
  if (rawName !== undefined) {
    const name = normaliseTouchpointName(rawName);
    if (name === null) {
      return { ok: false, field: 'context.touchpoint.name', message: `must be a non-empty string of at most ${MAX_TOUCHPOINT_LENGTH} characters` };
    }
    result.touchpoint = name;
  }
  for (const key of ['channel', 'department'] as const) {
    if (record[key] === undefined) continue;
    const code = normaliseCode(record[key]);
    if (code === null) {
      return {
        ok: false,
        field: `context.touchpoint.${key}`,
        message: 'must be a code of letters, digits, "-" or "_" (at most 64 characters), such as "phone" or "service"',
      };
    }
    result[key] = code;
  }
  return { ok: true, value: result };
}

/** Guesses the channel of an event whose source and sender did not name one. */
export function inferChannel(type: string, context: Record<string, unknown> | undefined): string {
  if (type === 'screen') return 'app';
  if (type === 'page') return 'web';
  const app = context?.app;
  const os = context?.os as Record<string, unknown> | undefined;
  if (app && typeof app === 'object' && typeof os?.name === 'string' && /ios|android|ipados/i.test(os.name)) return 'app';
  if (context && (typeof context.userAgent === 'string' || typeof context.page === 'object')) return 'web';
  const library = context?.library as Record<string, unknown> | undefined;
  if (typeof library?.name === 'string' && /node|python|java|go|ruby|php|\.net|server/i.test(library.name)) return 'server';
  return 'unknown';
}
