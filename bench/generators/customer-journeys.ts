/**
 * Customers who browse anonymously, call the hotline, sign in on two devices and buy: every
 * customer's identifiers join into one profile whatever order their events are processed in,
 * because no customer shares an identifier with another or exceeds a per-type limit. That makes
 * the final profiles of any run comparable with any other run over the same events.
 */

/** One event as a Segment SDK puts it in a batch. */
export type JourneyEvent = Record<string, unknown> & { type: string; messageId: string };

/** A customer's events in the order they happened; all sent by one sender, so their order holds. */
export interface CustomerJourney {
  customer: number;
  events: JourneyEvent[];
}

/** Identifiers every journey of customer `n` joins into one profile. */
export function expectedIdentifiers(n: number): string[] {
  return [
    `anonymous_id:web-${n}`,
    `anonymous_id:app-${n}`,
    `anonymous_id:call-${n}`,
    `email:customer${n}@example.com`,
    `phone:+4930${String(1_000_000 + n)}`,
    `user_id:u-${n}`,
  ].sort();
}

/** `customers` journeys of `eventsPerCustomer` events each (at least 8), deterministic. */
export function customerJourneys(customers: number, eventsPerCustomer: number, start = Date.parse('2026-03-02T08:00:00Z')): CustomerJourney[] {
  const journeys: CustomerJourney[] = [];
  for (let n = 0; n < customers; n++) {
    let clock = start + n * 1000;
    const events: JourneyEvent[] = [];
    const add = (event: Record<string, unknown>) => {
      clock += 60_000;
      events.push({ messageId: `c${n}-e${events.length}`, timestamp: new Date(clock).toISOString(), ...event } as unknown as JourneyEvent);
    };
    const web = `web-${n}`;
    const app = `app-${n}`;
    const phone = `+49 30 ${String(1_000_000 + n)}`;
    const browsing = Math.max(1, Math.floor((eventsPerCustomer - 8) / 2));
    for (let i = 0; i < browsing; i++) add({ type: 'page', anonymousId: web, name: 'Product', properties: { sku: `SKU-${(n + i) % 50}` } });
    add({ type: 'track', anonymousId: `call-${n}`, event: 'Call Answered', properties: { topic: 'delivery' }, context: { traits: { phone } } });
    add({ type: 'identify', anonymousId: web, userId: `u-${n}`, traits: { email: `customer${n}@example.com`, firstName: `Customer${n}` } });
    add({ type: 'track', anonymousId: app, event: 'Application Opened' });
    add({ type: 'identify', anonymousId: app, userId: `u-${n}`, traits: { phone } });
    add({ type: 'identify', userId: `u-${n}`, traits: { phone } });
    add({ type: 'track', userId: `u-${n}`, event: 'Order Completed', properties: { revenue: (n % 90) + 10 } });
    while (events.length < eventsPerCustomer) add({ type: 'track', userId: `u-${n}`, event: 'Product Viewed', properties: { sku: `SKU-${events.length % 50}` } });
    journeys.push({ customer: n, events });
  }
  return journeys;
}

/**
 * Batch bodies for `senders` senders: sender s carries the customers n ≡ s (mod senders), their
 * events interleaved across customers but each customer's in order.
 */
export function senderBatches(journeys: CustomerJourney[], senders: number, batchSize: number): JourneyEvent[][][] {
  const perSender: JourneyEvent[][][] = Array.from({ length: senders }, () => []);
  for (let s = 0; s < senders; s++) {
    const mine = journeys.filter((journey) => journey.customer % senders === s);
    const stream: JourneyEvent[] = [];
    const longest = Math.max(0, ...mine.map((journey) => journey.events.length));
    for (let i = 0; i < longest; i++) for (const journey of mine) if (journey.events[i]) stream.push(journey.events[i]!);
    for (let i = 0; i < stream.length; i += batchSize) perSender[s]!.push(stream.slice(i, i + batchSize));
  }
  return perSender;
}
