import { headers } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, ReplayPolicy, type Consumer, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { CentricError } from '../../core/errors.ts';
import type { AppendRequest } from '../../stores/ports.ts';
import type { AcceptedBusConsumer, AcceptedRequestHandler } from '../ports.ts';
import {
  acceptedSubject, apiCode, BusConnection, busLayout, busUnavailable, consumerName, deadSubject, ensureStreams, NANOS_PER_MS, type BusLayout, type JetStreamBusOptions,
} from './jetstream-connection.ts';
import { decodeSlice } from './slice-codec.ts';

export interface JetStreamConsumerOptions extends JetStreamBusOptions {
  /**
   * How long a message handed to a worker that stopped answering (crashed, cut off) stays with it
   * before another worker gets it; its partition waits that long. A live worker extends it while its
   * handler runs. Default 30000 ms.
   */
  ackWaitMs?: number;
  /** Deliveries of one message before it goes to the dead-letter stream; default 5. */
  maxDeliver?: number;
  /** Wait before the first retry of a failed message, doubled on each further one up to 30 s; default 1000 ms. */
  retryDelayMs?: number;
  /** How long one pull waits for a message; `stop` may take this long. Default 5000 ms. */
  pullExpiresMs?: number;
  /** Told about each handler failure and each trouble reaching the bus; the message is retried regardless. */
  onError?: (error: unknown, where: { partition: number; seq?: number }) => void;
  /**
   * Whether a handler failure will pass by itself (a store outage): such a message is retried by this
   * worker until it succeeds or the worker stops, and never counts towards `maxDeliver`. Default: a
   * coded error with status 503 (CENTRIC_ERR_STORE_UNAVAILABLE and the like).
   */
  isTransient?: (error: unknown) => boolean;
  /** Told about each message moved to the dead-letter stream. */
  onDeadLetter?: (letter: DeadLetter) => void;
}

/** A message the consumer gave up on, as recorded in the headers of its copy in `<stream>_DEAD`. */
export interface DeadLetter {
  partition: number;
  /** Its sequence in the accepted stream. */
  seq: number;
  deliveries: number;
  reason: string;
}

/** Headers of a dead letter; the body is the original message, unchanged. */
export const DeadLetterHeaders = {
  reason: 'Centric-Dead-Reason',
  partition: 'Centric-Dead-Partition',
  seq: 'Centric-Dead-Seq',
  deliveries: 'Centric-Dead-Deliveries',
  subject: 'Centric-Dead-Subject',
} as const;

const MAX_RETRY_DELAY_MS = 30_000;
/** JetStream's answer to creating a durable consumer that exists with other settings. */
const CONSUMER_EXISTS = 10148;

/** The name of a partition's log in the state store's positions. */
export function partitionLog(partition: number): string {
  return `partition-${partition}`;
}

/**
 * The worker's side of the JetStream bus: one durable pull consumer per partition, shared by all
 * workers, with explicit acks and at most one message outstanding per partition, so a partition is
 * handled strictly in order whichever worker takes each message. A failed message is retried after a
 * growing delay, its partition waiting meanwhile; after `maxDeliver` deliveries, or when it cannot be
 * read, it is copied to the dead-letter stream and terminated so its partition moves on. A transient
 * failure (the store unavailable) is retried by the same worker without counting, however long it lasts.
 */
export class JetStreamBusConsumer implements AcceptedBusConsumer {
  private readonly connection: BusConnection;
  private readonly layout: BusLayout;
  private readonly js: JetStreamClient;
  private readonly ackWaitMs: number;
  private readonly maxDeliver: number;
  private readonly retryDelayMs: number;
  private readonly pullExpiresMs: number;
  private readonly onError: (error: unknown, where: { partition: number; seq?: number }) => void;
  private readonly onDeadLetter: (letter: DeadLetter) => void;
  private readonly isTransient: (error: unknown) => boolean;
  /** When the accepted stream was created: a different answer later means it was deleted and created again. */
  private readonly streamCreated: string;
  private loops: Array<Promise<void>> | null = null;
  private stopping = false;
  private readonly sleepers = new Set<() => void>();
  /** Partitions whose last pull failed; readiness waits for them. */
  private readonly failing = new Set<number>();

  private constructor(connection: BusConnection, layout: BusLayout, streamCreated: string, options: JetStreamConsumerOptions) {
    this.connection = connection;
    this.layout = layout;
    this.streamCreated = streamCreated;
    this.js = jetstream(connection.nc);
    this.ackWaitMs = options.ackWaitMs ?? 30_000;
    this.maxDeliver = options.maxDeliver ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.pullExpiresMs = options.pullExpiresMs ?? 5000;
    this.onError = options.onError ?? ((error, where) => console.error(`bus partition ${where.partition}${where.seq ? ` message ${where.seq}` : ''}:`, error));
    this.isTransient = options.isTransient ?? ((error) => error instanceof CentricError && error.status === 503);
    this.onDeadLetter = options.onDeadLetter ?? ((letter) => console.warn(`bus partition ${letter.partition} message ${letter.seq} moved to ${layout.deadStream}: ${letter.reason}`));
  }

  /**
   * Connects and creates the streams and the partitions' consumers unless they exist (several
   * workers may start at once); rejects with CENTRIC_ERR_BUS_UNAVAILABLE when NATS cannot be reached.
   */
  static async open(options: JetStreamConsumerOptions): Promise<JetStreamBusConsumer> {
    const layout = busLayout(options);
    const connection = await BusConnection.open(layout, options);
    try {
      const consumer = new JetStreamBusConsumer(connection, layout, await ensureStreams(connection, layout, true), options);
      await Promise.all(Array.from({ length: layout.partitions }, (_, partition) => consumer.ensureConsumer(partition)));
      return consumer;
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /**
   * Rejects with CENTRIC_ERR_BUS_INVALID_CONFIG when the state store holds a position past the
   * stream's last message: the stream was deleted and created again, its sequence numbers started
   * over, and the store would skip new requests as already applied. Call it before `start`.
   */
  async checkStorePositions(positionOf: (log: string) => Promise<number>): Promise<void> {
    const last = (await this.connection.jsm.streams.info(this.layout.stream)).state.last_seq;
    for (let partition = 0; partition < this.layout.partitions; partition += 1) {
      const held = await positionOf(partitionLog(partition));
      if (held > last) {
        throw new CentricError('CENTRIC_ERR_BUS_INVALID_CONFIG', `the state store holds ${partitionLog(partition)} up to message ${held}, but stream `
          + `${this.layout.stream} ends at ${last}: the stream was created again, and its requests would be skipped as already stored`);
      }
    }
  }

  async start(handler: AcceptedRequestHandler): Promise<void> {
    if (this.loops) throw new Error('the consumer is already started');
    const consumers = await Promise.all(Array.from({ length: this.layout.partitions }, (_, partition) => this.partitionConsumer(partition)));
    this.stopping = false;
    this.failing.clear();
    this.loops = consumers.map((consumer, partition) => this.consume(partition, consumer, handler));
  }

  async stop(): Promise<void> {
    if (!this.loops) return;
    this.stopping = true;
    for (const wake of this.sleepers) wake();
    await Promise.all(this.loops);
    this.loops = null;
  }

  isReady(): boolean {
    return this.loops !== null && !this.stopping && this.failing.size === 0 && this.connection.ready;
  }

  /** Stops, then drains and closes the connection (unless it was handed in). */
  async close(): Promise<void> {
    await this.stop();
    await this.connection.close();
  }

  private async ensureConsumer(partition: number): Promise<void> {
    const name = consumerName(this.layout, partition);
    try {
      // Adding an existing durable with the same settings is a no-op (several workers start at once).
      await this.connection.jsm.consumers.add(this.layout.stream, {
        durable_name: consumerName(this.layout, partition),
        filter_subject: acceptedSubject(this.layout, partition),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        replay_policy: ReplayPolicy.Instant,
        // One message in flight per partition, across all workers: the partition's order is kept.
        max_ack_pending: 1,
        ack_wait: this.ackWaitMs * NANOS_PER_MS,
        // Deliveries are counted here, so that the last failure can still be moved to the dead letters.
        max_deliver: -1,
      });
    } catch (error) {
      // Servers from 2.10 refuse to create a durable that exists with other settings (2.9 updates it):
      // a worker started with another ack wait applies its own.
      if (apiCode(error) === CONSUMER_EXISTS) {
        try {
          await this.connection.jsm.consumers.update(this.layout.stream, name, { ack_wait: this.ackWaitMs * NANOS_PER_MS });
          return;
        } catch (again) {
          throw busUnavailable(this.layout, `cannot update consumer ${name}`, again);
        }
      }
      throw busUnavailable(this.layout, `cannot create consumer ${name}`, error);
    }
  }

  private async partitionConsumer(partition: number): Promise<Consumer> {
    try {
      return await this.js.consumers.get(this.layout.stream, consumerName(this.layout, partition));
    } catch (error) {
      throw busUnavailable(this.layout, `cannot read consumer ${consumerName(this.layout, partition)}`, error);
    }
  }

  private async consume(partition: number, initial: Consumer, handler: AcceptedRequestHandler): Promise<void> {
    let consumer = initial;
    let failures = 0;
    while (!this.stopping && !this.connection.nc.isClosed()) {
      let message: JsMsg | null;
      try {
        // One message at a time: nothing is taken that this worker is not about to handle.
        message = await consumer.next({ expires: this.pullExpiresMs });
        failures = 0;
        this.failing.delete(partition);
      } catch (error) {
        if (this.stopping || this.connection.nc.isClosed()) return;
        this.failing.add(partition);
        this.onError(error, { partition });
        await this.sleep(Math.min(MAX_RETRY_DELAY_MS, this.retryDelayMs * 2 ** failures));
        failures += 1;
        consumer = (await this.recover(partition)) ?? consumer;
        continue;
      }
      if (!message) continue;
      if (this.stopping) {
        // Taken while stopping: hand it back at once rather than after the ack wait.
        message.nak();
        return;
      }
      await this.handle(partition, message, handler);
    }
  }

  /** After a failed pull: looks the consumer up again, creating it again if it was deleted from this same stream. */
  private async recover(partition: number): Promise<Consumer | null> {
    try {
      const info = await this.connection.jsm.streams.info(this.layout.stream);
      if (info.created !== this.streamCreated) {
        // Its sequence numbers started over: the state store would skip its requests as already stored.
        this.onError(new CentricError('CENTRIC_ERR_BUS_INVALID_CONFIG', `stream ${this.layout.stream} was deleted and created again while this worker ran; `
          + 'restart the worker, which checks the state store\'s positions against it'), { partition });
        return null;
      }
      await this.ensureConsumer(partition);
      return await this.partitionConsumer(partition);
    } catch (error) {
      this.onError(error, { partition });
      return null;
    }
  }

  private async handle(partition: number, message: JsMsg, handler: AcceptedRequestHandler): Promise<void> {
    const deliveries = message.info.deliveryCount;
    const decoded = decodeSlice(message.data);
    if (!decoded.ok) return this.deadLetter(partition, message, `cannot decode the message: ${decoded.reason}`);
    // A worker that took it before stopped answering each time (it crashed on it, say): do not hand it on again.
    if (deliveries > this.maxDeliver) return this.deadLetter(partition, message, `delivered ${deliveries} times without an acknowledgement`);
    const keepAlive = setInterval(() => {
      if (!this.connection.nc.isClosed()) message.working();
    }, Math.max(100, Math.floor(this.ackWaitMs / 3)));
    try {
      const outcome = await this.attempt(partition, message, decoded.request, handler);
      if (outcome === 'handled') return this.settle(partition, message, () => message.ack());
      // Stopping while the store was away: hand it back at once.
      if (outcome === 'stopped') return this.settle(partition, message, () => message.nak());
      if (deliveries >= this.maxDeliver) {
        return await this.deadLetter(partition, message, `the handler failed ${deliveries} times, last: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`);
      }
      this.settle(partition, message, () => message.nak(Math.min(MAX_RETRY_DELAY_MS, this.retryDelayMs * 2 ** (deliveries - 1))));
    } finally {
      clearInterval(keepAlive);
    }
  }

  /**
   * Runs the handler. A transient failure (the store unavailable) is retried here, the message kept
   * alive and its delivery count unchanged, so an outage sends nothing to the dead letters.
   */
  private async attempt(partition: number, message: JsMsg, request: AppendRequest, handler: AcceptedRequestHandler): Promise<'handled' | 'stopped' | { error: unknown }> {
    for (let retry = 0; ; retry += 1) {
      try {
        await handler(request, { log: partitionLog(partition), seq: message.seq });
        return 'handled';
      } catch (error) {
        this.onError(error, { partition, seq: message.seq });
        if (!this.isTransient(error)) return { error };
      }
      await this.sleep(Math.min(MAX_RETRY_DELAY_MS, this.retryDelayMs * 2 ** retry));
      if (this.stopping || this.connection.nc.isClosed()) return 'stopped';
    }
  }

  /** Copies the message with its reason to the dead-letter stream, then terminates it so the partition moves on. */
  private async deadLetter(partition: number, message: JsMsg, reason: string): Promise<void> {
    const letter: DeadLetter = { partition, seq: message.seq, deliveries: message.info.deliveryCount, reason };
    const h = headers();
    // Header values are one line.
    h.set(DeadLetterHeaders.reason, reason.replace(/[\r\n]+/g, ' ').slice(0, 2000));
    h.set(DeadLetterHeaders.partition, String(partition));
    h.set(DeadLetterHeaders.seq, String(message.seq));
    h.set(DeadLetterHeaders.deliveries, String(letter.deliveries));
    h.set(DeadLetterHeaders.subject, message.subject);
    try {
      // Keyed by the original sequence: a copy made again (its termination was lost) is stored once.
      await this.js.publish(deadSubject(this.layout, partition), message.data, { headers: h, msgID: `${this.layout.stream}-${message.seq}` });
    } catch (error) {
      this.onError(busUnavailable(this.layout, `cannot move message ${message.seq} to ${this.layout.deadStream}`, error), { partition, seq: message.seq });
      this.settle(partition, message, () => message.nak(this.retryDelayMs));
      return;
    }
    // No reason text: servers before 2.11 ignore a termination that carries one.
    this.settle(partition, message, () => message.term());
    this.onDeadLetter(letter);
  }

  /** Acks, naks or terminates; on a closed connection the server hands the message on after the ack wait anyway. */
  private settle(partition: number, message: JsMsg, action: () => void): void {
    try {
      action();
    } catch (error) {
      this.onError(error, { partition, seq: message.seq });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
