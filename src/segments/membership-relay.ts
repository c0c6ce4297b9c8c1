import { BackgroundLoop } from '../core/background-loop.ts';
import { membershipMessage, type MembershipPublisher, type SegmentMembershipMessage } from '../bus/ports.ts';
import type { MembershipChange, SegmentStore } from './segment-port.ts';

/** The part of the state store the relay reads: the ordered feed of membership changes. */
export type MembershipFeed = Pick<SegmentStore, 'readMembershipChanges'>;

/** How the relay publishes; every field has a default. */
export interface MembershipRelayOptions {
  /** Changes read from the feed and published per step. */
  batchSize?: number;
  /** How long to wait before looking again once everything is published (`wake()` cuts it short). */
  idleMs?: number;
  onError?: (error: unknown) => void;
  /** Called after every published batch with the last id it held (tests and progress displays). */
  onBatch?: (lastId: number, count: number) => void;
}

/** What the relay has done, for the status endpoint. */
export interface MembershipRelayStatus {
  running: boolean;
  /** The id of the last change the bus holds, as far as the relay knows; null until it asked. */
  lastPublishedId: number | null;
  /** Changes published since this relay was made. */
  published: number;
  lastError: string | null;
}

/**
 * Follows the state store's membership feed and publishes every change on the bus, in id order, so a
 * membership change is itself an event there. The relay keeps no position of its own: it asks the
 * publisher how far the bus got, and asks again after any failure, so a crash anywhere leaves nothing
 * lost, and what a failed publish may have stored already is not sent twice (the publisher drops a
 * repeat that slips through, e.g. when an acknowledgement was lost).
 */
export class MembershipRelay {
  private readonly feed: MembershipFeed;
  private readonly publisher: MembershipPublisher;
  private readonly options: MembershipRelayOptions;
  private readonly batchSize: number;
  /** The last id the bus holds; null when it must be asked again. */
  private position: number | null = null;
  private readonly loop: BackgroundLoop;
  private readonly state: Omit<MembershipRelayStatus, 'running' | 'lastError'> = { lastPublishedId: null, published: 0 };

  constructor(feed: MembershipFeed, publisher: MembershipPublisher, options: MembershipRelayOptions = {}) {
    this.feed = feed;
    this.publisher = publisher;
    this.options = options;
    this.batchSize = options.batchSize ?? 500;
    this.loop = new BackgroundLoop(async () => (await this.publishNext()) !== 'idle', { idleMs: options.idleMs ?? 1000, onError: options.onError });
  }

  /** Publishes in the background until stopped. */
  start(): void {
    this.loop.start();
  }

  /** Finishes the batch in hand and stops; the publisher stays open (its owner closes it). */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** New changes were committed: look now instead of at the end of the idle wait. */
  wake(): void {
    this.loop.wake();
  }

  status(): MembershipRelayStatus {
    return { ...this.state, running: this.loop.running, lastError: this.loop.lastError };
  }

  /** Publishes until the feed has nothing more (tests, and before a process serves). */
  async catchUp(): Promise<void> {
    while ((await this.step()) !== 'idle') {
      // Each step publishes one batch.
    }
  }

  /** Publishes the next batch of the feed, if there is one. */
  step(): Promise<'published' | 'idle'> {
    return this.loop.runStep(() => this.publishNext());
  }

  private async publishNext(): Promise<'published' | 'idle'> {
    if (this.position === null) {
      this.position = await this.publisher.lastPublishedId();
      this.state.lastPublishedId = this.position;
    }
    const changes = await this.feed.readMembershipChanges(this.position, this.batchSize);
    if (changes.length === 0) return 'idle';
    try {
      await this.publisher.publish(changes);
    } catch (error) {
      // Part of the batch may be on the bus: the publisher says how much when asked next time.
      this.position = null;
      throw error;
    }
    const lastId = changes[changes.length - 1]!.id;
    this.position = lastId;
    this.state.lastPublishedId = lastId;
    this.state.published += changes.length;
    this.options.onBatch?.(lastId, changes.length);
    return 'published';
  }
}

/** Hears each membership change published in process. */
export type MembershipListener = (message: SegmentMembershipMessage) => void;

/** How the in-process publisher reports a listener that threw. */
export interface InProcessMembershipOptions {
  onListenerError?: (error: unknown) => void;
}

/**
 * The embedded server's bus for membership changes: listeners in this process hear each change once,
 * in order. Nothing is kept across restarts, so it starts after the newest change in the feed and
 * announces only what is committed from then on; whoever needs every change reads the feed itself.
 */
export class InProcessMembershipPublisher implements MembershipPublisher {
  private readonly listeners = new Set<MembershipListener>();
  private readonly options: InProcessMembershipOptions;
  private lastId: number;

  private constructor(lastId: number, options: InProcessMembershipOptions) {
    this.lastId = lastId;
    this.options = options;
  }

  /** A publisher that starts after the newest change the feed holds now. */
  static async open(feed: MembershipFeed, options: InProcessMembershipOptions = {}): Promise<InProcessMembershipPublisher> {
    return new InProcessMembershipPublisher(await latestMembershipChangeId(feed), options);
  }

  /** Calls `listener` with every change published from now on; the function returned stops that. */
  subscribe(listener: MembershipListener): () => void {
    // A wrapper of its own, so subscribing the same function twice gives two independent subscriptions.
    const entry: MembershipListener = (message) => listener(message);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  async lastPublishedId(): Promise<number> {
    return this.lastId;
  }

  async publish(changes: MembershipChange[]): Promise<void> {
    for (const change of changes) {
      if (change.id <= this.lastId) continue;
      this.lastId = change.id;
      const message = membershipMessage(change);
      for (const listener of this.listeners) {
        try {
          listener(message);
        } catch (error) {
          // One failing listener must not keep the change from the others, nor hold up the relay.
          this.options.onListenerError?.(error);
        }
      }
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

/**
 * The newest id in the feed (0 when it is empty), found with a few one-row reads instead of a walk
 * over the whole history: gallop forward to pass it, then halve the gap. Ids may have holes (a
 * deleted segment takes its history along), which the reads step over.
 */
export async function latestMembershipChangeId(feed: MembershipFeed): Promise<number> {
  const after = async (id: number) => (await feed.readMembershipChanges(id, 1))[0]?.id ?? null;
  let known = (await after(0)) ?? 0;
  if (known === 0) return 0;
  // `known` exists; `beyond` is an id after which there is nothing, once found.
  let step = 1;
  let beyond: number | null = null;
  while (beyond === null) {
    const probe = known + step;
    const found = await after(probe);
    if (found === null) beyond = probe;
    else {
      known = found;
      step *= 2;
    }
  }
  while (known < beyond) {
    const middle = Math.floor((known + beyond) / 2);
    const found = await after(middle);
    if (found === null) beyond = middle;
    else known = found;
  }
  return known;
}
