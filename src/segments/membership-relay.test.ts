import { membershipRecorder } from '../bus/test-membership-feed.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MembershipPublisher, SegmentMembershipMessage } from '../bus/ports.ts';
import { SqliteStateStore } from '../stores/sqlite/sqlite-state-store.ts';
import { InProcessMembershipPublisher, latestMembershipChangeId, MembershipRelay } from './membership-relay.ts';
import type { MembershipChange, NewMembershipChange } from './segment-port.ts';

const AT = Date.parse('2026-03-01T12:00:00Z');

function change(segmentId: string, profileId: string, kind: 'entered' | 'exited', minute: number, workspaceId = 'default'): NewMembershipChange {
  return { workspaceId, segmentId, profileId, change: kind, at: AT + minute * 60_000, cause: { kind: 'event', messageId: `m-${minute}`, seq: minute } };
}

describe('membership relay, in process', () => {
  let store: SqliteStateStore;
  let record: ReturnType<typeof membershipRecorder>;

  beforeEach(async () => {
    store = new SqliteStateStore({ path: ':memory:', dedupWindowMs: 86_400_000 });
    await store.migrate();
    record = membershipRecorder(store);
  });
  afterEach(async () => {
    await store.close();
  });


  /** A publisher opened now, with every message it announces collected. */
  async function listening(): Promise<{ publisher: InProcessMembershipPublisher; heard: SegmentMembershipMessage[] }> {
    const publisher = await InProcessMembershipPublisher.open(store);
    const heard: SegmentMembershipMessage[] = [];
    publisher.subscribe((message) => heard.push(message));
    return { publisher, heard };
  }

  it('announces each change committed after the publisher opened, once, in order, in batches, as the bus message', async () => {
    await record(change('seg_old', 'prf_0', 'entered', 0));
    const { publisher, heard } = await listening();
    const batches: number[] = [];
    const relay = new MembershipRelay(store, publisher, { batchSize: 2, onBatch: (_, count) => batches.push(count) });

    await record(change('seg_a', 'prf_1', 'entered', 1), change('seg_a', 'prf_2', 'entered', 2, 'w2'));
    await record(change('seg_a', 'prf_1', 'exited', 3), change('seg_b', 'prf_1', 'entered', 4), change('seg_b', 'prf_3', 'entered', 5));
    await relay.catchUp();
    await relay.catchUp();

    expect(heard.map((message) => [message.segmentId, message.profileId, message.change])).toEqual([
      ['seg_a', 'prf_1', 'entered'], ['seg_a', 'prf_2', 'entered'], ['seg_a', 'prf_1', 'exited'], ['seg_b', 'prf_1', 'entered'], ['seg_b', 'prf_3', 'entered'],
    ]);
    const feed = await store.readMembershipChanges(0, 10);
    expect(heard.map((message) => message.id)).toEqual(feed.slice(1).map((entry) => entry.id));
    expect(heard[1]).toEqual({
      type: 'segment_membership', id: feed[2]!.id, workspaceId: 'w2', segmentId: 'seg_a', profileId: 'prf_2', change: 'entered',
      at: '2026-03-01T12:02:00.000Z', cause: { kind: 'event', messageId: 'm-2', seq: 2 },
    });
    expect(batches).toEqual([2, 2, 1]);
    expect(relay.status()).toMatchObject({ running: false, lastPublishedId: feed[5]!.id, published: 5, lastError: null });
  });

  it('a running relay announces a commit once woken, and stops when asked', async () => {
    const { publisher } = await listening();
    const relay = new MembershipRelay(store, publisher, { idleMs: 60_000 });
    relay.start();
    const first = new Promise<SegmentMembershipMessage>((resolve) => publisher.subscribe(resolve));
    await record(change('seg_a', 'prf_1', 'entered', 1));
    relay.wake();
    expect(await first).toMatchObject({ segmentId: 'seg_a', profileId: 'prf_1', change: 'entered' });
    await relay.stop();
    expect(relay.status()).toMatchObject({ running: false, published: 1 });
  });

  it('starts after the newest change even when deleted segments left holes in the feed', async () => {
    const buyers = await store.createSegment({ workspaceId: 'default', name: 'Buyers', definition: { version: 1 } });
    await record(...Array.from({ length: 5 }, (_, n) => change(buyers.id, `prf_${n}`, 'entered', n)));
    await record(...Array.from({ length: 37 }, (_, n) => change('seg_kept', `prf_${n}`, 'entered', 10 + n)));
    await record(...Array.from({ length: 9 }, (_, n) => change(buyers.id, `prf_${n}`, 'exited', 50 + n)));
    const kept = await store.readMembershipChanges(0, 100);
    expect(await store.deleteSegment('default', buyers.id)).toBe(true);
    const survivors = await store.readMembershipChanges(0, 100);
    expect(survivors).toHaveLength(37);
    expect(await latestMembershipChangeId(store)).toBe(survivors[36]!.id);

    const { publisher, heard } = await listening();
    await record(change('seg_kept', 'prf_new', 'entered', 99));
    await new MembershipRelay(store, publisher).catchUp();
    expect(heard.map((message) => message.profileId)).toEqual(['prf_new']);
    expect(heard[0]!.id).toBeGreaterThan(kept[kept.length - 1]!.id);
  });

  it('finds nothing to skip in an empty feed: the first change is announced', async () => {
    expect(await latestMembershipChangeId(store)).toBe(0);
    const { publisher, heard } = await listening();
    await record(change('seg_a', 'prf_1', 'entered', 1));
    await new MembershipRelay(store, publisher).catchUp();
    expect(heard).toHaveLength(1);
  });

  it('keeps announcing to the other listeners when one throws, and stops announcing to one that unsubscribed', async () => {
    const errors: unknown[] = [];
    const publisher = await InProcessMembershipPublisher.open(store, { onListenerError: (error) => errors.push(error) });
    const heard: string[] = [];
    publisher.subscribe(() => {
      throw new Error('listener broke');
    });
    const unsubscribe = publisher.subscribe((message) => heard.push(`early ${message.profileId}`));
    publisher.subscribe((message) => heard.push(`late ${message.profileId}`));
    const relay = new MembershipRelay(store, publisher);

    await record(change('seg_a', 'prf_1', 'entered', 1));
    await relay.catchUp();
    unsubscribe();
    await record(change('seg_a', 'prf_2', 'entered', 2));
    await relay.catchUp();

    expect(heard).toEqual(['early prf_1', 'late prf_1', 'late prf_2']);
    expect(errors.map((error) => (error as Error).message)).toEqual(['listener broke', 'listener broke']);
  });

  it('after a publish that failed part way, goes on from where the publisher got: nothing lost, nothing twice', async () => {
    const published: number[] = [];
    let failNext = true;
    /** A bus that takes the first change of a batch and then fails, once. */
    const flaky: MembershipPublisher = {
      async lastPublishedId() {
        return published.at(-1) ?? 0;
      },
      async publish(changes: MembershipChange[]) {
        for (const entry of changes) {
          published.push(entry.id);
          if (failNext) {
            failNext = false;
            throw new Error('connection lost');
          }
        }
      },
      async close() {},
    };
    const errors: string[] = [];
    const relay = new MembershipRelay(store, flaky, { batchSize: 3, idleMs: 60_000, onError: (error) => errors.push((error as Error).message) });
    await record(...Array.from({ length: 5 }, (_, n) => change('seg_a', `prf_${n}`, 'entered', n)));

    await expect(relay.catchUp()).rejects.toThrow('connection lost');
    await relay.catchUp();

    const feed = await store.readMembershipChanges(0, 10);
    expect(published).toEqual(feed.map((entry) => entry.id));
    expect(relay.status()).toMatchObject({ lastPublishedId: feed[4]!.id, published: 4 });
  });

  it('a running relay reports a failing publisher in its status and publishes once the bus is back', async () => {
    const published: number[] = [];
    let broken = true;
    let delivered!: () => void;
    const deliveredOnce = new Promise<void>((resolve) => (delivered = resolve));
    const publisher: MembershipPublisher = {
      async lastPublishedId() {
        return published.at(-1) ?? 0;
      },
      async publish(changes: MembershipChange[]) {
        if (broken) throw new Error('bus away');
        published.push(...changes.map((entry) => entry.id));
        delivered();
      },
      async close() {},
    };
    const reported: Array<string | null> = [];
    const relay = new MembershipRelay(store, publisher, {
      idleMs: 60_000,
      onError: () => {
        reported.push(relay.status().lastError);
        broken = false;
        relay.wake();
      },
    });
    await record(change('seg_a', 'prf_1', 'entered', 1));
    relay.start();
    await deliveredOnce;
    await relay.stop();
    expect(reported).toEqual(['bus away']);
    expect(published).toHaveLength(1);
    expect(relay.status()).toMatchObject({ lastError: null, published: 1 });
  });
});
