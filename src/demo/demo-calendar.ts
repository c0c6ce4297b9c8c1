import type { Prng } from './prng.ts';

/**
 * The demo company's year: German local time, seasons (Black Friday, Christmas, summer lull),
 * weekdays and opening hours. Each kind of touchpoint has its own rhythm, so activity is sampled
 * on days and at hours when it really happens (stores are closed on Sundays and holidays).
 */
export type Rhythm = 'web' | 'app' | 'store' | 'hotline' | 'office';

interface RhythmShape {
  /** Weight of each weekday, Sunday first. */
  weekdays: readonly number[];
  /** Weight of each local hour. */
  hours: readonly number[];
  closedOnHolidays: boolean;
}

const RHYTHMS: Record<Rhythm, RhythmShape> = {
  web: {
    weekdays: [1.2, 1.05, 1, 1, 1, 0.95, 0.9],
    hours: [2, 1, 0.5, 0.3, 0.3, 0.5, 1.5, 3, 4, 4.5, 5, 5.5, 6.5, 6, 5, 5, 5.5, 6, 7, 8.5, 9.5, 9, 7, 4],
    closedOnHolidays: false,
  },
  app: {
    weekdays: [1.25, 1, 1, 1, 1, 1, 1.05],
    hours: [2, 1, 0.5, 0.3, 0.3, 1, 3, 6.5, 7, 4, 3.5, 4, 6, 5, 3.5, 3.5, 4.5, 6.5, 7, 7.5, 8.5, 9, 7, 4],
    closedOnHolidays: false,
  },
  store: {
    weekdays: [0, 0.8, 0.85, 0.9, 1, 1.25, 1.7],
    hours: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 5, 5.5, 5, 5, 5.5, 6.5, 7, 6, 0, 0, 0, 0],
    closedOnHolidays: true,
  },
  hotline: {
    weekdays: [0, 1.35, 1.1, 1, 1, 0.9, 0.35],
    hours: [0, 0, 0, 0, 0, 0, 0, 0, 4, 6.5, 7, 6.5, 5, 5, 6, 6, 5.5, 4.5, 3.5, 2.5, 0, 0, 0, 0],
    closedOnHolidays: true,
  },
  office: {
    weekdays: [0, 1.1, 1, 1, 1, 0.9, 0],
    hours: [0, 0, 0, 0, 0, 0, 0, 0, 5, 7, 7, 6.5, 4, 5, 6.5, 6, 4.5, 2, 0, 0, 0, 0, 0, 0],
    closedOnHolidays: true,
  },
};

const MONTH_FACTORS = [0.85, 0.8, 0.95, 1, 1, 0.95, 0.88, 0.88, 1, 1.05, 1.2, 1.45];
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** One marketing send of the newsletter, to every subscriber at the time. */
export interface Campaign {
  id: string;
  name: string;
  subject: string;
  /** Day index of the send. */
  day: number;
}

/** The days of the demo and where in them things happen. */
export class DemoCalendar {
  readonly days: number;
  readonly campaigns: readonly Campaign[];
  private readonly midnights: number[];
  private readonly cumulative = new Map<Rhythm, Float64Array>();
  private readonly hourTables = new Map<Rhythm, Float64Array>();

  /** `start` is the first local day, YYYY-MM-DD. */
  constructor(start: string, days: number) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(start);
    if (!match) throw new Error(`start must be a date like 2025-11-01, not "${start}"`);
    this.days = days;
    const [year, month, day] = [Number(match[1]), Number(match[2]) - 1, Number(match[3])];
    this.midnights = [];
    for (let d = 0; d <= days + 1; d++) this.midnights.push(localMidnight(year, month, day + d));
    for (const rhythm of Object.keys(RHYTHMS) as Rhythm[]) {
      const shape = RHYTHMS[rhythm];
      const cumulative = new Float64Array(days + 1);
      for (let d = 0; d < days; d++) cumulative[d + 1] = cumulative[d]! + this.dayWeight(d, shape);
      this.cumulative.set(rhythm, cumulative);
      const hours = new Float64Array(25);
      shape.hours.forEach((weight, hour) => (hours[hour + 1] = hours[hour]! + weight));
      this.hourTables.set(rhythm, hours);
    }
    this.campaigns = this.planCampaigns();
  }

  get startMs(): number {
    return this.midnights[0]!;
  }

  get endMs(): number {
    return this.midnights[this.days]!;
  }

  /** The day index a time falls on (may be beyond the last day). */
  dayOf(time: number): number {
    let low = 0;
    let high = this.midnights.length - 1;
    if (time >= this.midnights[high]!) return high + Math.floor((time - this.midnights[high]!) / DAY_MS);
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.midnights[middle]! <= time) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** A day in [from, to] where activity of this rhythm is likely, or null when it never happens then. */
  sampleDay(rhythm: Rhythm, random: Prng, from: number, to: number): number | null {
    const cumulative = this.cumulative.get(rhythm)!;
    const first = Math.max(0, Math.floor(from));
    const last = Math.min(this.days - 1, Math.floor(to));
    if (last < first) return null;
    const low = cumulative[first]!;
    const span = cumulative[last + 1]! - low;
    if (span <= 0) return null;
    const target = low + random.next() * span;
    let lo = first;
    let hi = last;
    while (lo < hi) {
      const middle = (lo + hi) >> 1;
      if (cumulative[middle + 1]! > target) hi = middle;
      else lo = middle + 1;
    }
    return lo;
  }

  /** A moment on `day` at an hour typical of the rhythm, in epoch milliseconds. */
  timeOn(day: number, rhythm: Rhythm, random: Prng): number {
    const hours = this.hourTables.get(rhythm)!;
    const target = random.next() * hours[24]!;
    let hour = 0;
    while (hour < 23 && hours[hour + 1]! <= target) hour += 1;
    return this.midnights[Math.min(day, this.days)]! + hour * HOUR_MS + Math.floor(random.next() * HOUR_MS);
  }

  /** A time `days` business days (Monday to Friday, no holidays) after `time`, at an office hour. */
  officeTimeAfter(time: number, days: number, random: Prng): number {
    let day = this.dayOf(time);
    let left = days;
    while (left > 0 || this.isClosed(day, RHYTHMS.office)) {
      day += 1;
      if (!this.isClosed(day, RHYTHMS.office)) left -= 1;
      if (day > this.days + 60) break;
    }
    const at = this.timeOn(Math.min(day, this.days), 'office', random);
    return day > this.days ? at + (day - this.days) * DAY_MS : at;
  }

  /** The local weekday (0 is Sunday) and date of a day index. */
  dateOf(day: number): { year: number; month: number; date: number; weekday: number } {
    const noon = new Date(this.midnights[Math.min(day, this.days)]! + 12 * HOUR_MS + Math.max(0, day - this.days) * DAY_MS);
    return { year: noon.getUTCFullYear(), month: noon.getUTCMonth(), date: noon.getUTCDate(), weekday: noon.getUTCDay() };
  }

  private dayWeight(day: number, shape: RhythmShape): number {
    if (this.isClosed(day, shape)) return 0;
    const { year, month, date, weekday } = this.dateOf(day);
    return shape.weekdays[weekday]! * MONTH_FACTORS[month]! * this.peak(year, month, date);
  }

  private isClosed(day: number, shape: RhythmShape): boolean {
    const { year, month, date, weekday } = this.dateOf(day);
    return shape.weekdays[weekday] === 0 || (shape.closedOnHolidays && isHoliday(year, month, date));
  }

  /** Black Friday week, the weeks before Christmas, the quiet days around it, the January sale. */
  private peak(year: number, month: number, date: number): number {
    if (month === 10) {
      const friday = blackFriday(year);
      if (date === friday) return 2.2;
      if (date >= friday - 4 && date <= friday + 3) return 1.45;
    }
    if (month === 11) {
      if (date <= 22) return 1.15;
      if (date >= 24 && date <= 26) return 0.45;
    }
    if (month === 0 && date <= 10) return 1.2;
    return 1;
  }

  /** A monthly newsletter on the first Thursday and the big sales, each on its own day. */
  private planCampaigns(): Campaign[] {
    const campaigns: Campaign[] = [];
    const subjects = [
      'New in: the season\'s favourites', 'Ideas for a cosy home', 'Our bestsellers this month', 'Fresh arrivals from our stores',
      'Five things our staff love', 'Make more of your kitchen',
    ];
    for (let day = 0; day < this.days; day++) {
      const { year, month, date, weekday } = this.dateOf(day);
      const label = `${year}-${String(month + 1).padStart(2, '0')}`;
      if (weekday === 4 && date <= 7) {
        campaigns.push({ id: `newsletter-${label}`, name: 'Monthly newsletter', subject: subjects[(month + year) % subjects.length]!, day });
      }
      if (month === 10 && date === blackFriday(year) - 1) campaigns.push({ id: `black-friday-${year}`, name: 'Black Friday', subject: 'Black Friday: up to 40% off', day });
      if (month === 11 && date === 10) campaigns.push({ id: `christmas-${year}`, name: 'Christmas gifts', subject: 'Gifts they will keep', day });
      if (month === 0 && date === 2) campaigns.push({ id: `winter-sale-${year}`, name: 'Winter sale', subject: 'Winter sale starts now', day });
      if (month === 3 && date === 2) campaigns.push({ id: `spring-${year}`, name: 'Spring collection', subject: 'Spring is here', day });
      if (month === 6 && date === 1) campaigns.push({ id: `summer-sale-${year}`, name: 'Summer sale', subject: 'Summer sale: last pieces', day });
      if (month === 8 && date === 15) campaigns.push({ id: `autumn-${year}`, name: 'Autumn collection', subject: 'Warm colours for autumn', day });
    }
    return campaigns;
  }
}

/** The Friday after the fourth Thursday of November. */
function blackFriday(year: number): number {
  for (let date = 23; date <= 29; date++) if (new Date(Date.UTC(year, 10, date)).getUTCDay() === 5) return date;
  return 28;
}

/** UTC milliseconds of local midnight in Germany (CET, or CEST from the last Sunday of March to the last of October). */
function localMidnight(year: number, month: number, date: number): number {
  const utcMidnight = Date.UTC(year, month, date);
  const summer = utcMidnight >= lastSunday(new Date(utcMidnight).getUTCFullYear(), 2) && utcMidnight < lastSunday(new Date(utcMidnight).getUTCFullYear(), 9);
  return utcMidnight - (summer ? 2 : 1) * HOUR_MS;
}

function lastSunday(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay());
}

/** Nationwide German public holidays. */
function isHoliday(year: number, month: number, date: number): boolean {
  const fixed = [[0, 1], [4, 1], [9, 3], [11, 25], [11, 26]];
  if (fixed.some(([m, d]) => m === month && d === date)) return true;
  const easter = easterSunday(year);
  const offset = Math.round((Date.UTC(year, month, date) - easter) / DAY_MS);
  return [-2, 1, 39, 50].includes(offset);
}

/** Easter Sunday (the anonymous Gregorian algorithm), in UTC milliseconds. */
function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 114);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return Date.UTC(year, month - 1, day);
}
