import { randomUUID } from 'node:crypto';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { AcceptedBusWriter } from '../ports.ts';
import type { AppendRequest } from '../../stores/ports.ts';
import { CentricError } from '../../core/errors.ts';
import { acceptedSubject, BusConnection, busLayout, busUnavailable, ensureStreams, type BusLayout, type JetStreamBusOptions } from './jetstream-connection.ts';
import { fnv1a, splitByPartition } from './partition-request.ts';
import { encodeChunks } from './slice-codec.ts';

export interface JetStreamWriterOptions extends JetStreamBusOptions {
  /** How long to wait for JetStream to acknowledge one publish; default 5000 ms. */
  publishTimeoutMs?: number;
  /** Tries per publish, all with the same message id, while no acknowledgement comes; default 2. */
  publishAttempts?: number;
}

/** Room left in a message for its headers (the message id) and the protocol line. */
const HEADER_ROOM = 1024;

/**
 * The API node's side of the JetStream bus. `append` splits a request by customer partition and
 * resolves once JetStream acknowledged every part, i.e. holds it on disk (on a quorum of replicas in
 * a cluster). Each part carries the message id `<request id>.<partition>[.<chunk>]`, so a publish
 * retried after a lost acknowledgement is stored once.
 */
export class JetStreamBusWriter implements AcceptedBusWriter {
  private readonly connection: BusConnection;
  private readonly layout: BusLayout;
  private readonly js: JetStreamClient;
  private readonly publishTimeoutMs: number;
  private readonly publishAttempts: number;
  /** Appends waiting for the next group publish. */
  private readonly waiting: Array<{ request: AppendRequest; resolve: () => void; reject: (error: unknown) => void }> = [];

  private constructor(connection: BusConnection, layout: BusLayout, options: JetStreamWriterOptions) {
    this.connection = connection;
    this.layout = layout;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.publishAttempts = options.publishAttempts ?? 2;
    this.js = jetstream(connection.nc, { timeout: this.publishTimeoutMs });
  }

  /** Connects and creates the accepted stream unless it exists; rejects with CENTRIC_ERR_BUS_UNAVAILABLE when NATS cannot be reached. */
  static async open(options: JetStreamWriterOptions): Promise<JetStreamBusWriter> {
    const layout = busLayout(options);
    const connection = await BusConnection.open(layout, options);
    try {
      await ensureStreams(connection, layout, false);
    } catch (error) {
      await connection.close();
      throw error;
    }
    return new JetStreamBusWriter(connection, layout, options);
  }

  async append(request: AppendRequest): Promise<void> {
    // While NATS is away, answer at once (the client retries) instead of holding the request for the timeouts.
    if (!this.connection.ready) throw busUnavailable(this.layout, 'the bus is not connected', new Error('disconnected'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => void this.publishGroup());
    });
  }

  /**
   * Publishes every request appended during one turn of the event loop as one group: one message
   * per partition instead of one per partition per request. A worker takes one message of a
   * partition at a time, so bigger messages are what lets it store more events per commit.
   * Requests in a group were all unacknowledged, so their order among each other is free to choose;
   * each request's events keep theirs.
   */
  private async publishGroup(): Promise<void> {
    const group = this.waiting.splice(0);
    const merged: AppendRequest = {
      events: group.flatMap(({ request }) => request.events),
      failed: group.flatMap(({ request }) => request.failed),
      replayed: group.flatMap(({ request }) => request.replayed ?? []),
    };
    try {
      await this.publishRequest(merged);
      for (const { resolve } of group) resolve();
    } catch (error) {
      for (const { reject } of group) reject(error);
    }
  }

  private async publishRequest(request: AppendRequest): Promise<void> {
    const requestId = randomUUID();
    const slices = splitByPartition(request, this.layout.partitions, fnv1a(requestId) % this.layout.partitions);
    const maxBytes = (this.connection.nc.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM;
    const parts = [...slices].map(([partition, slice]) => ({ partition, chunks: encodeChunks(slice, maxBytes) }));
    await Promise.all(parts.map(({ partition, chunks }) => this.publishPartition(requestId, partition, chunks)));
  }

  isReady(): boolean {
    return this.connection.ready;
  }

  /** Waits for publishes in flight, then closes the connection (unless it was handed in). */
  async close(): Promise<void> {
    await this.connection.close();
  }

  private async publishPartition(requestId: string, partition: number, chunks: Buffer[]): Promise<void> {
    const subject = acceptedSubject(this.layout, partition);
    // The parts of one partition go one after another: a retried part must not overtake the next.
    for (const [index, chunk] of chunks.entries()) {
      const msgID = chunks.length === 1 ? `${requestId}.${partition}` : `${requestId}.${partition}.${index}`;
      try {
        await this.js.publish(subject, chunk, { msgID, timeout: this.publishTimeoutMs, retries: this.publishAttempts });
      } catch (error) {
        if (error instanceof CentricError) throw error;
        throw busUnavailable(this.layout, `the bus did not take the request (stream ${this.layout.stream}, subject ${subject})`, error);
      }
    }
  }
}
