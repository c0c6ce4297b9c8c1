import { randomBytes } from 'node:crypto';
import { createServer, connect as connectTcp, type Server, type Socket } from 'node:net';
import { NATS_URL, natsAddress, natsAvailability } from './test-nats.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  acceptedBusContract, byCustomer, customerEvent, DeliveryRecorder, interleavedRequests,
} from '../contract/accepted-bus.contract.ts';
import { CentricError } from '../../core/errors.ts';
import type { AcceptedBusWriter } from '../ports.ts';
import { JetStreamBusConsumer, DeadLetterHeaders, type JetStreamConsumerOptions } from './jetstream-bus-consumer.ts';
import { JetStreamBusWriter } from './jetstream-bus-writer.ts';
import type { JetStreamBusOptions } from './jetstream-connection.ts';
import { partitionOf } from './partition-request.ts';
import { decodeSlice } from './slice-codec.ts';



const { missing: natsMissing, skipReason } = await natsAvailability();

/** A bus of its own for one test: a stream and subject prefix no other test uses. */
function uniqueBus(partitions = 16): JetStreamBusOptions {
  const id = randomBytes(5).toString('hex');
  return { url: NATS_URL, stream: `TEST_${id}`, subjectPrefix: `test_${id}`, partitions };
}

/** Short waits so that redeliveries happen within a test; none of them is asserted on. */
function workerOptions(bus: JetStreamBusOptions, overrides: Partial<JetStreamConsumerOptions> = {}): JetStreamConsumerOptions {
  return { ...bus, ackWaitMs: 1500, pullExpiresMs: 1000, retryDelayMs: 100, onError: () => {}, onDeadLetter: () => {}, ...overrides };
}

async function deleteBus(bus: JetStreamBusOptions): Promise<void> {
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  for (const name of [bus.stream!, `${bus.stream!}_DEAD`]) await jsm.streams.delete(name).catch(() => false);
  await nc.close();
}

describe.skipIf(natsMissing)(`nats jetstream adapter${skipReason}`, () => acceptedBusContract('nats jetstream', {
  async open() {
    const bus = uniqueBus();
    const writer = await JetStreamBusWriter.open(bus);
    return {
      writer,
      newConsumer: ({ retryDelayMs }) => JetStreamBusConsumer.open(workerOptions(bus, { retryDelayMs })),
      async destroy() {
        await writer.close();
        await deleteBus(bus);
      },
    };
  },
}));

/** A TCP relay in front of NATS that a test can cut, or whose replies it can hold back. */
class NatsRelay {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private held: Array<{ to: Socket; data: Buffer }> | null = null;
  port = 0;

  async listen(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connectTcp(Number(natsAddress.port || 4222), natsAddress.hostname);
      this.sockets.add(client).add(upstream);
      client.on('data', (data) => upstream.write(data));
      upstream.on('data', (data) => {
        if (this.held) this.held.push({ to: client, data });
        else client.write(data);
      });
      for (const socket of [client, upstream]) {
        socket.on('error', () => {});
        socket.on('close', () => {
          client.destroy();
          upstream.destroy();
          this.sockets.delete(socket);
        });
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** NATS goes away: open connections drop and new ones are refused. */
  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  /** The server's answers stop arriving (they are kept, in order) until `release`. */
  hold(): void {
    this.held = [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const { to, data } of held) to.write(data);
  }

  async close(): Promise<void> {
    if (this.server) await this.cut();
  }
}

describe.skipIf(natsMissing)(`nats jetstream bus${skipReason}`, () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function openBus(partitions = 16, writerUrl?: string) {
    const bus = uniqueBus(partitions);
    const writer = await JetStreamBusWriter.open({ ...bus, url: writerUrl ?? NATS_URL, publishTimeoutMs: 1000, publishAttempts: 1 });
    cleanups.push(() => deleteBus(bus), () => writer.close());
    return { bus, writer };
  }

  async function worker(bus: JetStreamBusOptions, overrides: Partial<JetStreamConsumerOptions> = {}): Promise<JetStreamBusConsumer> {
    const consumer = await JetStreamBusConsumer.open(workerOptions(bus, overrides));
    cleanups.push(() => consumer.close());
    return consumer;
  }

  async function appendEach(writer: AcceptedBusWriter, customer: string, numbers: number[]): Promise<string[]> {
    for (const n of numbers) await writer.append({ events: [customerEvent(customer, `${customer}#${n}`)], failed: [] });
    return numbers.map((n) => `${customer}#${n}`);
  }

  it('gives a message a worker took and died on (connection gone, no ack) to another worker, in order', async () => {
    const { bus, writer } = await openBus(4);
    const recorder = new DeliveryRecorder();
    const dyingConnection: NatsConnection = await connect({ servers: NATS_URL });
    let release = () => {};
    const never = new Promise<void>((resolve) => (release = resolve));
    cleanups.push(async () => release());
    const dying = await JetStreamBusConsumer.open(workerOptions(bus, { connection: dyingConnection }));
    await dying.start(async (request, position) => {
      recorder.deliveries.push({ request, position, consumer: 'dying', handled: false });
      await dyingConnection.close();
      await never;
    });
    const ids = await appendEach(writer, 'user-1', [1, 2, 3, 4, 5]);
    await recorder.waitFor(() => recorder.deliveries.length === 1, 'the dying worker to take the first message');

    const survivor = await worker(bus);
    await survivor.start(recorder.handler('survivor'));
    await recorder.waitForIds(ids);

    const taken = recorder.deliveries[0]!;
    expect(taken.request.events.map((event) => event.messageId)).toEqual(['user-1#1']);
    const survivorDeliveries = recorder.deliveries.filter((delivery) => delivery.consumer === 'survivor');
    expect(survivorDeliveries.flatMap((delivery) => delivery.request.events.map((event) => event.messageId))).toEqual(ids);
    expect(survivorDeliveries[0]!.position).toEqual(taken.position);
  });

  it('lets two workers share the partitions without breaking any partition\'s order', async () => {
    const { bus, writer } = await openBus(16);
    const recorder = new DeliveryRecorder();
    const slow = (name: string) => {
      const record = recorder.handler(name);
      return async (...args: Parameters<typeof record>) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        await record(...args);
      };
    };
    await (await worker(bus)).start(slow('a'));
    await (await worker(bus)).start(slow('b'));
    const requests = interleavedRequests(40, 100, 6, 5);
    for (const request of requests) await writer.append(request);
    const ids = requests.flatMap((request) => request.events.map((event) => event.messageId));
    await recorder.waitForIds(ids);

    expect(new Set(recorder.deliveries.map((delivery) => delivery.consumer))).toEqual(new Set(['a', 'b']));
    expect(byCustomer(recorder.handledIds())).toEqual(byCustomer(ids));
    // Within each partition, messages were handled one after another in stream order, each once.
    const lastSeq = new Map<string, number>();
    for (const { position } of recorder.deliveries) {
      expect(position.seq).toBeGreaterThan(lastSeq.get(position.log) ?? 0);
      lastSeq.set(position.log, position.seq);
    }
  });

  it('moves a message that keeps failing, and one that cannot be read, to the dead-letter stream, and the partition goes on', async () => {
    const { bus, writer } = await openBus(4);
    const recorder = new DeliveryRecorder();
    const consumer = await worker(bus, { maxDeliver: 3, retryDelayMs: 50 });
    await consumer.start(recorder.handler('one', (request) => request.events.some((event) => event.messageId === 'user-1#2')));
    await appendEach(writer, 'user-1', [1, 2, 3]);
    const partition = partitionOf('user-1', 4);
    const nc = await connect({ servers: NATS_URL });
    cleanups.push(() => nc.close());
    const garbage = await jetstream(nc).publish(`${bus.subjectPrefix}.accepted.${partition}`, 'this is not an accepted request');
    await appendEach(writer, 'user-1', [4]);
    await recorder.waitForIds(['user-1#1', 'user-1#3', 'user-1#4']);

    expect(recorder.handledIds()).toEqual(['user-1#1', 'user-1#3', 'user-1#4']);
    const poison = recorder.deliveries.filter((delivery) => delivery.request.events[0]!.messageId === 'user-1#2');
    expect(poison.map((delivery) => delivery.handled)).toEqual([false, false, false]);

    const jsm = await jetstreamManager(nc);
    const dead = `${bus.stream}_DEAD`;
    expect((await jsm.streams.info(dead)).state.messages).toBe(2);
    const first = await jsm.streams.getMessage(dead, { seq: 1 });
    expect(first!.header.get(DeadLetterHeaders.reason)).toBe('the handler failed 3 times, last: refused user-1#2');
    expect(first!.header.get(DeadLetterHeaders.partition)).toBe(String(partition));
    expect(first!.header.get(DeadLetterHeaders.seq)).toBe(String(poison[0]!.position.seq));
    expect(first!.header.get(DeadLetterHeaders.deliveries)).toBe('3');
    const kept = decodeSlice(first!.data);
    expect(kept.ok && kept.request.events.map((event) => event.messageId)).toEqual(['user-1#2']);
    const second = await jsm.streams.getMessage(dead, { seq: 2 });
    expect(second!.header.get(DeadLetterHeaders.reason)).toMatch(/^cannot decode the message: not JSON/);
    expect(second!.header.get(DeadLetterHeaders.seq)).toBe(String(garbage.seq));
    expect(second!.string()).toBe('this is not an accepted request');
  });

  it('keeps retrying through a store outage without counting it towards the dead letters, in order', async () => {
    const { bus, writer } = await openBus(2);
    const recorder = new DeliveryRecorder();
    let outage = 6;
    const record = recorder.handler('one');
    const consumer = await worker(bus, { maxDeliver: 2, retryDelayMs: 10 });
    await consumer.start(async (request, position) => {
      if (request.events[0]!.messageId === 'user-1#2' && outage > 0) {
        outage -= 1;
        recorder.deliveries.push({ request, position, consumer: 'one', handled: false });
        throw new CentricError('CENTRIC_ERR_STORE_UNAVAILABLE', 'the PostgreSQL state store cannot be reached');
      }
      await record(request, position);
    });
    const ids = await appendEach(writer, 'user-1', [1, 2, 3]);
    await recorder.waitForIds(ids);

    expect(recorder.handledIds()).toEqual(ids);
    const attempts = recorder.deliveries.filter((delivery) => delivery.request.events[0]!.messageId === 'user-1#2');
    expect(attempts.map((delivery) => delivery.handled)).toEqual([false, false, false, false, false, false, true]);
    const nc = await connect({ servers: NATS_URL });
    cleanups.push(() => nc.close());
    expect((await (await jetstreamManager(nc)).streams.info(`${bus.stream}_DEAD`)).state.messages).toBe(0);
  });

  it('rejects appends while NATS is away, says so for readiness, and takes appends again once it is back', async () => {
    const relay = new NatsRelay();
    await relay.listen();
    cleanups.push(() => relay.close());
    const { writer } = await openBus(4, relay.url);
    await writer.append({ events: [customerEvent('user-1', 'user-1#1')], failed: [] });

    await relay.cut();
    const appending = writer.append({ events: [customerEvent('user-1', 'user-1#2')], failed: [] });
    await expect(appending).rejects.toMatchObject({ code: 'CENTRIC_ERR_BUS_UNAVAILABLE', message: expect.stringContaining(relay.url) });
    const recorder = new DeliveryRecorder();
    await recorder.waitFor(() => !writer.isReady(), 'readiness to drop');
    await expect(writer.append({ events: [customerEvent('user-1', 'user-1#3')], failed: [] })).rejects.toMatchObject({ code: 'CENTRIC_ERR_BUS_UNAVAILABLE' });

    await relay.listen();
    await recorder.waitFor(() => writer.isReady(), 'the writer to reconnect');
    await writer.append({ events: [customerEvent('user-1', 'user-1#4')], failed: [] });
  });

  it('publishes requests appended together as one message per partition, each customer\'s events still in order', async () => {
    const { bus, writer } = await openBus(4);
    const customers = Array.from({ length: 12 }, (_, n) => `user-${n}`);
    // 60 requests in flight at once, as from many senders: five per customer, each of one event.
    await Promise.all(customers.flatMap((customer) =>
      [1, 2, 3, 4, 5].map((n) => writer.append({ events: [customerEvent(customer, `${customer}#${n}`)], failed: [] }))));
    const nc = await connect({ servers: NATS_URL });
    cleanups.push(() => nc.close());
    const info = await (await jetstreamManager(nc)).streams.info(bus.stream!);
    expect(info.state.messages).toBeLessThanOrEqual(4);

    const recorder = new DeliveryRecorder();
    const consumer = await worker(bus);
    await consumer.start(recorder.handler('w'));
    await recorder.waitForIds(customers.flatMap((customer) => [1, 2, 3, 4, 5].map((n) => `${customer}#${n}`)));
    const received = byCustomer(recorder.handledIds());
    for (const customer of customers) expect(received.get(customer)).toEqual([1, 2, 3, 4, 5].map((n) => `${customer}#${n}`));
  });

  it('stores a publish once when it is retried because its acknowledgement came late', async () => {
    const relay = new NatsRelay();
    await relay.listen();
    cleanups.push(() => relay.close());
    const bus = uniqueBus(1);
    const writer = await JetStreamBusWriter.open({ ...bus, url: relay.url, publishTimeoutMs: 300, publishAttempts: 10 });
    cleanups.push(() => deleteBus(bus), () => writer.close());

    relay.hold();
    const appending = writer.append({ events: [customerEvent('user-1', 'user-1#1')], failed: [] });
    // Past the first attempt's timeout, so the publish is sent again with the same message id.
    await new Promise((resolve) => setTimeout(resolve, 800));
    relay.release();
    await appending;

    const nc = await connect({ servers: NATS_URL });
    cleanups.push(() => nc.close());
    const info = await (await jetstreamManager(nc)).streams.info(bus.stream!);
    expect(info.state.messages).toBe(1);
  });

  it('fails to open with a coded error naming the URL when nothing answers there', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const url = `nats://user:secret@127.0.0.1:${port}`;
    const opening = JetStreamBusWriter.open({ ...uniqueBus(), url, connectTimeoutMs: 1000 });
    await expect(opening).rejects.toMatchObject({ code: 'CENTRIC_ERR_BUS_UNAVAILABLE', message: expect.stringContaining(`nats://user:***@127.0.0.1:${port}`) });
    await expect(JetStreamBusConsumer.open({ ...uniqueBus(), url, connectTimeoutMs: 1000 })).rejects.toMatchObject({ code: 'CENTRIC_ERR_BUS_UNAVAILABLE' });
  });

  it('creates a partition\'s consumer again when an operator deleted it, and the partition goes on', async () => {
    const { bus, writer } = await openBus(1);
    const recorder = new DeliveryRecorder();
    const consumer = await worker(bus);
    await consumer.start(recorder.handler('one'));
    await recorder.waitForIds(await appendEach(writer, 'user-1', [1]));
    const nc = await connect({ servers: NATS_URL });
    cleanups.push(() => nc.close());
    await (await jetstreamManager(nc)).consumers.delete(bus.stream!, `${bus.stream}_p0`);
    await recorder.waitForIds(await appendEach(writer, 'user-1', [2, 3]));
    expect(recorder.handledIds()).toEqual(['user-1#1', 'user-1#2', 'user-1#3']);
    await recorder.waitFor(() => consumer.isReady(), 'readiness to come back');
  });

  it('stops taking requests from a stream deleted and created again, whose numbers the state store would take as already stored', async () => {
    const { bus, writer } = await openBus(2);
    const recorder = new DeliveryRecorder();
    const errors: unknown[] = [];
    const consumer = await worker(bus, { onError: (error) => errors.push(error) });
    await consumer.checkStorePositions(async () => 0);
    await consumer.start(recorder.handler('one'));
    await recorder.waitForIds(await appendEach(writer, 'user-1', [1, 2, 3]));
    const held = Math.max(...recorder.deliveries.map((delivery) => delivery.position.seq));
    await consumer.checkStorePositions(async (log) => (log === recorder.deliveries[0]!.position.log ? held : 0));

    await deleteBus(bus);
    const again = await JetStreamBusWriter.open(bus);
    cleanups.push(() => again.close());
    await again.append({ events: [customerEvent('user-1', 'user-1#4')], failed: [] });
    await recorder.waitFor(() => errors.some((error) => (error as { code?: string }).code === 'CENTRIC_ERR_BUS_INVALID_CONFIG'), 'the worker to notice');
    expect(consumer.isReady()).toBe(false);
    expect(recorder.handledIds()).not.toContain('user-1#4');
    const restarted = await worker(bus);
    await expect(restarted.checkStorePositions(async (log) => (log === recorder.deliveries[0]!.position.log ? held : 0))).rejects.toMatchObject({
      code: 'CENTRIC_ERR_BUS_INVALID_CONFIG', message: expect.stringContaining('created again'),
    });
  });

  it('lets workers start together, and one started with another ack wait applies it to the shared consumers', async () => {
    const { bus } = await openBus(4);
    await Promise.all([worker(bus), worker(bus), worker(bus)]);
    await worker(bus, { ackWaitMs: 4000 });
    const nc = await connect({ servers: NATS_URL });
    cleanups.push(() => nc.close());
    const info = await (await jetstreamManager(nc)).consumers.info(bus.stream!, `${bus.stream}_p3`);
    expect(info.config).toMatchObject({ ack_wait: 4000 * 1_000_000, max_ack_pending: 1, filter_subject: `${bus.subjectPrefix}.accepted.3` });
  });

  it('refuses to join a stream laid out for a different number of partitions', async () => {
    const { bus } = await openBus(16);
    await expect(JetStreamBusConsumer.open(workerOptions({ ...bus, partitions: 8 }))).rejects.toMatchObject({
      code: 'CENTRIC_ERR_BUS_INVALID_CONFIG', message: expect.stringContaining('8 partitions'),
    });
  });
});
