/** How far ahead of the server's clock an event time may be before it is clamped. */
export const MAX_FUTURE_MS = 23 * 60 * 60 * 1000;

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Parses an ISO-8601 date or date-time to epoch milliseconds, or null when it is not one.
 * A time without a zone is read as UTC, so the result never depends on the server's zone.
 */
export function parseIsoTime(value: string): number | null {
  const match = ISO_8601.exec(value.trim());
  if (!match) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = match;
  const daysInMonth = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > daysInMonth) return null;
  const millis = (frac + '000').slice(0, 3);
  const normalisedZone = zone === 'z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const parsed = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${millis}${normalisedZone}`);
  return Number.isNaN(parsed) ? null : parsed;
}

export interface EventTimes {
  timestamp: number;
  originalTimestamp: number | null;
  sentAt: number | null;
  warnings: string[];
}

/**
 * Works out when an event happened, correcting a device's clock the way Segment does:
 * the device's own offset between sending and the event is applied to the server's receive time,
 * `timestamp = receivedAt - (sentAt - originalTimestamp)`. An event time more than 23 hours
 * ahead of the server is not believable and becomes the receive time, with a warning.
 */
export function resolveEventTimes(input: {
  timestamp: number | null;
  originalTimestamp: number | null;
  sentAt: number | null;
  receivedAt: number;
  /** False for historical data (imports): the sender's clock is trusted and sentAt only kept. */
  correctSkew?: boolean;
}): EventTimes {
  const warnings: string[] = [];
  const original = input.originalTimestamp ?? input.timestamp;
  let timestamp: number;
  if (original !== null && input.sentAt !== null && input.correctSkew !== false) {
    timestamp = input.receivedAt - (input.sentAt - original);
  } else {
    timestamp = original ?? input.receivedAt;
  }
  if (timestamp > input.receivedAt + MAX_FUTURE_MS) {
    warnings.push(
      `timestamp ${new Date(timestamp).toISOString()} was more than 23 hours after the time received; it was set to the time received`,
    );
    timestamp = input.receivedAt;
  }
  return { timestamp, originalTimestamp: original, sentAt: input.sentAt, warnings };
}
