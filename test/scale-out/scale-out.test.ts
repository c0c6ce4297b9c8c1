import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { membershipLayout } from '../../src/bus/jetstream/jetstream-membership-publisher.ts';
import type { SegmentMembershipMessage } from '../../src/bus/ports.ts';
import { IngestService } from '../../src/ingest/ingest-service.ts';
import { ProfileService } from '../../src/profiles/profile-service.ts';
import { SqliteStateStore } from '../../src/stores/sqlite/sqlite-state-store.ts';
import { CentricProcess, freePort } from '../server-process.ts';
import { createTestDatabase } from '../../src/stores/postgres/test-database.ts';
import { deleteStreams, NATS_URL } from './scratch-engines.ts';
import { customerJourneys, expectedIdentifiers, senderBatches, type JourneyEvent } from '../../bench/generators/customer-journeys.ts';

const ADMIN = 'scale-out-admin';
const CUSTOMERS = 4000;
const EVENTS_PER_CUSTOMER = 25;
const EVENTS = CUSTOMERS * EVENTS_PER_CUSTOMER;
const SENDERS = 8;
const BATCH = 100;

const run = randomBytes(4).toString('hex');
const stream = `CENTRIC_TEST_${run}`;
let databaseUrl = '';
let dropDatabase = async () => undefined as void;

const processes: CentricProcess[] = [];

async function centric(role: 'api' | 'worker'): Promise<CentricProcess> {
  const node = new CentricProcess({
    args: [role, '--postgres-url', databaseUrl, '--nats-url', NATS_URL, '--stream', stream, '--subject-prefix', `test.${run}`, '--partitions', '8',
      ...(role === 'worker' ? ['--ack-wait-seconds', '3'] : [])],
    port: await freePort(),
    env: { CENTRIC_ADMIN_TOKEN: ADMIN },
  });
  processes.push(node);
  return node;
}

beforeAll(async () => {
  const database = await createTestDatabase();
  databaseUrl = database.url;
  dropDatabase = database.drop;
});

afterAll(async () => {
  await Promise.all(processes.map((node) => node.kill()));
  await dropDatabase();
  await deleteStreams(stream);
});

/** Sends one batch until an API node acknowledges it, alternating nodes and retrying on failure. */
async function deliver(apis: CentricProcess[], writeKey: string, batch: JourneyEvent[], first: number): Promise<void> {
  const body = JSON.stringify({ batch });
  for (let attempt = 0; ; attempt++) {
    const api = apis[(first + attempt) % apis.length]!;
    try {
      const response = await fetch(`${api.url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' },
        body,
      });
      if (response.ok) return;
      if (response.status < 500) throw new Error(`batch refused with ${response.status}: ${await response.text()}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('batch refused')) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Every membership change on this run's JetStream stream, oldest first, once it holds at least
 * `expected` or the time is up (the relay publishes after the engine commits).
 */
async function membershipMessages(expected: number, timeoutMs: number): Promise<SegmentMembershipMessage[]> {
  const name = membershipLayout({ url: NATS_URL, stream }).stream;
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    const deadline = Date.now() + timeoutMs;
    let held = (await jsm.streams.info(name)).state.messages;
    while (held < expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      held = (await jsm.streams.info(name)).state.messages;
    }
    const messages: SegmentMembershipMessage[] = [];
    if (held === 0) return messages;
    const batch = await (await jetstream(nc).consumers.get(name)).fetch({ max_messages: held, expires: 10_000 });
    for await (const message of batch) {
      messages.push(message.json<SegmentMembershipMessage>());
      if (messages.length === held) break;
    }
    return messages;
  } finally {
    await nc.close();
  }
}

/** What a customer's profile looks like from outside: its identifiers and how many events it holds. */
interface CustomerView {
  identifiers: string[];
  eventCount: number;
}

function customerView(profile: { identifiers: Array<{ type: string; value: string }>; eventCount: number }): CustomerView {
  return { identifiers: profile.identifiers.map((id) => `${id.type}:${id.value}`).sort(), eventCount: profile.eventCount };
}

/** The same events, in the same per-customer order, through one embedded store. */
async function embeddedRun(perSender: JourneyEvent[][][]): Promise<Map<number, CustomerView>> {
  const store = new SqliteStateStore({ path: ':memory:', dedupWindowMs: 7 * 24 * 3_600_000 });
  await store.migrate();
  const ingest = new IngestService(store, { maxEventBytes: 32_768 });
  const source = { id: 'src_web', workspaceId: 'default', name: 'web' };
  const rounds = Math.max(...perSender.map((batches) => batches.length));
  for (let round = 0; round < rounds; round++) {
    for (const batches of perSender) {
      const batch = batches[round];
      if (batch) await ingest.ingest({ source, events: batch, receivedAt: Date.now() });
    }
  }
  const profiles = new ProfileService(store, 'default');
  const views = new Map<number, CustomerView>();
  for (let n = 0; n < CUSTOMERS; n++) views.set(n, customerView((await profiles.lookup('user_id', `u-${n}`)).profile));
  await store.close();
  return views;
}

describe('scale-out: two API nodes, two workers, PostgreSQL and JetStream', () => {
  it('stores 100,000 events exactly once, one profile per customer, while a worker is killed with SIGKILL and restarted', async () => {
    const apis = [await centric('api'), await centric('api')];
    const workers = [await centric('worker'), await centric('worker')];
    // Nodes migrate on start; the first to start creates the schema and the others wait for it.
    await apis[0]!.start();
    await Promise.all([apis[1]!.start(), ...workers.map((worker) => worker.start())]);

    const created = await fetch(`${apis[0]!.url}/api/v1/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'web shop', channel: 'web', department: 'marketing' }),
    });
    expect(created.status).toBe(201);
    const { writeKey } = (await created.json()) as { writeKey: string };
    // Every customer ends with 25 events: one worker's segment engine must put each in this segment exactly once, failover included.
    const segment = await fetch(`${apis[1]!.url}/api/v1/segments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'all 25', definition: { version: 1, condition: { kind: 'performed', count: { op: 'at_least', value: EVENTS_PER_CUSTOMER } } } }),
    });
    expect(segment.status).toBe(201);
    const { id: segmentId } = (await segment.json()) as { id: string };

    const perSender = senderBatches(customerJourneys(CUSTOMERS, EVENTS_PER_CUSTOMER), SENDERS, BATCH);
    const totalBatches = perSender.reduce((sum, batches) => sum + batches.length, 0);
    let acknowledged = 0;
    let killed: Promise<void> | null = null;
    await Promise.all(
      perSender.map(async (batches, sender) => {
        for (const [index, batch] of batches.entries()) {
          await deliver(apis, writeKey, batch, sender + index);
          acknowledged += 1;
          if (!killed && acknowledged >= totalBatches / 2) {
            killed = (async () => {
              await workers[0]!.kill();
              await workers[0]!.start();
            })();
          }
        }
      }),
    );
    await killed;

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const count = async () => Number((await client.query('SELECT count(*) AS n FROM events')).rows[0].n);
      const deadline = Date.now() + 240_000;
      while ((await count()) < EVENTS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
      // Give a redelivery the chance to show up as a double before counting for good.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      expect(await count()).toBe(EVENTS);
      const distinct = Number((await client.query('SELECT count(DISTINCT message_id) AS n FROM events')).rows[0].n);
      expect(distinct).toBe(EVENTS);
      const failed = Number((await client.query('SELECT count(*) AS n FROM failed_events')).rows[0].n);
      expect(failed).toBe(0);
      const live = Number((await client.query('SELECT count(*) AS n FROM profiles WHERE merged_into IS NULL')).rows[0].n);
      expect(live).toBe(CUSTOMERS);
      const members = async () => Number((await client.query('SELECT count(*) AS n FROM segment_members WHERE segment_id = $1', [segmentId])).rows[0].n);
      const segmentDeadline = Date.now() + 180_000;
      while ((await members()) < CUSTOMERS && Date.now() < segmentDeadline) await new Promise((resolve) => setTimeout(resolve, 500));
      const entered = await client.query(
        `SELECT count(*) AS n, count(DISTINCT m.profile_id) AS live FROM segment_history h
         LEFT JOIN segment_members m ON m.segment_id = h.segment_id AND m.profile_id = h.profile_id WHERE h.segment_id = $1 AND h.change = 'entered'`,
        [segmentId],
      );
      expect({ members: await members(), entered: Number(entered.rows[0].n), enteredAndStillIn: Number(entered.rows[0].live) })
        .toEqual({ members: CUSTOMERS, entered: CUSTOMERS, enteredAndStillIn: CUSTOMERS });
      // The leading worker's relay put each entry on the bus too, once, in order, the SIGKILL notwithstanding.
      const onBus = await membershipMessages(CUSTOMERS, 60_000);
      expect(onBus.length).toBe(CUSTOMERS);
      expect(new Set(onBus.map((message) => message.profileId)).size).toBe(CUSTOMERS);
      expect(onBus.every((message) => message.segmentId === segmentId && message.change === 'entered')).toBe(true);
      expect(onBus.every((message, index) => index === 0 || message.id > onBus[index - 1]!.id)).toBe(true);
    } finally {
      await client.end();
    }

    const scaledOut = new Map<number, CustomerView>();
    for (let n = 0; n < CUSTOMERS; n++) {
      const response = await fetch(`${apis[n % 2]!.url}/api/v1/profiles/lookup?type=user_id&value=u-${n}`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(response.status).toBe(200);
      const profile = (await response.json()) as { identifiers: Array<{ type: string; value: string }>; summary: { eventCount: number } };
      scaledOut.set(n, customerView({ identifiers: profile.identifiers, eventCount: profile.summary.eventCount }));
    }
    // One worker's sink copies the history into the analytics tables; any API node answers from them.
    const analyticsStatus = async () => {
      const response = await fetch(`${apis[1]!.url}/api/v1/analytics/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
      return (await response.json()) as { engine: string; events: number };
    };
    const analyticsDeadline = Date.now() + 120_000;
    while ((await analyticsStatus()).events < EVENTS && Date.now() < analyticsDeadline) await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await analyticsStatus()).toMatchObject({ engine: 'postgres', events: EVENTS });

    const embedded = await embeddedRun(perSender);
    for (let n = 0; n < CUSTOMERS; n++) {
      expect(scaledOut.get(n)).toEqual({ identifiers: expectedIdentifiers(n), eventCount: EVENTS_PER_CUSTOMER });
      expect(scaledOut.get(n)).toEqual(embedded.get(n));
    }
  }, 420_000);
});
