/**
 * Dates in definitions and in trait values. A date without a time (`2026-03-01`) means midnight where
 * the segment's customers are, so "bought in March" in Berlin starts at 23:00 UTC on 28 February.
 */

export const DAY_MS = 86_400_000;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ISO 8601 as definitions and traits write it: a date, or a date and time with an optional offset. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}:?\d{2})?$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** True when the IANA time zone is known to this runtime. */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Epoch milliseconds of a date or time text in a zone, or null when it is not one. */
export function parseZonedDate(text: string, zone: string): number | null {
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) {
    const [year, month, day] = [Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3])];
    // 2026-02-31 is no date (Date.UTC would roll it over into March).
    if (month < 1 || month > 12 || day < 1 || new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return null;
    return zonedMidnight(year, month, day, zone);
  }
  // Only ISO 8601: Date.parse also reads "Berlin 2020" or "1" as dates.
  if (!ISO_TIME.test(text)) return null;
  const iso = text.replace(' ', 'T');
  // A time with an offset or Z names its instant already; one without is read in the zone.
  if (!/[zZ]$|[+-]\d{2}:?\d{2}$/.test(iso)) {
    const naive = Date.parse(`${iso}Z`);
    return Number.isNaN(naive) ? null : naive - offsetAt(naive, zone);
  }
  const parsed = Date.parse(iso);
  return Number.isNaN(parsed) ? null : parsed;
}

/** A trait or property value read as a time: epoch milliseconds as a number, or a date text. */
export function timeOf(value: unknown, zone: string): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.length >= 10 && value.length <= 40) return parseZonedDate(value, zone);
  return null;
}

function zonedMidnight(year: number, month: number, day: number, zone: string): number {
  const naive = Date.UTC(year, month - 1, day);
  // The offset at the guess, then at the corrected instant: right across a daylight-saving change too.
  const first = naive - offsetAt(naive, zone);
  return naive - offsetAt(first, zone);
}

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function offsetAt(instant: number, zone: string): number {
  if (zone === 'UTC') return 0;
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!);
  return wall - Math.floor(instant / 1000) * 1000;
}

function formatter(zone: string): Intl.DateTimeFormat {
  let known = formatters.get(zone);
  if (!known) {
    known = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, known);
  }
  return known;
}
