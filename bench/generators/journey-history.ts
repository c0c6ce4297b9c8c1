import { closeSync, openSync, writeSync } from 'node:fs';
import { analyticsEventName, type AnalyticsEvent } from '../../src/core/analytics/analytics-model.ts';
import { DEMO_SOURCES, type DemoSourceKey } from '../../src/demo/demo-company.ts';
import { PRODUCTS } from '../../src/demo/demo-catalog.ts';
import { CITIES } from '../../src/demo/demo-people.ts';
import { Prng } from './prng.ts';

/**
 * A year of a multi-channel retailer's event history at any scale, in the vocabulary of the demo
 * company (its sources, products and store cities), written straight to CSV files in the columns of
 * the analytics store: millions of events in seconds, where the demo renders every call in full.
 *
 * Customers shop in sessions on the web shop and the app (views, cart, checkout, order), buy in their
 * city's store, call the hotline, open newsletters and complain; their first session identifies them
 * with traits (plan, city). A few customers' first session sits on a cookie profile that was merged
 * into them after it was copied: those events carry the cookie's id and an alias maps it, as in a
 * live copy between two compactions.
 */

export interface JourneyHistoryOptions {
  events: number;
  customers: number;
  seed: number;
  /** Share of customers with a merged cookie profile (an alias each). */
  aliasShare?: number;
}

export interface JourneyHistory {
  events: number;
  customers: number;
  aliases: number;
  /** The generated period [from, to). */
  from: number;
  to: number;
}

const DAY = 86_400_000;
const START = Date.UTC(2025, 10, 1);
const DAYS = 365;

/** The columns an event takes from its kind. */
type Kind = Pick<AnalyticsEvent, 'type' | 'event' | 'channel' | 'touchpoint' | 'department' | 'sourceId'>;

/** A kind of call from one of the demo's sources, named as the analytics copy names it (a page call is "Page Viewed"). */
function kind(source: DemoSourceKey, type: string, event: string | null, touchpoint?: string): Kind {
  const found = DEMO_SOURCES.find((candidate) => candidate.key === source)!;
  return {
    type, event: analyticsEventName(type, event), channel: found.channel, touchpoint: touchpoint ?? found.touchpoint, department: found.department,
    sourceId: `src_${source}`,
  };
}

const SHOP_STEPS = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'] as const;
const KINDS: Kind[] = [
  ...SHOP_STEPS.map((event) => kind('web', 'track', event)),
  ...SHOP_STEPS.map((event) => kind('app', 'track', event)),
  kind('web', 'identify', null),
  kind('app', 'identify', null),
  ...CITIES.map((city) => kind('stores', 'track', 'Order Completed', city.store)),
  kind('hotline', 'track', 'Call Started'),
  kind('newsletter', 'track', 'Email Opened'),
  kind('newsletter', 'track', 'Email Link Clicked'),
  kind('complaints', 'track', 'Complaint Received'),
  kind('web', 'page', null),
  kind('service-chat', 'track', 'Chat Started'),
];
const K = Object.fromEntries(KINDS.map((entry, index) => [`${entry.channel}:${entry.touchpoint}:${entry.event}`, index]));
const WEB_STEP = SHOP_STEPS.map((event) => K[`web:web shop:${event}`]!);
const APP_STEP = SHOP_STEPS.map((event) => K[`app:shop app:${event}`]!);
const IDENTIFY = { web: K['web:web shop:Identified']!, app: K['app:shop app:Identified']! };
const STORE_ORDER = CITIES.map((city) => K[`store:${city.store}:Order Completed`]!);
const CALL = K['phone:hotline:Call Started']!;
const EMAIL_OPENED = K['email:newsletter:Email Opened']!;
const EMAIL_CLICKED = K['email:newsletter:Email Link Clicked']!;
const COMPLAINT = K['email:complaints desk:Complaint Received']!;
const PAGE = K['web:web shop:Page Viewed']!;
const CHAT = K['chat:web chat:Chat Started']!;
const PLANS = ['basic', 'plus', 'premium'] as const;

/** A CSV field: quoted, with quotes doubled. */
function field(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/** Generates the history into `eventsFile` and `aliasesFile` (absorbed_id,root_id), in arrival order. */
export function writeJourneyHistory(options: JourneyHistoryOptions, eventsFile: string, aliasesFile: string): JourneyHistory {
  const random = new Prng(options.seed);
  const mean = options.events / options.customers;
  const counts = new Uint16Array(options.customers);
  let total = 0;
  for (let customer = 0; customer < options.customers; customer++) {
    counts[customer] = Math.min(60_000, 1 + random.count(mean - 1));
    total += counts[customer]!;
  }
  const ts = new Float64Array(total);
  const who = new Int32Array(total);
  const what = new Uint8Array(total);
  const product = new Uint8Array(total);
  const onCookie = new Uint8Array(total);
  const end = START + DAYS * DAY;
  let at = 0;
  /** Events the current customer has still to make. */
  let left = 0;
  const push = (customer: number, time: number, kindIndex: number, productIndex: number, cookie: boolean) => {
    ts[at] = Math.floor(Math.min(time, end - 1));
    who[at] = customer;
    what[at] = kindIndex;
    product[at] = productIndex;
    onCookie[at] = cookie ? 1 : 0;
    at += 1;
    left -= 1;
  };
  const aliases = new Set<number>();
  for (let customer = 0; customer < options.customers; customer++) {
    left = counts[customer]!;
    const city = random.weighted(CITIES.map((entry, index) => [index, entry.share] as const));
    const cookieFirst = random.chance(options.aliasShare ?? 0.02);
    if (cookieFirst) aliases.add(customer);
    let time = START + random.next() * (DAYS - 30) * DAY;
    const spacing = ((end - time) / Math.max(1, left / 3)) * 0.8;
    let first = true;
    while (left > 0) {
      const roll = random.next();
      const cookie = first && cookieFirst;
      if (roll < 0.55) {
        // A shopping session on the web shop or the app: views, then maybe cart, checkout, order.
        const steps = random.chance(0.6) ? WEB_STEP : APP_STEP;
        const item = random.int(0, PRODUCTS.length - 1);
        if (first && left > 1) push(customer, time, steps === WEB_STEP ? IDENTIFY.web : IDENTIFY.app, 0, false);
        for (let views = random.int(1, 3); views > 0 && left > 0; views--) push(customer, (time += random.int(20, 300) * 1000), steps[0]!, item, cookie);
        for (let step = 1; step < 4 && left > 0 && random.chance(step === 1 ? 0.45 : step === 2 ? 0.55 : 0.7); step++) {
          push(customer, (time += random.int(30, 900) * 1000), steps[step]!, item, cookie);
        }
      } else if (roll < 0.65) {
        push(customer, time, STORE_ORDER[random.chance(0.85) ? city : random.int(0, CITIES.length - 1)]!, random.int(0, PRODUCTS.length - 1), false);
      } else if (roll < 0.73) {
        push(customer, time, CALL, 0, false);
      } else if (roll < 0.93) {
        push(customer, time, EMAIL_OPENED, 0, false);
        if (left > 0 && random.chance(0.3)) push(customer, time + random.int(5, 600) * 1000, EMAIL_CLICKED, 0, false);
      } else if (roll < 0.95) {
        push(customer, time, COMPLAINT, 0, false);
      } else if (roll < 0.98) {
        push(customer, time, PAGE, 0, cookie);
      } else {
        push(customer, time, CHAT, 0, false);
      }
      first = false;
      time += random.exponential(spacing);
    }
  }

  // Arrival order is time order: sort by time (to the second), keeping each event's index in the low bits.
  const order = new Float64Array(at);
  for (let index = 0; index < at; index++) order[index] = Math.floor((ts[index]! - START) / 1000) * 16_777_216 + index;
  order.sort();

  const profile = (customer: number) => `prf_${customer.toString(36).padStart(11, '0')}c`;
  const cookieProfile = (customer: number) => `prf_${customer.toString(36).padStart(11, '0')}k`;
  const properties = PRODUCTS.map((item) => field(JSON.stringify({ sku: item.id, category: item.category, price: item.price })));
  const orders = PRODUCTS.map((item) => field(JSON.stringify({ sku: item.id, total: item.price, currency: 'EUR' })));
  const kinds = KINDS.map((entry) => `${entry.type},${field(entry.event)},${entry.channel},${field(entry.touchpoint)},${entry.department},${entry.sourceId}`);
  const file = openSync(eventsFile, 'w');
  let chunk = '';
  for (let position = 0; position < at; position++) {
    const index = order[position]! % 16_777_216;
    const customer = who[index]!;
    const entry = KINDS[what[index]!]!;
    let props = '"{}"';
    let traits = '';
    if (entry.type === 'identify') traits = field(JSON.stringify({ plan: PLANS[customer % 3], city: CITIES[customer % CITIES.length]!.name }));
    else if (entry.event === 'Order Completed') props = orders[product[index]!]!;
    else if (entry.event.startsWith('Product') || entry.event === 'Checkout Started') props = properties[product[index]!]!;
    chunk += `${position + 1},default,${onCookie[index] ? cookieProfile(customer) : profile(customer)},${ts[index]},${kinds[what[index]!]},${props},${traits}\n`;
    if (chunk.length > 4_000_000) {
      writeSync(file, chunk);
      chunk = '';
    }
  }
  writeSync(file, chunk);
  closeSync(file);
  const aliasFile = openSync(aliasesFile, 'w');
  writeSync(aliasFile, [...aliases].map((customer) => `${cookieProfile(customer)},${profile(customer)}\n`).join(''));
  closeSync(aliasFile);
  return { events: at, customers: options.customers, aliases: aliases.size, from: START, to: end };
}
