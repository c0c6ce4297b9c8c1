/** How times and numbers read in the console. */

const dateTime = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const dateOnly = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
const timeOnly = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const numbers = new Intl.NumberFormat('en-US');

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

export function formatDate(iso: string | null | undefined): string {
  return iso ? dateOnly.format(new Date(iso)) : '—';
}

export function formatTime(iso: string): string {
  return timeOnly.format(new Date(iso));
}

export function formatDay(iso: string): string {
  return weekday.format(new Date(iso));
}

export function formatNumber(value: number): string {
  return numbers.format(value);
}

export function formatPercent(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)}%`;
}

/** "3 days ago", "in 2 hours" for the last four weeks; older times as their date, which reads better than "9 months ago". */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = (new Date(iso).getTime() - now) / 1000;
  if (Math.abs(seconds) >= 28 * 86400) return dateOnly.format(new Date(iso));
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['week', 7 * 86400],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ];
  const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

const SPELLINGS: Record<string, string> = { whatsapp: 'WhatsApp', sms: 'SMS', nps: 'NPS', csat: 'CSAT', ces: 'CES', id: 'ID' };

/** "service" -> "Service"; codes are shown as words. */
export function label(code: string): string {
  const known = SPELLINGS[code.toLowerCase()];
  if (known) return known;
  const words = code.replaceAll(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A short text for any JSON value, for property lists. */
export function brief(value: unknown, max = 60): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
