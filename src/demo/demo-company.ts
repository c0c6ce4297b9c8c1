import { DemoCalendar } from './demo-calendar.ts';
import { planCompany, type Episode } from './demo-stories.ts';
import { Prng } from './prng.ts';

/**
 * "Lindenhaus", a generated multi-channel retailer of home goods: a web shop and an app, four
 * stores, a newsletter, a hotline, a service chat, billing, a complaints desk and NPS surveys.
 * Its customers switch channels the way real ones do, and among them sit the traps identity
 * resolution must not fall into (shared family tablets, test accounts sharing an email, a house
 * loyalty card). Everything is derived from a seed, so the same options give the same events,
 * messageIds included, on every machine: loading a demo twice stores nothing twice.
 */

/** The sources the demo sends through; events override touchpoint, channel or department where they differ. */
export type DemoSourceKey = 'web' | 'app' | 'newsletter' | 'stores' | 'hotline' | 'service-chat' | 'billing' | 'complaints' | 'surveys';

/** A source of the demo company with the touchpoint defaults it is created with. */
export interface DemoSource {
  key: DemoSourceKey;
  name: string;
  channel: string;
  touchpoint: string;
  department: string;
  description: string;
}

export const DEMO_SOURCES: readonly DemoSource[] = [
  { key: 'web', name: 'Web shop', channel: 'web', touchpoint: 'web shop', department: 'sales', description: 'browsing, carts, sign-ins and orders on lindenhaus.example' },
  { key: 'app', name: 'Shop app', channel: 'app', touchpoint: 'shop app', department: 'sales', description: 'the iOS and Android app' },
  { key: 'newsletter', name: 'Newsletter', channel: 'email', touchpoint: 'newsletter', department: 'marketing', description: 'campaign sends, opens and clicks, keyed by email' },
  { key: 'stores', name: 'Store tills', channel: 'store', touchpoint: 'stores', department: 'sales', description: 'purchases in four stores, each event names its store; loyalty cards or anonymous receipts' },
  { key: 'hotline', name: 'Hotline', channel: 'phone', touchpoint: 'hotline', department: 'service', description: 'calls, keyed by the caller\'s number as the phone system wrote it' },
  { key: 'service-chat', name: 'Service chat', channel: 'chat', touchpoint: 'web chat', department: 'service', description: 'web chat (signed-in customers) and WhatsApp (by phone number)' },
  { key: 'billing', name: 'Billing', channel: 'letter', touchpoint: 'invoices', department: 'billing', description: 'invoices by letter or email, reminders and payments, keyed by customer number' },
  { key: 'complaints', name: 'Complaints', channel: 'email', touchpoint: 'complaints desk', department: 'complaints', description: 'complaints by email, phone or letter, keyed by customer number' },
  { key: 'surveys', name: 'Surveys', channel: 'email', touchpoint: 'nps survey', department: 'marketing', description: 'NPS answers (score 0-10) about the touchpoint just used' },
];

export interface DemoCompanyOptions {
  /** Customers of the company (default 10,000); anonymous visitors and test accounts come on top. */
  customers?: number;
  /** Days of history (default 365). */
  days?: number;
  seed?: number;
  /** The first day, YYYY-MM-DD, in German local time (default 2025-11-01: a year ending 2026-11-01). */
  start?: string;
}

export const DEMO_DEFAULTS = { customers: 10_000, days: 365, seed: 42, start: '2025-11-01' } as const;

/** Changes whenever the same options would give other events, so a data directory knows its demo is outdated. */
export const DEMO_GENERATOR_VERSION = 1;

/** One Segment call as an SDK or server integration would send it. */
export type DemoSegmentEvent = Record<string, unknown> & { type: string; messageId: string; timestamp: string };

/** One generated event: the call, the source it arrives through, and who really made it (ground truth). */
export interface DemoEvent {
  sourceKey: DemoSourceKey;
  event: DemoSegmentEvent;
  /** The real person behind the event: "c17" a customer, "v3" an anonymous visitor, "qa5" a test account. */
  person: string;
  /** The event time in epoch milliseconds (the same as `event.timestamp`). */
  time: number;
}

/** A customer as the generator made them, for finding them again in the loaded data. */
export interface DemoCustomer {
  person: string;
  index: number;
  name: string;
  email: string;
  /** E.164. */
  phone: string;
  /** The phone as written at home, such as "030 12345678". */
  phoneNational: string;
  workPhone: string | null;
  city: string;
  homeStore: string;
  customerNumber: string;
  /** The web shop account, when the customer has one. */
  userId: string | null;
  loyaltyCard: string | null;
  /** The customer gave their phone number at sign-up or with their loyalty card, so a call finds them. */
  phoneGiven: boolean;
  /** Browser cookies (anonymousId): the first computer, then a second device when there is one. */
  cookies: string[];
  appInstall: string | null;
  newsletter: boolean;
  /** How many of each story the customer lives through. */
  stories: {
    webSessions: number;
    orders: number;
    storeVisits: number;
    calls: number;
    chats: number;
    complaints: number;
    surveys: number;
    /** The second device signed in at least once, so both devices belong to the customer. */
    secondDeviceSignedIn: boolean;
  };
}

/** Two family members who sign in to the shop app on one tablet. */
export interface DemoFamily {
  tablet: string;
  deviceId: string;
  members: [string, string];
}

export interface DemoCompany {
  options: Required<DemoCompanyOptions>;
  sources: readonly DemoSource[];
  customers: readonly DemoCustomer[];
  /** User ids of the test accounts, which all typed the same email address. */
  testAccounts: readonly string[];
  sharedTestEmail: string;
  families: readonly DemoFamily[];
  /** Loyalty cards at each till that staff scan for customers without one. */
  houseCards: readonly string[];
  /** Every event, in time order. Each call generates them afresh, the same each time. */
  events(): Generator<DemoEvent>;
  /** How many events `events()` yields (generates them once to count). */
  countEvents(): number;
}

export function createDemoCompany(options: DemoCompanyOptions = {}): DemoCompany {
  const resolved = {
    customers: options.customers ?? DEMO_DEFAULTS.customers,
    days: options.days ?? DEMO_DEFAULTS.days,
    seed: options.seed ?? DEMO_DEFAULTS.seed,
    start: options.start ?? DEMO_DEFAULTS.start,
  };
  // Identifiers are derived from the customer's number and stay unique up to a million customers.
  if (!Number.isInteger(resolved.customers) || resolved.customers < 1 || resolved.customers > 1_000_000) {
    throw new Error(`customers must be a whole number from 1 to 1,000,000, not ${resolved.customers}`);
  }
  if (!Number.isInteger(resolved.days) || resolved.days < 7) throw new Error(`days must be a whole number of at least 7, not ${resolved.days}`);
  if (!Number.isInteger(resolved.seed) || resolved.seed < 0) throw new Error(`seed must be a whole number of at least 0, not ${resolved.seed}`);
  const calendar = new DemoCalendar(resolved.start, resolved.days);
  const plan = planCompany({ calendar, seed: resolved.seed, customers: resolved.customers });
  let counted: number | null = null;
  const company: DemoCompany = {
    options: resolved,
    sources: DEMO_SOURCES,
    customers: plan.customers,
    testAccounts: plan.testAccounts,
    sharedTestEmail: plan.sharedTestEmail,
    families: plan.families,
    houseCards: plan.houseCards,
    events: () => orderedEvents(plan.episodes, calendar, resolved.seed),
    countEvents() {
      if (counted === null) {
        counted = 0;
        for (const episode of plan.episodes) episode.render(() => (counted! += 1), episodeRandom(resolved.seed, episode));
      }
      return counted;
    },
  };
  return company;
}

interface Pending {
  time: number;
  order: number;
  item: DemoEvent;
}

/**
 * Renders the episodes day by day and yields each day's events sorted by time. An episode may
 * reach into later days (an invoice paid two weeks on), so its events wait in their day's bucket.
 */
function* orderedEvents(episodes: readonly Episode[], calendar: DemoCalendar, seed: number): Generator<DemoEvent> {
  const lastDay = calendar.days;
  const byDay: Episode[][] = Array.from({ length: lastDay + 1 }, () => []);
  for (const episode of episodes) byDay[Math.min(Math.max(calendar.dayOf(episode.at), 0), lastDay)]!.push(episode);
  const buckets = new Map<number, Pending[]>();
  let order = 0;
  for (let day = 0; day <= lastDay || buckets.size > 0; day++) {
    for (const episode of byDay[day] ?? []) {
      let n = 0;
      const prefix = `demo${seed}-${episode.person}-${episode.no}`;
      episode.render((sourceKey, time, call) => {
        const event = call as DemoSegmentEvent;
        event.messageId = `${prefix}-${n++}`;
        event.timestamp = new Date(time).toISOString();
        const eventDay = Math.max(day, calendar.dayOf(time));
        let bucket = buckets.get(eventDay);
        if (!bucket) buckets.set(eventDay, (bucket = []));
        bucket.push({ time, order: order++, item: { sourceKey, event, person: episode.person, time } });
      }, episodeRandom(seed, episode));
    }
    const bucket = buckets.get(day);
    if (!bucket) continue;
    buckets.delete(day);
    bucket.sort((a, b) => a.time - b.time || a.order - b.order);
    for (const pending of bucket) yield pending.item;
  }
}

/** Each episode renders with a generator of its own, so rendering it again gives the same events. */
function episodeRandom(seed: number, episode: Episode): Prng {
  return Prng.of(seed, 2, episode.owner, episode.no);
}

