import { Prng } from './prng.ts';

/**
 * Realistic Segment tracking traffic for benchmarks: batches as an SDK sends them, from a shop
 * with a website and two apps. Deterministic for a seed. About 600 bytes an event as JSON.
 */

/** One event as an SDK puts it in a batch (the Segment spec). */
export type SegmentEvent = Record<string, unknown> & { type: string; messageId: string };

/** A batch request body, as analytics-node sends it (batch-level `sentAt`). */
export interface BatchBody {
  batch: SegmentEvent[];
  sentAt: string;
}

/**
 * Where, in an id, sits an 8-hex-digit slot a replay overwrites, so a batch can be sent many
 * times with new messageIds (and new customers stay new) without generating it again.
 */
export interface RoundSlot {
  id: string;
  at: number;
}

/** A batch body and the round slots inside it. */
export interface GeneratedBatch {
  body: BatchBody;
  roundSlots: RoundSlot[];
}

/** How the generated traffic looks; only `seed` and `startTime` are required. */
export interface TrackingEventOptions {
  seed: number;
  /** Epoch milliseconds of the first batch's `sentAt`. */
  startTime: number;
  /** Customers who come back; their events reuse their ids. */
  knownCustomers?: number;
  /** Share of events from a customer never seen before (new anonymousId, and userId when they sign up). */
  newCustomerShare?: number;
  /** Time between two batches' `sentAt`, as an SDK flushing its queue. */
  batchIntervalMs?: number;
}

export const ROUND_SLOT_LENGTH = 8;

type Platform = 'web' | 'ios' | 'android';

interface Customer {
  anonymousId: string;
  userId: string | null;
  email: string;
  firstName: string;
  lastName: string;
  platform: Platform;
  userAgent: string;
  ip: string;
  locale: string;
  timezone: string;
  deviceId: string;
  deviceModel: string;
  osVersion: string;
  company: string;
}

const FIRST_NAMES = ['Anna', 'Ben', 'Clara', 'David', 'Elif', 'Finn', 'Greta', 'Hannah', 'Ibrahim', 'Jonas', 'Katarzyna', 'Lena', 'Mehmet', 'Noah', 'Olivia', 'Paul', 'Sofia', 'Tom', 'Ursula', 'Yusuf'];
const LAST_NAMES = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Hoffmann', 'Kowalski', 'Yilmaz', 'Nowak', 'Rossi', 'Martin', 'Jansen'];
const LOCALES: ReadonlyArray<readonly [string, string, number]> = [
  ['de-DE', 'Europe/Berlin', 55], ['en-GB', 'Europe/London', 12], ['en-US', 'America/New_York', 10], ['de-AT', 'Europe/Vienna', 8],
  ['de-CH', 'Europe/Zurich', 5], ['fr-FR', 'Europe/Paris', 5], ['pl-PL', 'Europe/Warsaw', 3], ['tr-TR', 'Europe/Istanbul', 2],
];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67',
];
const IOS_MODELS = ['iPhone14,5', 'iPhone15,2', 'iPhone15,4', 'iPhone16,1', 'iPad13,18'];
const ANDROID_MODELS: ReadonlyArray<readonly [string, string]> = [['samsung', 'SM-S921B'], ['samsung', 'SM-A546B'], ['Google', 'Pixel 8'], ['Xiaomi', '23049PCD8G']];
const COMPANIES = ['Bäckerei Krause', 'Nordlicht GmbH', 'Stadtwerke Ost', 'Kanzlei Brandt', 'Praxis am Markt', 'Weber & Söhne KG'];

const SITE = 'https://shop.example.com';
const CATEGORIES = ['shoes', 'jackets', 'bags', 'outdoor', 'kids', 'sale'];
const BRANDS = ['Nordkap', 'Alpenstolz', 'Urbanite', 'Seeblick', 'Fjell'];
const PRODUCTS = Array.from({ length: 240 }, (_, index) => ({
  id: `p-${(10_000 + index * 37).toString(36)}`,
  category: CATEGORIES[index % CATEGORIES.length]!,
  brand: BRANDS[index % BRANDS.length]!,
  name: `${BRANDS[index % BRANDS.length]} ${['Trail', 'City', 'Classic', 'Storm', 'Light'][index % 5]} ${CATEGORIES[index % CATEGORIES.length]!.replace(/s$/, '')} ${index}`,
  price: Math.round((19.9 + ((index * 7919) % 230)) * 100) / 100,
}));
const SEARCHES = ['rain jacket', 'winter boots', 'backpack 30l', 'kids shoes size 32', 'gift card', 'return label'];
const HELP_TOPICS = ['returns', 'delivery-times', 'payment', 'size-guide', 'store-pickup'];
const STORES = ['berlin-mitte', 'hamburg-altona', 'muenchen-schwabing', 'koeln-ehrenfeld'];

const EVENT_TYPES: ReadonlyArray<readonly [string, number]> = [
  ['track', 45], ['page', 34], ['screen', 9], ['identify', 7], ['group', 3], ['alias', 2],
];

export function createTrackingEventGenerator(options: TrackingEventOptions) {
  const random = new Prng(options.seed);
  const newCustomerShare = options.newCustomerShare ?? 0.1;
  const batchIntervalMs = options.batchIntervalMs ?? 50;
  let sequence = 0;
  let batchCount = 0;
  let roundSlots: RoundSlot[] = [];

  /** An id unique to this generator, whose first 8 hex digits are a round slot. */
  const roundUuid = (): string => {
    const id = `${random.hex(8)}-${random.hex(4)}-4${random.hex(3)}-${'89ab'[random.int(0, 3)]}${random.hex(3)}-${(sequence++).toString(16).padStart(12, '0')}`;
    roundSlots.push({ id, at: 0 });
    return id;
  };
  const roundUserId = (): string => {
    const id = `usr_${random.hex(8)}${(sequence++).toString(36).padStart(6, '0')}`;
    roundSlots.push({ id, at: 4 });
    return id;
  };

  const makeCustomer = (anonymousId: string, userId: string | null): Customer => {
    const [locale, timezone] = random.weighted(LOCALES.map(([l, t, w]) => [[l, t] as const, w] as const));
    const firstName = random.pick(FIRST_NAMES);
    const lastName = random.pick(LAST_NAMES);
    const platform = random.weighted<Platform>([['web', 72], ['ios', 16], ['android', 12]]);
    const android = random.pick(ANDROID_MODELS);
    return {
      anonymousId,
      userId,
      email: `${asciiName(firstName)}.${asciiName(lastName)}${random.int(1, 99)}@example.${random.pick(['com', 'de', 'net'])}`,
      firstName,
      lastName,
      platform,
      userAgent: random.pick(USER_AGENTS),
      ip: `${random.pick([84, 91, 178, 217, 2])}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`,
      locale,
      timezone,
      deviceId: random.uuid().toUpperCase(),
      deviceModel: platform === 'ios' ? random.pick(IOS_MODELS) : `${android[0]} ${android[1]}`,
      osVersion: platform === 'ios' ? random.pick(['17.4', '17.5', '16.7']) : random.pick(['14', '13', '12']),
      company: random.pick(COMPANIES),
    };
  };

  const knownCustomers = Array.from({ length: options.knownCustomers ?? 20_000 }, () =>
    makeCustomer(random.uuid(), random.chance(0.6) ? `usr_${random.hex(12)}` : null),
  );

  const context = (customer: Customer, page?: Record<string, string>): Record<string, unknown> => {
    if (customer.platform === 'web') {
      const web: Record<string, unknown> = {
        ip: customer.ip,
        locale: customer.locale,
        library: { name: 'analytics.js', version: 'npm:next-1.72.0' },
        userAgent: customer.userAgent,
      };
      if (page) web.page = page;
      if (random.chance(0.15)) web.campaign = { name: 'spring-sale', source: random.pick(['newsletter', 'google', 'instagram']), medium: random.pick(['email', 'cpc', 'social']) };
      return web;
    }
    const ios = customer.platform === 'ios';
    return {
      ip: customer.ip,
      locale: customer.locale,
      timezone: customer.timezone,
      app: { name: 'Example Shop', version: '4.12.1', build: '41201', namespace: 'com.example.shop' },
      device: { id: customer.deviceId, model: customer.deviceModel, type: customer.platform },
      os: { name: ios ? 'iOS' : 'Android', version: customer.osVersion },
      library: ios ? { name: 'analytics-ios', version: '4.1.8' } : { name: 'analytics-android', version: '4.11.3' },
    };
  };

  const pageOf = (): { name: string; path: string; title: string; search: string } => {
    const kind = random.weighted([['product', 40], ['category', 20], ['home', 15], ['cart', 8], ['search', 7], ['help', 6], ['store', 4]] as const);
    switch (kind) {
      case 'product': {
        const product = random.pick(PRODUCTS);
        return { name: 'Product', path: `/products/${product.id}`, title: `${product.name} | Example Shop`, search: '' };
      }
      case 'category': {
        const category = random.pick(CATEGORIES);
        return { name: 'Category', path: `/c/${category}`, title: `${category} | Example Shop`, search: random.chance(0.3) ? '?sort=price-asc' : '' };
      }
      case 'home':
        return { name: 'Home', path: '/', title: 'Example Shop', search: '' };
      case 'cart':
        return { name: 'Cart', path: '/cart', title: 'Cart | Example Shop', search: '' };
      case 'search': {
        const query = random.pick(SEARCHES);
        return { name: 'Search', path: '/search', title: 'Search | Example Shop', search: `?q=${encodeURIComponent(query)}` };
      }
      case 'help': {
        const topic = random.pick(HELP_TOPICS);
        return { name: 'Help', path: `/help/${topic}`, title: `Help: ${topic} | Example Shop`, search: '' };
      }
      case 'store': {
        const store = random.pick(STORES);
        return { name: 'Store', path: `/stores/${store}`, title: `Store ${store} | Example Shop`, search: '' };
      }
    }
  };

  const trackOf = (): { event: string; properties: Record<string, unknown> } => {
    const product = random.pick(PRODUCTS);
    const line = { product_id: product.id, name: product.name, price: product.price, quantity: random.int(1, 3) };
    const event = random.weighted([
      ['Product Viewed', 30], ['Product Added', 15], ['Products Searched', 10], ['Cart Viewed', 10], ['Checkout Started', 8],
      ['Order Completed', 6], ['Coupon Applied', 4], ['Newsletter Subscribed', 4], ['Support Ticket Opened', 3], ['Store Visit Booked', 3],
      ['Review Submitted', 3], ['Wishlist Product Added', 4],
    ] as const);
    switch (event) {
      case 'Product Viewed':
      case 'Wishlist Product Added':
        return { event, properties: { product_id: product.id, category: product.category, name: product.name, brand: product.brand, price: product.price, currency: 'EUR' } };
      case 'Product Added':
        return { event, properties: { cart_id: random.hex(16), ...line, currency: 'EUR' } };
      case 'Products Searched':
        return { event, properties: { query: random.pick(SEARCHES), results: random.int(0, 180) } };
      case 'Cart Viewed':
        return { event, properties: { cart_id: random.hex(16), products: [line] } };
      case 'Checkout Started':
      case 'Order Completed': {
        const total = Math.round(line.price * line.quantity * 100) / 100;
        return {
          event,
          properties: {
            order_id: `ORD-${random.int(1_000_000, 9_999_999)}`, revenue: total, shipping: 4.95, tax: Math.round(total * 19) / 100,
            currency: 'EUR', products: [line],
          },
        };
      }
      case 'Coupon Applied':
        return { event, properties: { coupon_id: random.pick(['SPRING10', 'WELCOME5', 'FREESHIP']), discount: random.pick([5, 10, 4.95]) } };
      case 'Newsletter Subscribed':
        return { event, properties: { list: 'weekly', source: random.pick(['footer', 'checkout', 'popup']) } };
      case 'Support Ticket Opened':
        return { event, properties: { ticket_id: `T-${random.int(10_000, 99_999)}`, topic: random.pick(HELP_TOPICS), priority: random.pick(['low', 'normal', 'high']) } };
      case 'Store Visit Booked':
        return { event, properties: { store: random.pick(STORES), slot: `${random.int(9, 18)}:00`, reason: random.pick(['fitting', 'pickup', 'return']) } };
      case 'Review Submitted':
        return { event, properties: { product_id: product.id, rating: random.int(1, 5), review_length: random.int(20, 600) } };
    }
  };

  const nextEvent = (sentAt: number): SegmentEvent => {
    const isNew = random.chance(newCustomerShare);
    // Returning customers are not equally active: squaring the roll favours the first ones.
    const customer = isNew ? makeCustomer(roundUuid(), null) : knownCustomers[Math.floor(random.next() ** 2 * knownCustomers.length)]!;
    let type = random.weighted(EVENT_TYPES);
    if (type === 'page' && customer.platform !== 'web') type = 'screen';
    if (type === 'screen' && customer.platform === 'web') type = 'page';
    // Queued on the device up to 20 s before the batch is flushed.
    const event: SegmentEvent = { type, messageId: roundUuid(), anonymousId: customer.anonymousId, timestamp: new Date(sentAt - random.int(5, 20_000)).toISOString() };
    if (customer.userId) event.userId = customer.userId;

    switch (type) {
      case 'track': {
        const { event: name, properties } = trackOf();
        event.event = name;
        event.properties = properties;
        const page = customer.platform === 'web' ? pageOf() : undefined;
        event.context = context(customer, page && { path: page.path, url: SITE + page.path + page.search });
        break;
      }
      case 'page': {
        const page = pageOf();
        const properties = { path: page.path, referrer: random.chance(0.4) ? random.pick(['https://www.google.com/', 'https://www.instagram.com/', SITE + '/']) : '', search: page.search, title: page.title, url: SITE + page.path + page.search };
        event.name = page.name;
        event.properties = properties;
        event.context = context(customer, { path: page.path, referrer: properties.referrer, url: properties.url });
        break;
      }
      case 'screen': {
        const page = pageOf();
        event.name = page.name;
        event.properties = { path: page.path, from: random.pick(['push', 'home', 'search', 'deeplink']) };
        event.context = context(customer);
        break;
      }
      case 'identify': {
        if (!event.userId) {
          customer.userId = isNew ? roundUserId() : `usr_${random.hex(12)}`;
          event.userId = customer.userId;
        }
        event.traits = {
          email: customer.email, firstName: customer.firstName, lastName: customer.lastName,
          plan: random.pick(['member', 'gold', 'none']), createdAt: new Date(options.startTime - random.int(0, 900) * 86_400_000).toISOString(),
        };
        event.context = context(customer);
        break;
      }
      case 'group':
        event.groupId = `grp_${(customer.company.length * 7919).toString(36)}`;
        event.traits = { name: customer.company, industry: random.pick(['retail', 'health', 'legal', 'utilities']), employees: random.int(3, 400) };
        event.context = context(customer);
        break;
      case 'alias': {
        event.previousId = customer.anonymousId;
        event.userId = customer.userId ?? (isNew ? roundUserId() : `usr_${random.hex(12)}`);
        event.context = context(customer);
        break;
      }
    }
    return event;
  };

  return {
    /** The next batch of `size` events, sent `batchIntervalMs` after the previous one. */
    nextBatch(size: number): GeneratedBatch {
      roundSlots = [];
      const sentAt = options.startTime + batchCount++ * batchIntervalMs;
      const batch = Array.from({ length: size }, () => nextEvent(sentAt));
      return { body: { batch, sentAt: new Date(sentAt).toISOString() }, roundSlots };
    },
  };
}

function asciiName(name: string): string {
  return name.toLowerCase().replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss');
}
