import { randomBytes } from 'node:crypto';
import { NATS_URL, natsAvailability } from './test-nats.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { MembershipRelay } from '../../segments/membership-relay.ts';
import type { NewMembershipChange } from '../../segments/segment-port.ts';
import { SqliteStateStore } from '../../stores/sqlite/sqlite-state-store.ts';
import type { SegmentMembershipMessage } from '../ports.ts';
import { membershipRecorder } from '../test-membership-feed.ts';
import { JetStreamMembershipPublisher, membershipLayout, membershipSubject, type JetStreamMembershipOptions } from './jetstream-membership-publisher.ts';

const AT = Date.parse('2026-03-01T12:00:00Z');

const { missing: natsMissing, skipReason } = await natsAvailability();

function change(profileId: string, minute: number, workspaceId = 'default'): NewMembershipChange {
  return { workspaceId, segmentId: 'seg_buyers', profileId, change: 'entered', at: AT + minute * 60_000, cause: { kind: 'time' } };
}

describe.skipIf(natsMissing)(`jetstream membership publisher${skipReason}`, () => {
  let bus: JetStreamMembershipOptions;
  let store: SqliteStateStore;
  let record: ReturnType<typeof membershipRecorder>;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const opened: JetStreamMembershipPublisher[] = [];

  beforeEach(async () => {
    const id = randomBytes(5).toString('hex');
    bus = { url: NATS_URL, stream: `TEST_${id}`, subjectPrefix: `test_${id}` };
    store = new SqliteStateStore({ path: ':memory:', dedupWindowMs: 86_400_000 });
    await store.migrate();
    record = membershipRecorder(store);
    nc = await connect({ servers: NATS_URL });
    jsm = await jetstreamManager(nc);
  });
  afterEach(async () => {
    for (const publisher of opened.splice(0)) await publisher.close();
    const layout = membershipLayout(bus);
    for (const name of [layout.stream, layout.relayedStream]) await jsm.streams.delete(name).catch(() => false);
    await nc.close();
    await store.close();
  });

  async function open(): Promise<JetStreamMembershipPublisher> {
    const publisher = await JetStreamMembershipPublisher.open(bus);
    opened.push(publisher);
    return publisher;
  }

  /** Every message on the changes stream, oldest first, with the subject it went to. */
  async function onStream(): Promise<Array<{ subject: string; message: SegmentMembershipMessage }>> {
    const stream = membershipLayout(bus).stream;
    const { state } = await jsm.streams.info(stream);
    const found: Array<{ subject: string; message: SegmentMembershipMessage }> = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq += 1) {
      const stored = await jsm.streams.getMessage(stream, { seq });
      if (stored) found.push({ subject: stored.subject, message: stored.json<SegmentMembershipMessage>() });
    }
    return found;
  }

  it('publishes every change of the feed once, in id order, on its workspace subject', async () => {
    await record(change('prf_1', 1), change('prf_2', 2, 'w2'), change('prf_3', 3));
    await record(change('prf_4', 4, 'acme.eu'), change('prf_5', 5));
    const publisher = await open();
    const relay = new MembershipRelay(store, publisher, { batchSize: 2 });
    await relay.catchUp();

    const feed = await store.readMembershipChanges(0, 10);
    const stored = await onStream();
    expect(stored.map(({ message }) => message.id)).toEqual(feed.map((entry) => entry.id));
    expect(stored.map(({ message }) => message.profileId)).toEqual(['prf_1', 'prf_2', 'prf_3', 'prf_4', 'prf_5']);
    const prefix = bus.subjectPrefix!;
    expect(stored.map(({ subject }) => subject)).toEqual([
      `${prefix}.segments.default`, `${prefix}.segments.w2`, `${prefix}.segments.default`, `${prefix}.segments.acme~2eeu`, `${prefix}.segments.default`,
    ]);
    expect(stored[3]!.message).toEqual({
      type: 'segment_membership', id: feed[3]!.id, workspaceId: 'acme.eu', segmentId: 'seg_buyers', profileId: 'prf_4', change: 'entered',
      at: '2026-03-01T12:04:00.000Z', cause: { kind: 'time' },
    });
    expect(await publisher.lastPublishedId()).toBe(feed[4]!.id);
  });

  it('a consumer of one workspace subject receives that workspace changes as they are published', async () => {
    const publisher = await open();
    const subject = membershipSubject(membershipLayout(bus).bus, 'w2');
    // One filter subject, not `filter_subjects`: servers before 2.10 know only the one.
    await jsm.consumers.add(publisher.streamName, { durable_name: 'journeys', filter_subject: subject, ack_policy: AckPolicy.None });
    const consumer = await jetstream(nc).consumers.get(publisher.streamName, 'journeys');
    await record(change('prf_1', 1), change('prf_2', 2, 'w2'));
    await new MembershipRelay(store, publisher).catchUp();
    const received = await consumer.next({ expires: 5000 });
    expect(received?.json<SegmentMembershipMessage>()).toMatchObject({ workspaceId: 'w2', profileId: 'prf_2' });
  });

  it('a relay restarted with a new publisher goes on after the last published change, repeating none', async () => {
    await record(change('prf_1', 1), change('prf_2', 2), change('prf_3', 3));
    const first = await open();
    await new MembershipRelay(store, first).catchUp();
    await first.close();

    await record(change('prf_4', 4), change('prf_5', 5));
    const feed = await store.readMembershipChanges(0, 10);
    // A crash after the bus took two more changes but before anything else was recorded.
    const interrupted = await open();
    await interrupted.publish(feed.slice(3, 4));
    await interrupted.close();

    await record(change('prf_6', 6));
    const restarted = new MembershipRelay(store, await open());
    await restarted.catchUp();
    expect((await onStream()).map(({ message }) => message.profileId)).toEqual(['prf_1', 'prf_2', 'prf_3', 'prf_4', 'prf_5', 'prf_6']);
    expect(restarted.status()).toMatchObject({ published: 2, lastError: null });
  });

  it('publishing the same batch twice leaves one copy, also from two publishers that started together', async () => {
    await record(change('prf_1', 1), change('prf_2', 2), change('prf_3', 3));
    const feed = await store.readMembershipChanges(0, 10);
    const [one, other] = [await open(), await open()];
    expect(await one.lastPublishedId()).toBe(0);
    expect(await other.lastPublishedId()).toBe(0);

    await one.publish(feed);
    await one.publish(feed);
    // `other` read the stream while it was empty: only the message ids keep its copy out.
    await other.publish(feed);
    await record(change('prf_4', 4));
    await other.publish(await store.readMembershipChanges(0, 10));

    expect((await onStream()).map(({ message }) => message.profileId)).toEqual(['prf_1', 'prf_2', 'prf_3', 'prf_4']);
  });

  it('a publisher whose idea of the stream is stale stores nothing, then reads the stream again and goes on', async () => {
    await record(change('prf_1', 1), change('prf_2', 2), change('prf_3', 3));
    const feed = await store.readMembershipChanges(0, 10);
    const [ahead, behind] = [await open(), await open()];
    await ahead.publish(feed.slice(0, 1));
    expect(await behind.lastPublishedId()).toBe(feed[0]!.id);
    await ahead.publish(feed.slice(1, 2));

    // The stream's sequence is checked, not only message ids: a stale copy sent after the duplicate window is refused too.
    await expect(behind.publish(feed.slice(2))).rejects.toMatchObject({ code: 'CENTRIC_ERR_BUS_UNAVAILABLE', message: expect.stringContaining('moved') });
    expect((await onStream()).map(({ message }) => message.profileId)).toEqual(['prf_1', 'prf_2']);
    const relay = new MembershipRelay(store, behind);
    await relay.catchUp();
    expect((await onStream()).map(({ message }) => message.profileId)).toEqual(['prf_1', 'prf_2', 'prf_3']);
    expect(relay.status().published).toBe(1);
  });

  it('remembers how far it got when every change on the stream is gone, instead of publishing the history again', async () => {
    await record(change('prf_1', 1), change('prf_2', 2));
    await new MembershipRelay(store, await open()).catchUp();
    // What ageing out does: the changes go, the stream's sequence stays.
    await jsm.streams.purge(membershipLayout(bus).stream);

    await record(change('prf_3', 3));
    const feed = await store.readMembershipChanges(0, 10);
    const publisher = await open();
    expect(await publisher.lastPublishedId()).toBe(feed[1]!.id);
    await new MembershipRelay(store, publisher).catchUp();
    expect((await onStream()).map(({ message }) => message.profileId)).toEqual(['prf_3']);
  });

  it('refuses to use a stream of that name that holds other subjects', async () => {
    const layout = membershipLayout(bus);
    await jsm.streams.add({ name: layout.stream, subjects: [`${bus.subjectPrefix}.elsewhere`] });
    await expect(open()).rejects.toMatchObject({
      code: 'CENTRIC_ERR_BUS_INVALID_CONFIG', message: `stream ${layout.stream} holds subjects ${bus.subjectPrefix}.elsewhere, not ${bus.subjectPrefix}.segments.*`,
    });
  });

  it('refuses a max age shorter than the duplicate window', () => {
    expect(() => membershipLayout({ ...bus, membershipMaxAgeMs: 1000, duplicateWindowMs: 60_000 })).toThrow(/duplicate window/);
  });
});
