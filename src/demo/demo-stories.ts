import type { DemoCustomer, DemoFamily, DemoSourceKey } from './demo-company.ts';
import type { Campaign, DemoCalendar, Rhythm } from './demo-calendar.ts';
import {
  APP_DEVICES, CALL_REASONS, CATEGORIES, CHAT_TOPICS, COMPLAINT_REASONS, COMPLAINT_RESOLUTIONS, MOBILE_USER_AGENTS, PRODUCTS, WEB_USER_AGENTS,
} from './demo-catalog.ts';
import { CITIES, e164, nationalFormat, person, personalPhone, typeEmail, workPhone, writePhone, type City, type PhoneNumber } from './demo-people.ts';
import { Prng } from './prng.ts';

/**
 * The stories of the demo company's customers, planned first and rendered into events later.
 * Planning decides everything that shapes a customer's history (which devices, when they sign in,
 * what they order, when they call); rendering fills in the details of each episode with a
 * generator of its own, so events can be generated again, identical, without keeping them.
 */

/** Hands one event of an episode on, with its time; the caller adds messageId and timestamp. */
export type Emit = (sourceKey: DemoSourceKey, time: number, call: Record<string, unknown>) => void;

/** A piece of one person's history: a web session, a store visit, a call, an invoice and its payment. */
export interface Episode {
  at: number;
  person: string;
  /** The person as a number, for seeding. */
  owner: number;
  /** The episode's number among the person's episodes, for messageIds and seeding. */
  no: number;
  render(emit: Emit, random: Prng): void;
}

export interface CompanyPlan {
  episodes: Episode[];
  customers: DemoCustomer[];
  testAccounts: string[];
  sharedTestEmail: string;
  families: DemoFamily[];
  houseCards: string[];
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const SHARED_TEST_EMAIL = 'test@test.com';
const TEST_ACCOUNTS = 50;
const HOUSE_CARDS = new Map(CITIES.map((city) => [city.store, `LC-HOUSE-${city.key.toUpperCase()}`]));

interface Actor {
  tag: string;
  id: number;
}

interface Device {
  source: 'web' | 'app';
  anonymousId: string;
  userAgent?: string;
  app?: { os: string; model: string; deviceId: string };
}

/** Who signs in (or up) during a session, with what they type into the form. */
interface Shopper {
  userId: string | null;
  firstName: string;
  lastName: string;
  email: string;
  /** Null for test accounts, which give no phone. */
  phone: PhoneNumber | null;
  /** Types the phone number into forms (sign-up, loyalty card); others keep it to themselves. */
  givesPhone: boolean;
  city: City;
  customerNumber: string;
  /** The customer number reaches the shop's profile at sign-up; otherwise the first invoice goes by email. */
  customerNumberAtSignUp: boolean;
}

interface Customer extends Actor, Shopper {
  index: number;
  phone: PhoneNumber;
  work: PhoneNumber;
  card: string | null;
  activity: number;
  /** The newsletter tool's id for the customer. */
  subscriber: string;
  /** The survey tool's id for the customer. */
  respondent: string;
  invoicedByEmail: boolean;
  /** The day from which the customer is known (signed up or registered a card). */
  knownFrom: number;
  desktop: Device | null;
  view: DemoCustomer;
}

interface Basket {
  items: number[];
  total: number;
}

interface SessionPlan {
  at: number;
  device: Device;
  /** Signed in from the first event. */
  userId: string | null;
  /** Signs in (or up) during the session: at the start, at checkout, or at the end. */
  login: { when: 'start' | 'checkout' | 'end'; signUp: boolean; customer: Shopper; first?: boolean } | null;
  pages: number;
  views: number;
  cart: boolean;
  checkout: boolean;
  order: { id: string; basket: Basket } | null;
  campaign: Campaign | null;
  newsletterSignUp: string | null;
}

/** Collects episodes, numbering each person's in order. */
class Planner {
  readonly calendar: DemoCalendar;
  readonly seed: number;
  readonly episodes: Episode[] = [];
  private readonly counters = new Map<number, number>();

  constructor(calendar: DemoCalendar, seed: number) {
    this.calendar = calendar;
    this.seed = seed;
  }

  get end(): number {
    return this.calendar.endMs;
  }

  add(actor: Actor, at: number, render: Episode['render']): void {
    const no = this.counters.get(actor.id) ?? 0;
    this.counters.set(actor.id, no + 1);
    this.episodes.push({ at, person: actor.tag, owner: actor.id, no, render });
  }

  /** A time on a day sampled for the rhythm within [from, to] days, or null when there is none. */
  timeBetween(rhythm: Rhythm, random: Prng, from: number, to: number): number | null {
    const day = this.calendar.sampleDay(rhythm, random, from, to);
    return day === null ? null : this.calendar.timeOn(day, rhythm, random);
  }

  dayOf(time: number): number {
    return this.calendar.dayOf(time);
  }
}

export function planCompany(input: { calendar: DemoCalendar; seed: number; customers: number }): CompanyPlan {
  const planner = new Planner(input.calendar, input.seed);
  const customers: Customer[] = [];
  for (let index = 0; index < input.customers; index++) customers.push(planCustomer(planner, index));
  const visitors = Math.round(input.customers * 0.5);
  for (let index = 0; index < visitors; index++) planVisitor(planner, index);
  const testAccounts: string[] = [];
  for (let index = 1; index <= TEST_ACCOUNTS; index++) testAccounts.push(planTestAccount(planner, index));
  const families = planFamilies(planner, customers);
  return {
    episodes: planner.episodes,
    customers: customers.map((customer) => customer.view),
    testAccounts,
    sharedTestEmail: SHARED_TEST_EMAIL,
    families,
    houseCards: [...HOUSE_CARDS.values()],
  };
}

// ---------------------------------------------------------------------------------------------
// Customers

function planCustomer(planner: Planner, index: number): Customer {
  const { calendar } = planner;
  const random = Prng.of(planner.seed, 1, index);
  const who = person(index, random);
  const phone = personalPhone(index, who.city, random);
  const account = random.chance(0.72);
  const hasCard = account ? random.chance(0.45) : true;
  const existing = random.chance(0.4);
  const days = calendar.days;
  const firstDay = existing ? random.int(0, Math.min(20, days - 1)) : (calendar.sampleDay('web', random, 0, days * 0.85) ?? 0);
  const userId = account ? `u-${100_000 + index}` : null;
  const card = hasCard ? `LC-${20_000_000 + index}` : null;
  const customerNumber = `K-${1_000_000 + index}`;
  const customer: Customer = {
    tag: `c${index}`,
    id: index,
    index,
    firstName: who.firstName,
    lastName: who.lastName,
    email: who.email,
    phone,
    work: workPhone(index, who.city),
    city: who.city,
    customerNumber,
    userId,
    card,
    givesPhone: random.chance(0.75),
    activity: 0.3 + random.exponential(0.7),
    subscriber: `esp-${random.hex(12)}`,
    respondent: `rsp-${random.hex(12)}`,
    customerNumberAtSignUp: random.chance(0.5),
    invoicedByEmail: false,
    knownFrom: firstDay,
    desktop: null,
    view: {
      person: `c${index}`,
      index,
      name: `${who.firstName} ${who.lastName}`,
      email: who.email,
      phone: e164(phone),
      phoneNational: nationalFormat(phone),
      workPhone: null,
      city: who.city.name,
      homeStore: who.city.store,
      customerNumber,
      userId,
      loyaltyCard: card,
      phoneGiven: false,
      cookies: [],
      appInstall: null,
      newsletter: false,
      stories: { webSessions: 0, orders: 0, storeVisits: 0, calls: 0, chats: 0, complaints: 0, surveys: 0, secondDeviceSignedIn: false },
    },
  };
  customer.view.phoneGiven = customer.givesPhone;
  let subscribedOn: number | null = null;
  const subscribes = random.chance(0.6);
  if (account) subscribedOn = planOnline(planner, customer, random, existing, firstDay, subscribes);
  if (customer.card) {
    const registeredOn = planCardHolder(planner, customer, random, firstDay, account);
    if (subscribes && subscribedOn === null) subscribedOn = registeredOn;
  } else {
    planStoreVisitsWithoutCard(planner, customer, random);
  }
  planCalls(planner, customer, random);
  planChats(planner, customer, random, account);
  if (subscribes && subscribedOn !== null) planNewsletter(planner, customer, random, subscribedOn);
  return customer;
}

/** The web shop and app: anonymous browsing, sign-up, later sessions on up to three devices, orders. */
function planOnline(planner: Planner, customer: Customer, random: Prng, existing: boolean, firstDay: number, subscribes: boolean): number | null {
  const { calendar } = planner;
  const days = calendar.days;
  const desktop: Device = { source: 'web', anonymousId: random.uuid(), userAgent: random.pick(WEB_USER_AGENTS) };
  customer.desktop = desktop;
  customer.view.cookies.push(desktop.anonymousId);
  let lastDay = firstDay;
  let subscribedOn: number | null = null;
  const sessions: SessionPlan[] = [];
  if (!existing) {
    // Weeks of looking around before signing up; some leave their email for the newsletter first.
    const looks = random.int(1, 3);
    const footerSignUp = subscribes && random.chance(0.2) ? random.int(0, looks - 1) : -1;
    for (let n = 0; n < looks; n++) {
      const at = planner.timeBetween('web', random, firstDay, firstDay + 14);
      if (at === null) continue;
      lastDay = Math.max(lastDay, planner.dayOf(at));
      const session = browse(random, at, desktop, null, 0.3, false);
      if (n === footerSignUp) {
        session.newsletterSignUp = customer.email;
        subscribedOn = planner.dayOf(at);
      }
      sessions.push(session);
    }
  }
  const signUpAt = planner.timeBetween('web', random, lastDay, lastDay + 10) ?? calendar.timeOn(Math.min(lastDay, days - 1), 'web', random);
  const signUpDay = planner.dayOf(signUpAt);
  customer.knownFrom = signUpDay;
  const first = browse(random, signUpAt, desktop, null, existing ? 0.25 : 0.45, true);
  first.login = { when: existing ? 'start' : first.order ? 'checkout' : 'end', signUp: !existing, customer, first: true };
  sessions.push(first);
  if (subscribes && subscribedOn === null) subscribedOn = signUpDay;

  const second: Device | null = random.chance(0.25) ? { source: 'web', anonymousId: random.uuid(), userAgent: random.pick(MOBILE_USER_AGENTS) } : null;
  const secondFrom = signUpDay + random.int(5, 120);
  const device = random.pick(APP_DEVICES);
  const app: Device | null = random.chance(0.3)
    ? { source: 'app', anonymousId: random.uuid(), app: { os: device.os, model: device.model, deviceId: `dev-${random.hex(16)}` } }
    : null;
  const appFrom = signUpDay + random.int(3, 150);
  if (second) customer.view.cookies.push(second.anonymousId);
  if (app) customer.view.appInstall = app.anonymousId;

  const remaining = (days - signUpDay) / days;
  const later = random.count(customer.activity * 6.5 * remaining);
  const planned: Array<{ at: number; device: Device }> = [];
  for (let n = 0; n < later; n++) {
    const rhythm: Rhythm = app && random.chance(0.4) ? 'app' : 'web';
    const at = planner.timeBetween(rhythm, random, signUpDay + 1, days - 1);
    if (at === null) continue;
    const day = planner.dayOf(at);
    const choices: Array<readonly [Device, number]> = [[desktop, 0.5]];
    if (second && day >= secondFrom) choices.push([second, 0.35]);
    if (app && day >= appFrom) choices.push([app, rhythm === 'app' ? 2 : 0.3]);
    planned.push({ at, device: random.weighted(choices) });
  }
  planned.sort((a, b) => a.at - b.at);
  // A new device is anonymous until the customer signs in there: at once, at checkout, or a visit later.
  const signedInOn = new Set<Device>([desktop]);
  const seenOn = new Set<Device>();
  for (const { at, device: used } of planned) {
    const session = browse(random, at, used, null, 0.35, true);
    if (signedInOn.has(used)) {
      session.userId = used === desktop && random.chance(0.3) ? null : customer.userId;
      if (session.userId === null && session.order) session.login = { when: 'checkout', signUp: false, customer };
    } else if (session.order || seenOn.has(used) || random.chance(0.4)) {
      session.login = { when: session.order ? 'checkout' : random.chance(0.5) ? 'start' : 'end', signUp: false, customer };
      signedInOn.add(used);
      if (used === second) customer.view.stories.secondDeviceSignedIn = true;
    }
    seenOn.add(used);
    sessions.push(session);
  }
  for (const session of sessions) planSession(planner, customer, session, random);
  return subscribedOn;
}

/** A session's shape: how deep the customer looks and whether they buy. */
function browse(random: Prng, at: number, device: Device, userId: string | null, buying: number, canOrder: boolean): SessionPlan {
  const cart = random.chance(buying);
  const checkout = cart && random.chance(0.6);
  const ordered = canOrder && checkout && random.chance(0.65);
  return {
    at,
    device,
    userId,
    login: null,
    pages: random.int(0, 2),
    views: random.int(1, 3),
    cart,
    checkout,
    order: ordered ? { id: `W-${random.hex(10).toUpperCase()}`, basket: basket(random) } : null,
    campaign: null,
    newsletterSignUp: null,
  };
}

function basket(random: Prng): Basket {
  const items = Array.from({ length: random.weighted([[1, 6], [2, 3], [3, 1]] as const) }, () => random.int(0, PRODUCTS.length - 1));
  const total = Math.round(items.reduce((sum, item) => sum + PRODUCTS[item]!.price, 0) * 100) / 100;
  return { items, total };
}

/** Plans a session and what follows an order: the invoice, sometimes a call, a complaint, a survey. */
function planSession(planner: Planner, customer: Customer, session: SessionPlan, random: Prng): void {
  planner.add(customer, session.at, (emit, r) => renderSession(emit, r, session));
  customer.view.stories.webSessions += 1;
  if (!session.order) return;
  customer.view.stories.orders += 1;
  const orderAt = session.at + 20 * MINUTE;
  const touchpoint = session.device.source === 'app' ? 'shop app' : 'web shop';
  planInvoice(planner, customer, random, orderAt, session.order.id, session.order.basket.total);
  if (random.chance(0.1)) planCall(planner, customer, random, orderAt + random.int(2, 6) * DAY, 'delivery status');
  if (random.chance(0.05)) planComplaint(planner, customer, random, orderAt, session.order.id);
  if (random.chance(0.1)) planSurvey(planner, customer, random, orderAt, { touchpoint, channel: session.device.source, department: 'sales' }, 'good');
}

function renderSession(emit: Emit, random: Prng, session: SessionPlan): void {
  const { device } = session;
  const source = device.source;
  let time = session.at;
  let userId = session.userId;
  const next = () => (time += random.int(8, 95) * 1000);
  const call = (fields: Record<string, unknown>, page?: { path: string; title: string }) => {
    const context: Record<string, unknown> = { locale: 'de-DE' };
    if (device.userAgent) context.userAgent = device.userAgent;
    if (device.app) {
      context.app = { name: 'Lindenhaus', version: '4.2.1', build: '421' };
      context.os = { name: device.app.os };
      context.device = { id: device.app.deviceId, model: device.app.model };
      context.externalIds = [{ type: 'device_id', id: device.app.deviceId, collection: 'users', encoding: 'none' }];
    }
    if (page && source === 'web') context.page = { path: page.path, url: `https://lindenhaus.example${page.path}`, title: page.title };
    if (session.campaign) context.campaign = { name: session.campaign.id, source: 'newsletter', medium: 'email' };
    const event: Record<string, unknown> = { ...fields, anonymousId: device.anonymousId, context };
    if (userId) event.userId = userId;
    return event;
  };
  const view = (name: string, path: string) => {
    const fields = source === 'web' ? { type: 'page', name, properties: { path, title: `${name} | Lindenhaus` } } : { type: 'screen', name };
    emit(source, time, call(fields, { path, title: `${name} | Lindenhaus` }));
    next();
  };
  const login = () => {
    const plan = session.login!;
    const customer = plan.customer;
    userId = customer.userId;
    const traits: Record<string, unknown> = {
      email: typeEmail(customer.email, random), firstName: customer.firstName, lastName: customer.lastName, city: customer.city.name,
    };
    if (customer.phone && customer.givesPhone) traits.phone = writePhone(customer.phone, random);
    const identify = call({ type: 'identify', traits });
    if (plan.first && customer.customerNumberAtSignUp) {
      (identify.context as Record<string, unknown>).externalIds = [{ type: 'customer_number', id: customer.customerNumber, collection: 'users', encoding: 'none' }];
    }
    emit(source, time, identify);
    next();
    emit(source, time, call({ type: 'track', event: plan.signUp ? 'Signed Up' : 'Signed In', properties: { method: 'email' } }));
    next();
  };

  if (session.campaign) view(session.campaign.name, `/campaign/${session.campaign.id}`);
  else view('Home', '/');
  if (session.login?.when === 'start') login();
  let product = PRODUCTS[random.int(0, PRODUCTS.length - 1)]!;
  for (let n = 0; n < session.pages; n++) {
    const category = random.pick(CATEGORIES);
    view(`Category ${category}`, `/c/${encodeURIComponent(category)}`);
  }
  for (let n = 0; n < session.views; n++) {
    product = session.order && n < session.order.basket.items.length ? PRODUCTS[session.order.basket.items[n]!]! : PRODUCTS[random.int(0, PRODUCTS.length - 1)]!;
    emit(source, time, call({ type: 'track', event: 'Product Viewed', properties: productProperties(product) }, { path: `/p/${product.id}`, title: product.name }));
    next();
  }
  if (session.newsletterSignUp) {
    emit(source, time, call({ type: 'identify', traits: { email: typeEmail(session.newsletterSignUp, random) } }));
    next();
    emit(source, time, call({ type: 'track', event: 'Newsletter Subscribed', properties: { form: 'footer' } }));
    next();
  }
  const products = session.order ? session.order.basket.items.map((item) => PRODUCTS[item]!) : [product];
  const value = session.order ? session.order.basket.total : product.price;
  if (session.cart) {
    for (const item of products) {
      emit(source, time, call({ type: 'track', event: 'Product Added', properties: { ...productProperties(item), quantity: 1 } }));
      next();
    }
  }
  if (session.checkout) {
    emit(source, time, call({ type: 'track', event: 'Checkout Started', properties: { value, currency: 'EUR', products: products.map(productProperties) } }, { path: '/checkout', title: 'Checkout' }));
    next();
  }
  if (session.login && session.login.when !== 'start') login();
  if (session.order) {
    emit(source, time, call({
      type: 'track', event: 'Order Completed',
      properties: { order_id: session.order.id, total: value, revenue: value, currency: 'EUR', products: products.map(productProperties) },
    }));
  }
}

function productProperties(product: (typeof PRODUCTS)[number]): Record<string, unknown> {
  return { product_id: product.id, name: product.name, category: product.category, price: product.price };
}

/** Invoice by email or letter the next business day, then the payment, or a reminder first. */
function planInvoice(planner: Planner, customer: Customer, random: Prng, orderAt: number, orderId: string, amount: number): void {
  const { calendar } = planner;
  const invoiceAt = calendar.officeTimeAfter(orderAt, 1, random);
  if (invoiceAt >= planner.end) return;
  // Without the customer number at sign-up, the first invoice goes by email: that is what links the number.
  const byEmail = (!customer.customerNumberAtSignUp && !customer.invoicedByEmail) || random.chance(0.6);
  if (byEmail) customer.invoicedByEmail = true;
  const invoiceId = `INV-${random.hex(8).toUpperCase()}`;
  // The billing system sends its own key for the customer as anonymousId.
  const erpId = `erp-${customer.customerNumber.toLowerCase()}`;
  const steps: Array<{ at: number; kind: 'invoice' | 'reminder' | 'payment' }> = [{ at: invoiceAt, kind: 'invoice' }];
  const roll = random.next();
  if (roll < 0.86) {
    steps.push({ at: calendar.officeTimeAfter(invoiceAt, random.int(2, 14), random), kind: 'payment' });
  } else {
    const reminderAt = calendar.officeTimeAfter(invoiceAt, 15, random);
    steps.push({ at: reminderAt, kind: 'reminder' });
    if (roll < 0.985) steps.push({ at: calendar.officeTimeAfter(reminderAt, random.int(2, 10), random), kind: 'payment' });
  }
  const kept = steps.filter((step) => step.at < planner.end);
  planner.add(customer, invoiceAt, (emit) => {
    for (const step of kept) {
      const context: Record<string, unknown> = {
        externalIds: [{ type: 'customer_number', id: customer.customerNumber, collection: 'users', encoding: 'none' }],
      };
      let event = 'Invoice Sent';
      if (step.kind === 'invoice') {
        if (byEmail) {
          context.traits = { email: customer.email };
          context.touchpoint = { name: 'invoices', channel: 'email' };
        }
      } else if (step.kind === 'reminder') {
        event = 'Payment Reminder Sent';
      } else {
        event = 'Payment Received';
        context.touchpoint = { name: 'payments', channel: 'email' };
      }
      emit('billing', step.at, {
        type: 'track', event, anonymousId: erpId, context,
        properties: { invoice_id: invoiceId, order_id: orderId, amount, currency: 'EUR' },
      });
    }
  });
}

/** Loyalty card: registered at the till (with email, and a customer number for store-only customers) or linked online later. */
function planCardHolder(planner: Planner, customer: Customer, random: Prng, firstDay: number, account: boolean): number {
  const { calendar } = planner;
  const days = calendar.days;
  const registerAt = account
    ? planner.timeBetween('store', random, firstDay, days - 1)
    : planner.timeBetween('store', random, firstDay, firstDay + 7);
  if (registerAt === null) return firstDay;
  const registerDay = planner.dayOf(registerAt);
  if (!account) customer.knownFrom = registerDay;
  const linkOnline = account && random.chance(0.4);
  const homeStore = customer.city.store;
  const card = customer.card!;
  planner.add(customer, registerAt, (emit, r) => {
    const receipt = `rcpt-${r.hex(12)}`;
    // Store-only customers get their customer number with the card.
    const context = () => {
      const externalIds = [{ type: 'loyalty_card', id: card, collection: 'users', encoding: 'none' }];
      if (!account && !linkOnline) externalIds.push({ type: 'customer_number', id: customer.customerNumber, collection: 'users', encoding: 'none' });
      return { touchpoint: { name: homeStore }, externalIds };
    };
    if (linkOnline) {
      emit('stores', registerAt, { type: 'track', event: 'Loyalty Card Issued', anonymousId: receipt, context: context(), properties: { card_type: 'standard' } });
      return;
    }
    const traits: Record<string, unknown> = { firstName: customer.firstName, lastName: customer.lastName, email: typeEmail(customer.email, r) };
    if (customer.givesPhone) traits.phone = writePhone(customer.phone, r);
    emit('stores', registerAt, { type: 'identify', anonymousId: receipt, traits, context: context() });
    emit('stores', registerAt + 30_000, { type: 'track', event: 'Loyalty Card Registered', anonymousId: receipt, context: context(), properties: { card_type: 'standard' } });
  });
  if (linkOnline && customer.desktop) {
    const from = Math.max(registerDay, customer.knownFrom) + 1;
    const linkAt = planner.timeBetween('web', random, from, from + 45);
    if (linkAt !== null) {
      const desktop = customer.desktop;
      planner.add(customer, linkAt, (emit) => {
        emit('web', linkAt, {
          type: 'track', event: 'Loyalty Card Linked', userId: customer.userId, anonymousId: desktop.anonymousId,
          properties: { card_type: 'standard' },
          context: { externalIds: [{ type: 'loyalty_card', id: card, collection: 'users', encoding: 'none' }], userAgent: desktop.userAgent, locale: 'de-DE' },
        });
      });
    }
  }
  const remaining = (days - registerDay) / days;
  const visits = 1 + random.count(customer.activity * 3 * remaining);
  for (let n = 0; n < visits; n++) {
    const at = n === 0 ? registerAt + 2 * MINUTE : planner.timeBetween('store', random, registerDay + 1, days - 1);
    if (at === null) continue;
    // Now and then the card stays at home: the till sees an anonymous receipt.
    planStoreVisit(planner, customer, random, at, n === 0 || random.chance(0.9));
  }
  return registerDay;
}

function planStoreVisitsWithoutCard(planner: Planner, customer: Customer, random: Prng): void {
  const days = planner.calendar.days;
  const visits = random.count(customer.activity * 1.2 * ((days - customer.knownFrom) / days));
  for (let n = 0; n < visits; n++) {
    const at = planner.timeBetween('store', random, customer.knownFrom, days - 1);
    if (at !== null) planStoreVisit(planner, customer, random, at, false);
  }
}

/**
 * A purchase at a till. Without the customer's own card the receipt is anonymous, unless they
 * ask for an e-receipt by email; staff sometimes scan the store's house card instead.
 */
function planStoreVisit(planner: Planner, customer: Customer, random: Prng, at: number, withCard: boolean): void {
  const store = random.chance(0.85) ? customer.city.store : random.pick(CITIES).store;
  const eReceipt = !withCard && random.chance(0.3);
  const houseCard = !withCard && random.chance(0.15) ? HOUSE_CARDS.get(store)! : null;
  const items = basket(random);
  customer.view.stories.storeVisits += 1;
  planner.add(customer, at, (emit, r) => {
    const receipt = `rcpt-${r.hex(12)}`;
    const context: Record<string, unknown> = { touchpoint: { name: store } };
    const externalIds: unknown[] = [];
    if (withCard) externalIds.push({ type: 'loyalty_card', id: customer.card, collection: 'users', encoding: 'none' });
    if (houseCard) externalIds.push({ type: 'loyalty_card', id: houseCard, collection: 'users', encoding: 'none' });
    if (externalIds.length > 0) context.externalIds = externalIds;
    if (eReceipt) context.traits = { email: customer.email };
    emit('stores', at, {
      type: 'track', event: 'Order Completed', anonymousId: receipt, context,
      properties: {
        order_id: receipt.toUpperCase(), total: items.total, revenue: items.total, currency: 'EUR', store,
        products: items.items.map((item) => productProperties(PRODUCTS[item]!)), payment: r.pick(['card', 'cash', 'mobile']),
      },
    });
  });
  if (random.chance(0.06)) planSurvey(planner, customer, random, at, { touchpoint: store, channel: 'store', department: 'sales' }, 'great');
  if (random.chance(0.012)) planComplaint(planner, customer, random, at, null);
}

// ---------------------------------------------------------------------------------------------
// Service: hotline, chat, messenger, complaints, surveys

function planCalls(planner: Planner, customer: Customer, random: Prng): void {
  const days = planner.calendar.days;
  const calls = random.count(customer.activity * 0.45 * ((days - customer.knownFrom) / days));
  for (let n = 0; n < calls; n++) {
    const at = planner.timeBetween('hotline', random, customer.knownFrom, days - 1);
    if (at !== null) planCall(planner, customer, random, at, random.pick(CALL_REASONS));
  }
}

/**
 * A call: the phone system writes the caller's number its own way. Some call from work; the
 * agent then asks for the customer number and notes it.
 */
function planCall(planner: Planner, customer: Customer, random: Prng, after: number, reason: string): void {
  const day = planner.calendar.sampleDay('hotline', random, planner.dayOf(after), planner.dayOf(after) + 3);
  if (day === null) return;
  const at = Math.max(after, planner.calendar.timeOn(day, 'hotline', random));
  if (at >= planner.end) return;
  const fromWork = random.chance(0.12);
  // From an unknown number the agent always asks for the customer number, otherwise now and then.
  const verified = fromWork || random.chance(0.35);
  if (fromWork) customer.view.workPhone = e164(customer.work);
  customer.view.stories.calls += 1;
  planner.add(customer, at, (emit, r) => {
    const callId = `call-${r.hex(12)}`;
    const phone = writePhone(fromWork ? customer.work : customer.phone, r);
    const seconds = r.int(40, 900);
    emit('hotline', at, { type: 'track', event: 'Call Started', anonymousId: callId, properties: { reason, queue: r.pick(['general', 'orders', 'returns']) }, context: { traits: { phone } } });
    const context: Record<string, unknown> = { traits: { phone } };
    if (verified) context.externalIds = [{ type: 'customer_number', id: customer.customerNumber, collection: 'users', encoding: 'none' }];
    emit('hotline', at + seconds * 1000, {
      type: 'track', event: 'Call Ended', anonymousId: callId, context,
      properties: { reason, duration_seconds: seconds, resolved: r.chance(0.8), agent: `agent-${r.int(1, 40)}` },
    });
  });
  if (random.chance(0.12)) planSurvey(planner, customer, random, at, { touchpoint: 'hotline', channel: 'phone', department: 'service' }, 'mixed');
}

function planChats(planner: Planner, customer: Customer, random: Prng, account: boolean): void {
  const days = planner.calendar.days;
  if (account && customer.desktop && random.chance(0.12)) {
    const desktop = customer.desktop;
    for (let n = random.int(1, 2); n > 0; n--) {
      const at = planner.timeBetween('web', random, customer.knownFrom + 1, days - 1);
      if (at === null) continue;
      customer.view.stories.chats += 1;
      planner.add(customer, at, (emit, r) => {
        const base = { userId: customer.userId, anonymousId: desktop.anonymousId };
        const topic = r.pick(CHAT_TOPICS);
        let time = at;
        emit('service-chat', time, { ...base, type: 'track', event: 'Chat Started', properties: { topic }, context: { userAgent: desktop.userAgent } });
        for (let m = r.int(1, 3); m > 0; m--) {
          time += r.int(20, 180) * 1000;
          emit('service-chat', time, { ...base, type: 'track', event: 'Chat Message Sent', properties: { topic, from: m % 2 === 0 ? 'agent' : 'customer' } });
        }
        time += r.int(20, 120) * 1000;
        emit('service-chat', time, { ...base, type: 'track', event: 'Chat Ended', properties: { topic, resolved: r.chance(0.75) } });
      });
    }
  }
  if (random.chance(0.07)) {
    // WhatsApp knows the customer only by the number, which it always writes in full.
    for (let n = random.int(1, 2); n > 0; n--) {
      const at = planner.timeBetween('web', random, customer.knownFrom, days - 1);
      if (at === null) continue;
      customer.view.stories.chats += 1;
      planner.add(customer, at, (emit, r) => {
        const number = e164(customer.phone);
        const base = { anonymousId: `wa-${number.slice(1)}`, context: { traits: { phone: `+49 ${customer.phone.prefix} ${customer.phone.subscriber}` }, touchpoint: { name: 'whatsapp', channel: 'whatsapp' } } };
        const topic = r.pick(CHAT_TOPICS);
        let time = at;
        for (let m = r.int(1, 2); m > 0; m--) {
          emit('service-chat', time, { ...base, type: 'track', event: 'Message Received', properties: { topic } });
          time += r.int(60, 1800) * 1000;
          emit('service-chat', time, { ...base, type: 'track', event: 'Message Sent', properties: { topic } });
          time += r.int(60, 3600) * 1000;
        }
      });
    }
  }
}

/** A complaint by email, phone or letter, keyed by the customer number, resolved some days later. */
function planComplaint(planner: Planner, customer: Customer, random: Prng, after: number, orderId: string | null): void {
  const { calendar } = planner;
  const receivedAt = calendar.officeTimeAfter(after, random.int(1, 8), random);
  if (receivedAt >= planner.end) return;
  const resolvedAt = calendar.officeTimeAfter(receivedAt, random.int(2, 15), random);
  const channel = random.weighted([['email', 5], ['phone', 3], ['letter', 2]] as const);
  const resolvedBy = random.chance(0.5) ? 'email' : 'letter';
  customer.view.stories.complaints += 1;
  planner.add(customer, receivedAt, (emit, r) => {
    const caseId = `case-${r.hex(10)}`;
    const reason = r.pick(COMPLAINT_REASONS);
    const externalIds = [{ type: 'customer_number', id: customer.customerNumber, collection: 'users', encoding: 'none' }];
    const traits = channel === 'email' ? { email: customer.email } : channel === 'phone' ? { phone: writePhone(customer.phone, r) } : undefined;
    emit('complaints', receivedAt, {
      type: 'track', event: 'Complaint Received', anonymousId: caseId,
      context: { externalIds, touchpoint: { channel }, ...(traits ? { traits } : {}) },
      properties: { case_id: caseId, reason, order_id: orderId, severity: r.pick(['low', 'medium', 'high']) },
    });
    if (resolvedAt < planner.end) {
      emit('complaints', resolvedAt, {
        type: 'track', event: 'Complaint Resolved', anonymousId: caseId, context: { externalIds, touchpoint: { channel: resolvedBy } },
        properties: { case_id: caseId, reason, resolution: r.pick(COMPLAINT_RESOLUTIONS), days_open: Math.round((resolvedAt - receivedAt) / DAY) },
      });
    }
  });
  if (resolvedAt < planner.end && random.chance(0.35)) {
    planSurvey(planner, customer, random, resolvedAt, { touchpoint: 'complaints desk', channel, department: 'complaints' }, 'poor');
  }
}

type Mood = 'great' | 'good' | 'mixed' | 'poor';
const SCORES: Record<Mood, ReadonlyArray<readonly [number, number]>> = {
  great: [[10, 30], [9, 30], [8, 20], [7, 10], [6, 5], [5, 3], [3, 2]],
  good: [[10, 22], [9, 25], [8, 22], [7, 14], [6, 7], [5, 5], [3, 3], [1, 2]],
  mixed: [[10, 12], [9, 15], [8, 18], [7, 15], [6, 12], [5, 10], [4, 7], [3, 5], [2, 3], [0, 3]],
  poor: [[9, 4], [8, 8], [7, 10], [6, 13], [5, 15], [4, 14], [3, 13], [2, 10], [1, 7], [0, 6]],
};

/** An NPS answer by email link, a day or three after the touchpoint it rates. */
function planSurvey(planner: Planner, customer: Customer, random: Prng, after: number, rated: { touchpoint: string; channel: string; department: string }, mood: Mood): void {
  const day = planner.dayOf(after) + random.int(1, 3);
  if (day >= planner.calendar.days) return;
  const at = Math.max(after + MINUTE, planner.calendar.timeOn(day, 'web', random));
  customer.view.stories.surveys += 1;
  planner.add(customer, at, (emit, r) => {
    const score = r.weighted(SCORES[mood]);
    emit('surveys', at, {
      type: 'track', event: 'Survey Answered', anonymousId: customer.respondent, context: { traits: { email: customer.email } },
      properties: { survey: 'nps', score, touchpoint: rated.touchpoint, channel: rated.channel, department: rated.department },
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Marketing

/** Every campaign after the customer subscribed: delivered, sometimes opened, clicked, and a visit to the shop. */
function planNewsletter(planner: Planner, customer: Customer, random: Prng, subscribedOn: number): void {
  customer.view.newsletter = true;
  const engagement = 0.1 + random.next() * 0.5;
  for (const campaign of planner.calendar.campaigns) {
    if (campaign.day <= subscribedOn) continue;
    const sentAt = planner.calendar.timeOn(campaign.day, 'office', random) - 2 * 3_600_000 + random.int(0, 90) * MINUTE;
    const openedAt = random.chance(engagement) ? sentAt + Math.round(random.exponential(6 * 3_600_000)) : null;
    const clickedAt = openedAt !== null && random.chance(0.3) ? openedAt + random.int(5, 300) * 1000 : null;
    const unsubscribes = openedAt !== null && random.chance(0.03);
    planner.add(customer, sentAt, (emit) => {
      const base = { anonymousId: customer.subscriber, context: { traits: { email: customer.email } } };
      const properties = { campaign_id: campaign.id, campaign_name: campaign.name, email_subject: campaign.subject };
      emit('newsletter', sentAt, { ...base, type: 'track', event: 'Email Delivered', properties });
      if (openedAt !== null) emit('newsletter', openedAt, { ...base, type: 'track', event: 'Email Opened', properties });
      if (clickedAt !== null) emit('newsletter', clickedAt, { ...base, type: 'track', event: 'Email Link Clicked', properties: { ...properties, link_url: `https://lindenhaus.example/campaign/${campaign.id}` } });
      if (unsubscribes) emit('newsletter', (clickedAt ?? openedAt!) + 20_000, { ...base, type: 'track', event: 'Unsubscribed', properties });
    });
    if (clickedAt !== null && customer.desktop && clickedAt < planner.end && random.chance(0.7)) {
      // Before signing up the click lands an anonymous visitor on the shop; afterwards a customer.
      const signedUp = planner.dayOf(clickedAt) > customer.knownFrom;
      const session = browse(random, clickedAt + random.int(2, 30) * 1000, customer.desktop, signedUp ? customer.userId : null, 0.4, signedUp);
      session.campaign = campaign;
      if (session.order && session.userId === null) session.login = { when: 'checkout', signUp: false, customer };
      planSession(planner, customer, session, random);
    }
    if (unsubscribes) break;
  }
}

// ---------------------------------------------------------------------------------------------
// People who are not customers, and the traps

/** Someone who looks around once or twice and never signs in. */
function planVisitor(planner: Planner, index: number): void {
  const actor: Actor = { tag: `v${index}`, id: 10_000_000 + index };
  const random = Prng.of(planner.seed, 4, index);
  const mobile = random.chance(0.5);
  const device: Device = { source: 'web', anonymousId: random.uuid(), userAgent: random.pick(mobile ? MOBILE_USER_AGENTS : WEB_USER_AGENTS) };
  const firstDay = planner.calendar.sampleDay('web', random, 0, planner.calendar.days - 1) ?? 0;
  for (let n = random.int(1, 3); n > 0; n--) {
    const at = planner.timeBetween('web', random, firstDay, firstDay + 30);
    if (at === null) continue;
    const session = browse(random, at, device, null, 0.2, false);
    planner.add(actor, at, (emit, r) => renderSession(emit, r, session));
  }
}

/** A tester signs up with the address everybody uses for tests; fifty of them do. */
function planTestAccount(planner: Planner, index: number): string {
  const actor: Actor = { tag: `qa${index}`, id: 20_000_000 + index };
  const random = Prng.of(planner.seed, 5, index);
  const userId = `u-test-${String(index).padStart(2, '0')}`;
  const tester: Shopper = {
    userId, firstName: 'Test', lastName: `Tester ${index}`, email: SHARED_TEST_EMAIL, phone: null, givesPhone: false, city: CITIES[0]!, customerNumber: '',
    customerNumberAtSignUp: false,
  };
  const device: Device = { source: 'web', anonymousId: random.uuid(), userAgent: WEB_USER_AGENTS[0] };
  const at = planner.timeBetween('office', random, 0, planner.calendar.days - 1);
  if (at !== null) {
    const session = browse(random, at, device, null, 0.6, true);
    session.login = { when: 'start', signUp: true, customer: tester };
    planner.add(actor, at, (emit, r) => renderSession(emit, r, session));
  }
  return userId;
}

/**
 * Families share a tablet with the shop app: one parent signs in there first, a teenager with an
 * account of their own later. The tablet must not join them.
 */
function planFamilies(planner: Planner, customers: Customer[]): DemoFamily[] {
  const random = Prng.of(planner.seed, 6);
  const families: DemoFamily[] = [];
  const days = planner.calendar.days;
  const online = customers.filter((customer) => customer.userId !== null && customer.desktop !== null);
  for (let n = 0; n + 1 < online.length; n++) {
    if (!random.chance(0.02)) continue;
    const [parent, teen] = [online[n]!, online[n + 1]!];
    n += 1;
    const from = Math.max(parent.knownFrom, teen.knownFrom) + random.int(1, 20);
    if (from >= days - 20) continue;
    const tablet: Device = { source: 'app', anonymousId: random.uuid(), app: { os: 'iOS', model: 'iPad13,16', deviceId: `dev-${random.hex(16)}` } };
    families.push({ tablet: tablet.anonymousId, deviceId: tablet.app!.deviceId, members: [parent.userId!, teen.userId!] });
    const parentFirst = planner.calendar.timeOn(from, 'app', random);
    const teenFrom = from + random.int(3, 20);
    for (const [member, first, sessions] of [[parent, parentFirst, random.int(2, 4)], [teen, null, random.int(1, 3)]] as const) {
      let day = member === parent ? from : teenFrom;
      for (let s = 0; s < sessions && day < days; s++) {
        const at = s === 0 && first !== null ? first : planner.calendar.timeOn(day, 'app', random);
        const session = browse(random, at, tablet, s === 0 ? null : member.userId, 0.3, true);
        if (s === 0) session.login = { when: member === parent ? 'start' : session.order ? 'checkout' : 'end', signUp: false, customer: member };
        else if (session.order && !session.userId) session.login = { when: 'checkout', signUp: false, customer: member };
        planSession(planner, member, session, random);
        day += random.int(2, 25);
      }
    }
  }
  return families;
}
