import { jetstream, RetentionPolicy, StorageType, type JetStreamClient, type PubAck, type StoredMsg } from '@nats-io/jetstream';
import { CentricError } from '../../core/errors.ts';
import type { MembershipChange } from '../../segments/segment-port.ts';
import { membershipMessage, type MembershipPublisher } from '../ports.ts';
import { apiCode, BusConnection, busLayout, busUnavailable, ensureStream, NANOS_PER_MS, type BusLayout, type JetStreamBusOptions } from './jetstream-connection.ts';

/** The bus options plus what only the membership streams use. */
export interface JetStreamMembershipOptions extends JetStreamBusOptions {
  /** How long a change stays on the stream, used when the stream is created; default 7 days. */
  membershipMaxAgeMs?: number;
  /** How long to wait for JetStream to acknowledge one publish; default 5000 ms. */
  publishTimeoutMs?: number;
}

/** The names and subjects the membership changes use, derived from the bus options. */
export interface MembershipLayout {
  bus: BusLayout;
  /** Holds the changes, on subjects `<prefix>.segments.<workspace>`. */
  stream: string;
  /** Holds one message: the last id published, for when every change on `stream` has aged out. */
  relayedStream: string;
  relayedSubject: string;
  maxAgeMs: number;
}

const WRONG_LAST_SEQUENCE = 10071;
const NO_MESSAGE_FOUND = 10037;
const MESSAGE_ID = /^membership-(\d+)$/;

export function membershipLayout(options: JetStreamMembershipOptions): MembershipLayout {
  const bus = busLayout(options);
  const layout = {
    bus,
    stream: `${bus.stream}_SEGMENTS`,
    relayedStream: `${bus.stream}_SEGMENTS_RELAYED`,
    relayedSubject: `${bus.prefix}.segments-relayed`,
    maxAgeMs: options.membershipMaxAgeMs ?? 7 * 24 * 3_600_000,
  };
  if (!(layout.maxAgeMs >= bus.duplicateWindowMs)) {
    throw new CentricError('CENTRIC_ERR_BUS_INVALID_CONFIG', `membership max age (${layout.maxAgeMs} ms) must be at least the duplicate window (${bus.duplicateWindowMs} ms)`);
  }
  return layout;
}

/**
 * The subject a workspace's membership changes go to. A workspace id is one subject token: letters,
 * digits, "_" and "-" stay as they are; any other character (a dot would split the token, "*" and
 * ">" are wildcards) becomes "~" and two hex digits per UTF-8 byte. The body carries the id as it is.
 */
export function membershipSubject(layout: BusLayout, workspaceId: string): string {
  const token = workspaceId === '' ? '~' : [...Buffer.from(workspaceId, 'utf8')]
    .map((byte) => (/[A-Za-z0-9_-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `~${byte.toString(16).padStart(2, '0')}`))
    .join('');
  return `${layout.prefix}.segments.${token}`;
}

/** How far the stream got: the last change id it holds and its last sequence number. */
interface StreamPosition {
  id: number;
  seq: number;
}

/**
 * Publishes segment membership changes on their own JetStream stream (limits retention with a max
 * age), as JSON with the message id `membership-<id>`, so a change published again within the
 * duplicate window is stored once. How far the stream got is read from the stream itself: its last
 * message, or, once every change has aged out, the one-message stream `<stream>_SEGMENTS_RELAYED`
 * written after each batch (without it an idle week would look like an empty bus and the whole
 * history would be published again).
 *
 * The changes of a batch are sent without waiting for each acknowledgement, each expecting the
 * stream's last sequence to be the one before it: if one fails, none after it is stored, so the last
 * message on the stream always means everything before it is there too. The same check refuses a
 * second relay that publishes at the same time, which then reads the stream again and goes on.
 */
export class JetStreamMembershipPublisher implements MembershipPublisher {
  private readonly connection: BusConnection;
  private readonly layout: MembershipLayout;
  private readonly js: JetStreamClient;
  private readonly publishTimeoutMs: number;
  /** Known after reading the stream or a batch acknowledged in full; null when it must be read again. */
  private position: StreamPosition | null = null;

  private constructor(connection: BusConnection, layout: MembershipLayout, options: JetStreamMembershipOptions) {
    this.connection = connection;
    this.layout = layout;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.js = jetstream(connection.nc, { timeout: this.publishTimeoutMs });
  }

  /** Connects and creates the membership streams unless they exist; rejects with CENTRIC_ERR_BUS_UNAVAILABLE when NATS cannot be reached. */
  static async open(options: JetStreamMembershipOptions): Promise<JetStreamMembershipPublisher> {
    const layout = membershipLayout(options);
    const connection = await BusConnection.open(layout.bus, options);
    try {
      await ensureMembershipStreams(connection, layout);
    } catch (error) {
      await connection.close();
      throw error;
    }
    return new JetStreamMembershipPublisher(connection, layout, options);
  }

  /** The stream the changes are on, for consumers and operators. */
  get streamName(): string {
    return this.layout.stream;
  }

  async lastPublishedId(): Promise<number> {
    this.position = await this.readPosition();
    return this.position.id;
  }

  async publish(changes: MembershipChange[]): Promise<void> {
    if (changes.length === 0) return;
    if (!this.connection.ready) throw busUnavailable(this.layout.bus, 'the bus is not connected', new Error('disconnected'));
    const from = this.position ?? (await this.readPosition());
    // Until every acknowledgement is in, how far the stream got is unknown.
    this.position = null;
    const fresh = changes.filter((change) => change.id > from.id);
    if (fresh.length === 0) {
      this.position = from;
      return;
    }
    const acks = await Promise.allSettled(fresh.map((change, index) => this.js.publish(
      membershipSubject(this.layout.bus, change.workspaceId),
      JSON.stringify(membershipMessage(change)),
      // A last sequence of 0 (an empty stream) is not sent by the client, so the first change is not checked.
      { msgID: `membership-${change.id}`, expect: { streamName: this.layout.stream, lastSequence: from.seq + index }, timeout: this.publishTimeoutMs },
    )));
    const failed = acks.find((ack): ack is PromiseRejectedResult => ack.status === 'rejected');
    if (failed) throw this.publishFailure(failed.reason);
    const stored = acks.map((ack) => (ack as PromiseFulfilledResult<PubAck>).value);
    // Only repeats: whoever stored them wrote the last relayed id, which must not go back.
    if (stored.every((ack) => ack.duplicate)) return;
    const last = fresh[fresh.length - 1]!;
    try {
      await this.js.publish(this.layout.relayedSubject, JSON.stringify({ id: last.id }), { expect: { streamName: this.layout.relayedStream }, timeout: this.publishTimeoutMs });
    } catch (error) {
      throw busUnavailable(this.layout.bus, `the bus did not take the last relayed id (stream ${this.layout.relayedStream})`, error);
    }
    // A repeat does not move the stream, so after one the sequence is read again next time.
    if (!stored.some((ack) => ack.duplicate)) this.position = { id: last.id, seq: stored[stored.length - 1]!.seq };
  }

  isReady(): boolean {
    return this.connection.ready;
  }

  /** Waits for publishes in flight, then closes the connection (unless it was handed in). */
  async close(): Promise<void> {
    await this.connection.close();
  }

  private async readPosition(): Promise<StreamPosition> {
    try {
      // The sequence first: a change stored in between makes the next batch's check fail and be read again, never skipped.
      const { state } = await this.connection.jsm.streams.info(this.layout.stream);
      const last = state.messages > 0 ? await this.lastMessage(this.layout.stream, `${this.layout.bus.prefix}.segments.>`) : null;
      const relayed = await this.lastMessage(this.layout.relayedStream, this.layout.relayedSubject);
      const relayedId = relayed ? Number((relayed.json() as { id?: unknown }).id) : 0;
      return { id: Math.max(last ? this.idOf(last) : 0, Number.isSafeInteger(relayedId) ? relayedId : 0), seq: state.last_seq };
    } catch (error) {
      if (error instanceof CentricError) throw error;
      throw busUnavailable(this.layout.bus, `cannot read how far stream ${this.layout.stream} got`, error);
    }
  }

  private async lastMessage(stream: string, subject: string): Promise<StoredMsg | null> {
    try {
      return await this.connection.jsm.streams.getMessage(stream, { last_by_subj: subject });
    } catch (error) {
      if (apiCode(error) === NO_MESSAGE_FOUND) return null;
      throw error;
    }
  }

  private idOf(message: StoredMsg): number {
    const fromHeader = MESSAGE_ID.exec(message.header?.get('Nats-Msg-Id') ?? '')?.[1];
    if (fromHeader !== undefined) return Number(fromHeader);
    const fromBody = (() => {
      try {
        return (message.json() as { id?: unknown }).id;
      } catch {
        return undefined;
      }
    })();
    if (typeof fromBody === 'number' && Number.isSafeInteger(fromBody)) return fromBody;
    throw new CentricError('CENTRIC_ERR_BUS_INVALID_CONFIG', `stream ${this.layout.stream} holds a message (sequence ${message.seq}, subject ${message.subject}) that is not a membership change`);
  }

  private publishFailure(cause: unknown): CentricError {
    const what = apiCode(cause) === WRONG_LAST_SEQUENCE
      ? `stream ${this.layout.stream} moved while changes were published (another relay?); its position is read again`
      : `the bus did not take the membership changes (stream ${this.layout.stream})`;
    return busUnavailable(this.layout.bus, what, cause);
  }
}

/** Creates both membership streams unless they exist, checking that an existing one holds the expected subjects. */
async function ensureMembershipStreams(connection: BusConnection, layout: MembershipLayout): Promise<void> {
  const common = { storage: StorageType.File, retention: RetentionPolicy.Limits, num_replicas: layout.bus.replicas };
  await ensureStream(connection.jsm, layout.bus, {
    ...common,
    name: layout.stream,
    subjects: [`${layout.bus.prefix}.segments.*`],
    max_age: layout.maxAgeMs * NANOS_PER_MS,
    duplicate_window: layout.bus.duplicateWindowMs * NANOS_PER_MS,
  });
  // Never ages: it is what remains when every change did.
  await ensureStream(connection.jsm, layout.bus, { ...common, name: layout.relayedStream, subjects: [layout.relayedSubject], max_msgs_per_subject: 1 });
}

