/** A stored time (milliseconds since the epoch) as the ISO 8601 text every API answer carries; null stays null. */
export function isoTime(time: number): string;
export function isoTime(time: number | null): string | null;
export function isoTime(time: number | null): string | null {
  return time === null ? null : new Date(time).toISOString();
}
