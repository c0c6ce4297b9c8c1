import { DEMO_SOURCES, type DemoSourceKey } from '../../src/demo/demo-company.ts';
import { PRODUCTS } from '../../src/demo/demo-catalog.ts';
import { CITIES } from '../../src/demo/demo-people.ts';
import type { SourceContext } from '../../src/ingest/event-draft.ts';
import { Prng } from './prng.ts';

/**
 * The demo company's customers at any scale, as the Segment calls its sources send: a history per
 * customer (an identify first, then shopping on the web shop and the app, store purchases, newsletter
 * opens, calls, chats, complaints and NPS answers, spread over the days before `end`), and fresh calls
 * for customers who already have a profile. Cheaper than the demo, which renders every story in full,
 * and in its vocabulary, so segments written for the demo read this data too. Deterministic per seed
 * and customer number: a customer's history does not depend on how many customers there are.
 */

/** One Segment call and the demo source it arrives through. */
export interface ShopCall {
  sourceKey: DemoSourceKey;
  call: Record<string, unknown> & { type: string; messageId: string };
}

/** Which customers' histories: the same options give the same calls, messageIds included. */
export interface ShopCustomerOptions {
  seed: number;
  /** Epoch milliseconds; every history ends before it. */
  end: number;
  /** Mean calls per customer, the identify included (default 5). */
  meanEvents?: number;
}

const DAY = 86_400_000;
/** How far back a history starts at the most. */
const HISTORY_DAYS = 365;
/** Share of customers who browse the app anonymously first and are merged when they sign in there. */
const MERGE_SHARE = 0.03;
/** The plans customers hold (an identify trait). */
export const SHOP_PLANS = ['basic', 'plus', 'premium'] as const;
const CAMPAIGNS = ['spring-sale', 'new-in-living', 'kitchen-week', 'loyalty-news'];
const CALL_REASONS = ['delivery', 'returns', 'invoice', 'product question'];
const COMPLAINT_TOPICS = ['late delivery', 'damaged item', 'wrong invoice', 'rude staff'];
const PAGES = ['Home', 'Category', 'Help', 'Stores', 'Cart'];

/** What a customer does after the first identify, with how often. */
type Kind =
  | 'view' | 'add' | 'checkout' | 'order' | 'store-order' | 'page' | 'email-open' | 'email-click'
  | 'call' | 'chat' | 'complaint' | 'survey';
const KINDS: ReadonlyArray<readonly [Kind, number]> = [
  ['view', 30], ['add', 7], ['checkout', 4], ['order', 7], ['store-order', 6], ['page', 8], ['email-open', 14],
  ['email-click', 5], ['call', 5], ['chat', 3], ['complaint', 2], ['survey', 5],
];

/** A customer's fixed facts, the same in their history and in their live calls. */
interface Customer {
  n: number;
  userId: string;
  email: string;
  city: (typeof CITIES)[number];
  plan: (typeof SHOP_PLANS)[number];
  /** Shops on the app rather than the web shop, mostly. */
  appFirst: boolean;
}

function customerOf(seed: number, n: number): Customer {
  const random = Prng.of(seed, n, 1);
  return {
    n,
    userId: `u-${n}`,
    email: `customer${n}@example.com`,
    city: random.weighted(CITIES.map((city) => [city, city.share] as const)),
    plan: random.weighted([['basic', 6], ['plus', 3], ['premium', 1]] as const),
    appFirst: random.chance(0.35),
  };
}

/** Customer `n`'s calls in the order they happened. */
export function customerHistory(options: ShopCustomerOptions, n: number): ShopCall[] {
  const customer = customerOf(options.seed, n);
  const random = Prng.of(options.seed, n, 2);
  const count = 1 + random.count((options.meanEvents ?? 5) - 1);
  const merged = random.chance(MERGE_SHARE);
  let time = options.end - random.next() * HISTORY_DAYS * DAY;
  // Spread the rest over what is left of the period, with long gaps now and then.
  const spacing = (options.end - time) / (count + 1);
  const calls: ShopCall[] = [];
  const at = () => new Date(Math.min(time, options.end - 1)).toISOString();
  let index = 0;
  const messageId = () => `h${n}-${index++}`;
  if (merged) {
    // Browsing the app anonymously first, then signing in on the web shop, then in the app: a merge.
    const anonymousId = `app-${n}`;
    for (let views = random.int(1, 2); views > 0; views--) {
      calls.push({ sourceKey: 'app', call: { type: 'track', messageId: messageId(), anonymousId, timestamp: at(), ...productView(random) } });
      time += random.int(20, 600) * 1000;
    }
    calls.push({ sourceKey: 'web', call: identify(customer, random, messageId(), at()) });
    time += random.int(1, 48) * 3_600_000;
    calls.push({ sourceKey: 'app', call: { ...identify(customer, random, messageId(), at()), anonymousId } });
  } else {
    calls.push({ sourceKey: customer.appFirst ? 'app' : 'web', call: identify(customer, random, messageId(), at()) });
  }
  while (calls.length < count) {
    time += random.exponential(spacing);
    calls.push(activity(customer, random, random.weighted(KINDS), messageId(), at()));
  }
  return calls;
}

/** A new call now from customer `n`, who already has a profile; `messageId` must be new. */
export function liveCall(options: ShopCustomerOptions, n: number, random: Prng, messageId: string, at: number): ShopCall {
  return activity(customerOf(options.seed, n), random, random.weighted(KINDS), messageId, new Date(at).toISOString());
}

function identify(customer: Customer, random: Prng, messageId: string, timestamp: string): ShopCall['call'] {
  return {
    type: 'identify', messageId, userId: customer.userId, timestamp,
    traits: { email: customer.email, firstName: `Customer${customer.n}`, city: customer.city.name, plan: customer.plan, newsletter: random.chance(0.4) },
  };
}

function productView(random: Prng): { event: string; properties: Record<string, unknown> } {
  const product = random.pick(PRODUCTS);
  return { event: 'Product Viewed', properties: { product_id: product.id, name: product.name, category: product.category, price: product.price } };
}

function activity(customer: Customer, random: Prng, kind: Kind, messageId: string, timestamp: string): ShopCall {
  const base = { messageId, userId: customer.userId, timestamp };
  const shop: DemoSourceKey = random.chance(customer.appFirst ? 0.75 : 0.25) ? 'app' : 'web';
  const product = random.pick(PRODUCTS);
  switch (kind) {
    case 'view':
      return { sourceKey: shop, call: { type: 'track', ...base, ...productView(random) } };
    case 'add':
      return { sourceKey: shop, call: { type: 'track', ...base, event: 'Product Added', properties: { product_id: product.id, category: product.category, price: product.price, quantity: random.int(1, 3) } } };
    case 'checkout':
      return { sourceKey: shop, call: { type: 'track', ...base, event: 'Checkout Started', properties: { value: product.price, currency: 'EUR' } } };
    case 'order':
    case 'store-order': {
      const quantity = random.int(1, 3);
      const properties = { order_id: `O-${messageId}`, revenue: Math.round(product.price * quantity * 100) / 100, currency: 'EUR', category: product.category, product_id: product.id };
      if (kind === 'order') return { sourceKey: shop, call: { type: 'track', ...base, event: 'Order Completed', properties } };
      // Mostly in the home city's store.
      const store = random.chance(0.85) ? customer.city.store : random.pick(CITIES).store;
      return { sourceKey: 'stores', call: { type: 'track', ...base, event: 'Order Completed', properties, context: { touchpoint: { name: store } } } };
    }
    case 'page': {
      const name = random.pick(PAGES);
      return { sourceKey: 'web', call: { type: 'page', ...base, name, properties: { path: `/${name.toLowerCase()}` } } };
    }
    case 'email-open':
    case 'email-click':
      return { sourceKey: 'newsletter', call: { type: 'track', ...base, event: kind === 'email-open' ? 'Email Opened' : 'Email Link Clicked', properties: { campaign: random.pick(CAMPAIGNS) } } };
    case 'call':
      return { sourceKey: 'hotline', call: { type: 'track', ...base, event: 'Call Started', properties: { reason: random.pick(CALL_REASONS) } } };
    case 'chat':
      return { sourceKey: 'service-chat', call: { type: 'track', ...base, event: 'Chat Started', properties: { topic: random.pick(CALL_REASONS) } } };
    case 'complaint':
      return { sourceKey: 'complaints', call: { type: 'track', ...base, event: 'Complaint Received', properties: { topic: random.pick(COMPLAINT_TOPICS) } } };
    case 'survey': {
      // Mostly content, some detractors.
      const score = random.weighted([[10, 25], [9, 25], [8, 15], [7, 10], [6, 8], [5, 5], [3, 5], [1, 4], [0, 3]] as const);
      return { sourceKey: 'surveys', call: { type: 'track', ...base, event: 'Survey Answered', properties: { survey: 'nps', score } } };
    }
  }
}

/** The demo's sources as the ingest pipeline takes them (workspace `default`). */
export function shopSources(): Record<DemoSourceKey, SourceContext> {
  return Object.fromEntries(DEMO_SOURCES.map((source) => [source.key, {
    id: `src_${source.key}`, workspaceId: 'default', name: source.name, channel: source.channel, touchpoint: source.touchpoint, department: source.department,
  }])) as Record<DemoSourceKey, SourceContext>;
}

/** A segment to create: its condition may name segments created before it, by name. */
export interface ShopSegment {
  name: string;
  condition: (idOf: (name: string) => string) => unknown;
}

/** The event name only latency probes send; the segment of that name holds whoever sent one. */
export const PROBE_EVENT = 'Probe Fired';

/** Computed traits on top of the four defaults, over the history `customerHistory` writes. */
export function shopComputedTraits(): Array<{ key: string; name: string; definition: Record<string, unknown> }> {
  const trait = (key: string, name: string, definition: Record<string, unknown>) => ({ key, name, definition: { version: 1, ...definition } });
  const order = { event: 'Order Completed' };
  return [
    trait('order_count', 'Orders', { aggregate: 'count', ...order }),
    trait('orders_90d', 'Orders in 90 days', { aggregate: 'count', ...order, window: { lastDays: 90 } }),
    trait('revenue_90d', 'Revenue in 90 days', { aggregate: 'sum', ...order, property: 'revenue', window: { lastDays: 90 } }),
    trait('average_order_value', 'Average order value', { aggregate: 'average', ...order, property: 'revenue' }),
    trait('largest_order', 'Largest order', { aggregate: 'max', ...order, property: 'revenue' }),
    trait('favourite_category', 'Most viewed category', { aggregate: 'most_frequent', event: 'Product Viewed', property: 'category' }),
    trait('categories_viewed_30d', 'Categories viewed in 30 days', { aggregate: 'distinct_count', event: 'Product Viewed', property: 'category', window: { lastDays: 30 } }),
    trait('average_nps', 'Average NPS score', { aggregate: 'average', event: 'Survey Answered', property: 'score' }),
    trait('last_nps', 'Latest NPS score', { aggregate: 'last', event: 'Survey Answered', property: 'score' }),
    trait('emails_opened_30d', 'Emails opened in 30 days', { aggregate: 'count', event: 'Email Opened', window: { lastDays: 30 } }),
    trait('first_channel', 'First channel', { aggregate: 'first', field: 'channel' }),
    trait('calls_180d', 'Calls in 180 days', { aggregate: 'count', event: 'Call Started', window: { lastDays: 180 } }),
    trait('complaints', 'Complaints', { aggregate: 'count', event: 'Complaint Received' }),
    trait('store_revenue', 'Revenue in stores', { aggregate: 'sum', ...order, channel: 'store', property: 'revenue' }),
    trait('days_since_last_order', 'Days since the last order', { aggregate: 'days_since_last', ...order }),
    trait('home_store', 'Store visited most', { aggregate: 'most_frequent', channel: 'store', field: 'touchpoint' }),
  ];
}

/**
 * A hundred segments of the kinds a marketing team writes: behaviour counted over windows, profile
 * traits, computed traits, first and last occurrences, channels and touchpoints, segments of segments,
 * and the probe segment the latency measurement watches.
 */
export function shopSegments(): ShopSegment[] {
  const segments: ShopSegment[] = [];
  const add = (name: string, condition: ShopSegment['condition'] | Record<string, unknown>) =>
    segments.push({ name, condition: typeof condition === 'function' ? condition : () => condition });
  const performed = (matcher: Record<string, unknown>, count?: number, lastDays?: number, op = 'at_least') => ({
    kind: 'performed', ...matcher, ...(count === undefined ? {} : { count: { op, value: count } }), ...(lastDays === undefined ? {} : { window: { lastDays } }),
  });
  const computed = (key: string, op: string, value: unknown) => ({ kind: 'computed', key, op, value });
  const trait = (name: string, op: string, value?: unknown) => ({ kind: 'trait', trait: name, op, ...(value === undefined ? {} : { value }) });
  const and = (...conditions: unknown[]) => ({ kind: 'and', conditions });
  const or = (...conditions: unknown[]) => ({ kind: 'or', conditions });
  const not = (condition: unknown) => ({ kind: 'not', condition });
  const member = (name: string, isMember = true) => (idOf: (name: string) => string) => ({ kind: 'segment', segmentId: idOf(name), member: isMember });

  // Behaviour over windows (33).
  const behaviours: Array<[string, string, number[], number[]]> = [
    ['Order Completed', 'Bought', [1, 2, 3], [30, 90, 365]],
    ['Product Viewed', 'Browsed', [1, 3], [7, 30, 90]],
    ['Product Added', 'Added to cart', [1], [7, 30]],
    ['Checkout Started', 'Started checkout', [1], [7, 30]],
    ['Email Opened', 'Opened emails', [1, 3], [30, 90]],
    ['Email Link Clicked', 'Clicked an email', [1], [30, 90]],
    ['Call Started', 'Called', [1], [30, 180]],
    ['Chat Started', 'Chatted', [1], [90]],
    ['Survey Answered', 'Answered a survey', [1], [180]],
    ['Page Viewed', 'Visited pages', [2], [30]],
  ];
  for (const [event, label, counts, windows] of behaviours) {
    for (const count of counts) for (const days of windows) add(`${label} ${count}+ times in ${days} days`, performed({ event }, count, days));
  }
  add('Never bought', performed({ event: 'Order Completed' }, 0, undefined, 'exactly'));
  add('Bought exactly once', performed({ event: 'Order Completed' }, 1, undefined, 'exactly'));
  add('Carts without an order in 30 days', and(performed({ event: 'Product Added' }, 1, 30), performed({ event: 'Order Completed' }, 0, 30, 'exactly')));

  // Profile traits (8).
  for (const plan of SHOP_PLANS) add(`Plan ${plan}`, trait('plan', 'eq', plan));
  for (const city of CITIES) add(`Lives in ${city.name}`, trait('city', 'eq', city.name));
  add('Newsletter subscribers', trait('newsletter', 'eq', true));

  // Computed traits (21).
  for (const value of [100, 250, 500]) add(`Lifetime value over ${value}`, computed('lifetime_value', 'gt', value));
  add('Big baskets', computed('average_order_value', 'gte', 150));
  add('Promoters', computed('average_nps', 'gte', 9));
  add('Detractors', computed('average_nps', 'lte', 6));
  add('Latest answer a detractor', computed('last_nps', 'lte', 6));
  for (const channel of ['app', 'web', 'email', 'store']) add(`Prefers ${channel}`, computed('preferred_channel', 'eq', channel));
  for (const days of [30, 90, 180]) add(`Quiet for ${days} days`, computed('days_since_last_interaction', 'gt', days));
  add('Regulars', computed('order_count', 'gte', 3));
  add('Frequent lately', computed('orders_90d', 'gte', 2));
  add('Spent 200 in 90 days', computed('revenue_90d', 'gt', 200));
  add('Kitchen fans', computed('favourite_category', 'eq', 'kitchen'));
  add('Complained', computed('complaints', 'gte', 1));
  add('Engaged readers', computed('emails_opened_30d', 'gte', 2));
  add('Came through the app', computed('first_channel', 'eq', 'app'));

  // First and last occurrences (7).
  add('New buyers', { kind: 'occurrence', which: 'first', event: 'Order Completed', op: 'within_last', days: 30 });
  add('Lapsed buyers', { kind: 'occurrence', which: 'last', event: 'Order Completed', op: 'more_than_ago', days: 180 });
  add('Signed up this week', { kind: 'occurrence', which: 'first', event: 'Identified', op: 'within_last', days: 7 });
  add('Read an email this fortnight', { kind: 'occurrence', which: 'last', event: 'Email Opened', op: 'within_last', days: 14 });
  add('Called this week', { kind: 'occurrence', which: 'last', event: 'Call Started', op: 'within_last', days: 7 });
  add('Customers since before 2026', { kind: 'occurrence', which: 'first', event: 'Identified', op: 'before', value: '2026-01-01' });
  add('Last complaint in 90 days', { kind: 'occurrence', which: 'last', event: 'Complaint Received', op: 'within_last', days: 90 });

  // Channels, touchpoints, departments and property filters (14).
  add('Store shoppers', performed({ channel: 'store' }));
  for (const city of CITIES) add(`Shops at ${city.store}`, performed({ touchpoint: city.store }));
  add('Store, never app', and(performed({ channel: 'store' }), performed({ channel: 'app' }, 0, undefined, 'exactly')));
  add('App and web', and(performed({ channel: 'app' }), performed({ channel: 'web' })));
  add('Phone twice in 90 days', performed({ channel: 'phone' }, 2, 90));
  add('Service contacts this quarter', performed({ department: 'service' }, 1, 90));
  add('Chat users', performed({ channel: 'chat' }));
  add('Rated a touchpoint', performed({ touchpoint: 'nps survey' }));
  add('Orders over 200', performed({ event: 'Order Completed', where: [{ property: 'revenue', op: 'gte', value: 200 }] }));
  add('Furniture browsers', performed({ event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: 'furniture' }] }, 2, 90));
  add('Bought lighting in a store', performed({ event: 'Order Completed', channel: 'store', where: [{ property: 'category', op: 'eq', value: 'lighting' }] }));

  // Segments of segments and mixes (16).
  add('Premium regulars', (idOf) => and(member('Plan premium')(idOf), member('Regulars')(idOf)));
  add('At-risk valuables', (idOf) => and(member('Lifetime value over 250')(idOf), member('Quiet for 90 days')(idOf)));
  add('Unhappy recent buyers', (idOf) => and(member('Detractors')(idOf), member('Bought 1+ times in 90 days')(idOf)));
  add('Win-back', (idOf) => and(member('Lapsed buyers')(idOf), not(member('Complained')(idOf))));
  add('Berlin store regulars', (idOf) => and(member('Lives in Berlin')(idOf), member('Shops at store berlin-mitte')(idOf), member('Regulars')(idOf)));
  add('Browsers who never bought', (idOf) => and(member('Browsed 3+ times in 90 days')(idOf), member('Never bought')(idOf)));
  add('Omnichannel', (idOf) => and(member('App and web')(idOf), member('Store shoppers')(idOf)));
  add('Newsletter but not reading', (idOf) => and(member('Newsletter subscribers')(idOf), not(member('Opened emails 1+ times in 90 days')(idOf))));
  add('Promoters to ask for reviews', (idOf) => and(member('Promoters')(idOf), member('Bought 1+ times in 30 days')(idOf)));
  add('Service-heavy', (idOf) => or(member('Phone twice in 90 days')(idOf), member('Chatted 1+ times in 90 days')(idOf), member('Complained')(idOf)));
  add('Kitchen upsell', (idOf) => and(member('Kitchen fans')(idOf), not(member('Bought 1+ times in 90 days')(idOf))));
  add('Big spenders on the app', and(computed('lifetime_value', 'gt', 300), computed('preferred_channel', 'eq', 'app')));
  add('Basic plan big baskets', and(trait('plan', 'eq', 'basic'), computed('average_order_value', 'gte', 120)));
  add('Hamburg without a store visit', and(trait('city', 'eq', 'Hamburg'), performed({ channel: 'store' }, 0, undefined, 'exactly')));
  add('Cart abandoners in Munich', (idOf) => and(member('Carts without an order in 30 days')(idOf), trait('city', 'eq', 'München')));
  add('Any order or call this month', or(performed({ event: 'Order Completed' }, 1, 30), performed({ event: 'Call Started' }, 1, 30)));

  add('Probe fired', performed({ event: PROBE_EVENT }));
  return segments;
}

/** A new segment over trackers every profile already has (no history is read to compute it). */
export const SEGMENT_ON_KNOWN_TRACKERS: ShopSegment = {
  name: 'Premium regulars on the app (new)',
  condition: () => ({
    kind: 'and',
    conditions: [
      { kind: 'performed', event: 'Order Completed', count: { op: 'at_least', value: 2 } },
      { kind: 'computed', key: 'preferred_channel', op: 'eq', value: 'app' },
      { kind: 'trait', trait: 'plan', op: 'in', value: ['plus', 'premium'] },
    ],
  }),
};

/** A new segment needing a tracker no profile has yet: every profile's history is read to build it. */
export const SEGMENT_ON_NEW_TRACKER: ShopSegment = {
  name: 'Kitchen carts in 180 days (new)',
  condition: () => ({ kind: 'performed', event: 'Product Added', where: [{ property: 'category', op: 'eq', value: 'kitchen' }], window: { lastDays: 180 } }),
};
