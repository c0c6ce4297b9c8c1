import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../core/event-schema.ts';
import { eventFixture } from '../../stores/contract/state-store.contract.ts';
import type { AppendRequest, LogPosition, NewFailedEvent } from '../../stores/ports.ts';
import type { AcceptedBusConsumer, AcceptedBusWriter, AcceptedRequestHandler } from '../ports.ts';

/** What an adapter gives the contract suite: fresh, empty storage for each test. */
export interface AcceptedBusHarness {
  open(): Promise<AcceptedBusFixture>;
}

/** One test's bus: a writer, and consumers on the same storage as workers starting would make them. */
export interface AcceptedBusFixture {
  writer: AcceptedBusWriter;
  /** A new consumer instance; a request whose handler failed is handed over again after `retryDelayMs`. */
  newConsumer(options: { retryDelayMs: number }): Promise<AcceptedBusConsumer>;
  /** Closes everything the fixture opened and deletes its storage. */
  destroy(): Promise<void>;
}

/** One handler call, as a worker saw it. */
export interface Delivery {
  request: AppendRequest;
  position: LogPosition;
  /** Set by the handler that recorded it, to tell consumer instances apart. */
  consumer: string;
  /** False when the handler threw for it. */
  handled: boolean;
}

/** Collects deliveries and waits, without timing anything, for the ones a test expects. */
export class DeliveryRecorder {
  readonly deliveries: Delivery[] = [];
  private readonly waiters: Array<() => void> = [];

  /** A handler that records each call; `fail` decides (before recording) whether it throws. */
  handler(consumer: string, fail: (request: AppendRequest) => boolean = () => false): AcceptedRequestHandler {
    return async (request, position) => {
      const failing = fail(request);
      this.deliveries.push({ request, position, consumer, handled: !failing });
      for (const wake of this.waiters.splice(0)) wake();
      if (failing) throw new Error(`refused ${request.events.map((event) => event.messageId).join(',')}`);
    };
  }

  /** Message ids of handled events, in the order they were handled, each once. */
  handledIds(): string[] {
    const seen = new Set<string>();
    for (const delivery of this.deliveries) {
      if (!delivery.handled) continue;
      for (const event of delivery.request.events) seen.add(event.messageId);
    }
    return [...seen];
  }

  async waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}; ${this.deliveries.length} deliveries so far`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitForIds(ids: string[], timeoutMs?: number): Promise<void> {
    const wanted = new Set(ids);
    await this.waitFor(() => {
      let found = 0;
      for (const id of this.handledIds()) if (wanted.has(id)) found += 1;
      return found === wanted.size;
    }, `${wanted.size} events`, timeoutMs);
  }
}

/** An event of `customer`: a user id for most, only an anonymous id for customers named `anon-*`. */
export function customerEvent(customer: string, messageId: string): StoredEvent {
  const anonymous = customer.startsWith('anon-');
  return eventFixture(messageId, {
    userId: anonymous ? null : customer,
    anonymousId: anonymous ? customer : `cookie-${customer}`,
    payload: { type: 'track', event: 'Product Viewed', messageId, [anonymous ? 'anonymousId' : 'userId']: customer },
  });
}

export function failedFixture(message: string): NewFailedEvent {
  return {
    workspaceId: 'default', sourceId: 'src_a', receivedAt: Date.parse('2026-01-01T00:00:01Z'),
    code: 'CENTRIC_ERR_EVENT_MISSING_IDENTITY', message, field: 'userId', payload: { type: 'track', event: message },
  };
}

/**
 * Requests spreading events of `customers` customers over `requests` requests of `perRequest`
 * events, in a fixed pseudo-random order; message ids say whose event it is and its number.
 */
export function interleavedRequests(customers: number, requests: number, perRequest: number, seed = 7): AppendRequest[] {
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 8;
  };
  const counts = new Map<string, number>();
  const result: AppendRequest[] = [];
  for (let index = 0; index < requests; index += 1) {
    const events: StoredEvent[] = [];
    for (let slot = 0; slot < perRequest; slot += 1) {
      const number = next() % customers;
      const customer = number % 5 === 0 ? `anon-${number}` : `user-${number}`;
      const count = (counts.get(customer) ?? 0) + 1;
      counts.set(customer, count);
      events.push(customerEvent(customer, `${customer}#${count}`));
    }
    result.push({ events, failed: [] });
  }
  return result;
}

/** Each customer's message ids in the order given. */
export function byCustomer(ids: string[]): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const id of ids) {
    const customer = id.slice(0, id.indexOf('#'));
    result.set(customer, [...(result.get(customer) ?? []), id]);
  }
  return result;
}

function appendedIds(requests: AppendRequest[]): string[] {
  return requests.flatMap((request) => request.events.map((event) => event.messageId));
}

/** The behaviour every accepted-bus adapter must show; each adapter's test file calls this once. */
export function acceptedBusContract(engine: string, harness: AcceptedBusHarness): void {
  describe(`accepted bus contract: ${engine}`, () => {
    let bus: AcceptedBusFixture;
    const consumers: AcceptedBusConsumer[] = [];
    const open = async (retryDelayMs = 100) => {
      const consumer = await bus.newConsumer({ retryDelayMs });
      consumers.push(consumer);
      return consumer;
    };

    beforeEach(async () => {
      bus = await harness.open();
    });
    afterEach(async () => {
      for (const consumer of consumers.splice(0)) await consumer.close();
      await bus.destroy();
    });

    it('delivers every appended event, each customer\'s events in the order they were appended, across many customers', async () => {
      const recorder = new DeliveryRecorder();
      const consumer = await open();
      await consumer.start(recorder.handler('one'));
      expect(consumer.isReady()).toBe(true);
      expect(bus.writer.isReady()).toBe(true);
      const requests = interleavedRequests(60, 120, 8);
      for (const request of requests) await bus.writer.append(request);
      await recorder.waitForIds(appendedIds(requests));

      expect(byCustomer(recorder.handledIds())).toEqual(byCustomer(appendedIds(requests)));
      // Positions grow within each log (partition), so a state store can skip what it already holds.
      const lastSeq = new Map<string, number>();
      for (const { position } of recorder.deliveries) {
        expect(position.seq).toBeGreaterThan(lastSeq.get(position.log) ?? 0);
        lastSeq.set(position.log, position.seq);
      }
    });

    it('hands a restarted consumer what was appended while it was stopped, and nothing after stop resolved', async () => {
      const recorder = new DeliveryRecorder();
      const first = await open();
      await first.start(recorder.handler('first'));
      const before = interleavedRequests(20, 30, 5, 11);
      for (const request of before) await bus.writer.append(request);
      await recorder.waitForIds(appendedIds(before));
      await first.stop();
      expect(first.isReady()).toBe(false);
      const seenAtStop = recorder.deliveries.length;

      const during = interleavedRequests(20, 30, 5, 12).map((request) => ({
        ...request, events: request.events.map((event) => customerEvent(event.messageId.split('#')[0]!, `${event.messageId}-while-stopped`)),
      }));
      for (const request of during) await bus.writer.append(request);
      // Long enough for a stopped consumer that still pulled to have shown it; nothing is timed.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(recorder.deliveries.length).toBe(seenAtStop);

      const second = await open();
      await second.start(recorder.handler('second'));
      await recorder.waitForIds(appendedIds(during));
      const secondIds = recorder.deliveries.filter((delivery) => delivery.consumer === 'second').flatMap((delivery) => delivery.request.events.map((event) => event.messageId));
      expect(new Set(secondIds)).toEqual(new Set(appendedIds(during)));
      expect(byCustomer(recorder.handledIds().filter((id) => id.endsWith('-while-stopped')))).toEqual(byCustomer(appendedIds(during)));
    });

    it('retries a request whose handler failed, before anything appended after it for the same customer', async () => {
      const recorder = new DeliveryRecorder();
      let refusals = 0;
      const consumer = await open(50);
      await consumer.start(recorder.handler('one', (request) => {
        if (!request.events.some((event) => event.messageId === 'user-1#2') || refusals >= 2) return false;
        refusals += 1;
        return true;
      }));
      const requests = [1, 2, 3, 4].map((n) => ({ events: [customerEvent('user-1', `user-1#${n}`), customerEvent(`user-${n + 10}`, `user-${n + 10}#1`)], failed: [] }));
      for (const request of requests) await bus.writer.append(request);
      await recorder.waitForIds(appendedIds(requests));

      expect(byCustomer(recorder.handledIds()).get('user-1')).toEqual(['user-1#1', 'user-1#2', 'user-1#3', 'user-1#4']);
      const attempts = recorder.deliveries.filter((delivery) => delivery.request.events.some((event) => event.messageId === 'user-1#2'));
      expect(attempts.map((delivery) => delivery.handled)).toEqual([false, false, true]);
      // A retry is the same entry of the log, so the store recognises it.
      expect(new Set(attempts.map((delivery) => JSON.stringify(delivery.position))).size).toBe(1);
    });

    it('delivers nothing that was not appended: each event, failed event and replay marker once', async () => {
      const recorder = new DeliveryRecorder();
      const consumer = await open();
      await consumer.start(recorder.handler('one'));
      const requests: AppendRequest[] = [
        { events: [customerEvent('user-1', 'user-1#1'), customerEvent('anon-2', 'anon-2#1'), customerEvent('user-3', 'user-3#1')], failed: [failedFixture('bad one'), failedFixture('bad two')] },
        { events: [], failed: [failedFixture('only failed')] },
        { events: [customerEvent('user-4', 'user-4#1')], failed: [], replayed: [{ failedEventId: 7, messageId: 'user-4#1' }] },
        ...interleavedRequests(10, 10, 4, 3).map((request) => ({ ...request, events: request.events.map((event) => customerEvent(event.messageId.split('#')[0]!, `x-${event.messageId}`)) })),
      ];
      for (const request of requests) await bus.writer.append(request);
      await recorder.waitForIds(appendedIds(requests));
      await recorder.waitFor(() => recorder.deliveries.flatMap((delivery) => delivery.request.failed).length >= 3, 'the failed events');

      const delivered = recorder.deliveries.flatMap((delivery) => delivery.request.events.map((event) => event.messageId));
      expect([...delivered].sort()).toEqual(appendedIds(requests).sort());
      expect(recorder.deliveries.flatMap((delivery) => delivery.request.failed.map((failed) => failed.message)).sort()).toEqual(['bad one', 'bad two', 'only failed']);
      const replay = recorder.deliveries.filter((delivery) => delivery.request.replayed?.length);
      expect(replay).toHaveLength(1);
      expect(replay[0]!.request.replayed).toEqual([{ failedEventId: 7, messageId: 'user-4#1' }]);
      expect(replay[0]!.request.events.map((event) => event.messageId)).toContain('user-4#1');
      // Events arrive whole: what went in is what comes out.
      const sent = requests[0]!.events[1]!;
      expect(recorder.deliveries.flatMap((delivery) => delivery.request.events).find((event) => event.messageId === sent.messageId)).toEqual(sent);
      expect(recorder.deliveries.every((delivery) => delivery.request.logPosition === undefined)).toBe(true);
    });
  });
}
