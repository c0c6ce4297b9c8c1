import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../core/event-schema.ts';
import { DEFAULT_IDENTITY_RULES } from '../../core/identity-rules.ts';
import { Prng } from '../../demo/prng.ts';
import type { SourceContext } from '../../ingest/event-draft.ts';
import { IngestService } from '../../ingest/ingest-service.ts';
import { segmentStoreContract } from '../contract/segment-store.contract.ts';
import { eventFixture, stateStoreContract, type StateStoreHarness } from '../contract/state-store.contract.ts';
import type { AppendRequest, StateStore } from '../ports.ts';
import { migrations } from './migrations.ts';
import { PostgresStateStore } from './postgres-state-store.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const harness: StateStoreHarness = {
  async open(options) {
    const store = new PostgresStateStore({ connectionString: database.url, poolSize: 4, ...options });
    await store.migrate();
    // Each test starts from an empty store: the schema stays, the rows go.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`TRUNCATE sources, events, message_ids, failed_events, profiles, identities, merges, kept_apart, settings, profile_changes,
      segments, computed_traits, profile_segment_state, segment_members, segment_history RESTART IDENTITY`);
    await client.end();
    return store;
  },
  async reopen(store, options) {
    await store.close();
    const reopened = new PostgresStateStore({ connectionString: database.url, poolSize: 4, ...options });
    await reopened.migrate();
    return reopened;
  },
};

stateStoreContract('postgres', harness);
segmentStoreContract('postgres', harness);

/** Customer n's events in the order they happen, from the web shop, the app, the hotline, billing and a store. */
function journey(n: number): Array<{ source: SourceContext; event: Record<string, unknown> }> {
  const phone = `+49 30 ${String(2_000_000 + n)}`;
  const email = `shopper${n}@example.com`;
  return [
    { source: WEB, event: { type: 'page', anonymousId: `web-${n}`, name: 'Shoes' } },
    { source: WEB, event: { type: 'track', anonymousId: `app-${n}`, event: 'Application Opened' } },
    { source: WEB, event: { type: 'page', anonymousId: `web-${n}`, name: 'Boots' } },
    { source: WEB, event: { type: 'identify', anonymousId: `web-${n}`, userId: `u-${n}`, traits: { email, name: `Shopper ${n}` } } },
    { source: HOTLINE, event: { type: 'track', anonymousId: `call-${n}`, event: 'Call Ended', context: { traits: { phone } } } },
    { source: WEB, event: { type: 'track', anonymousId: `app-${n}`, userId: `u-${n}`, event: 'Signed In' } },
    { source: BILLING, event: { type: 'track', anonymousId: `invoice-${n}`, event: 'Invoice Sent', context: { externalIds: [{ type: 'customer_number', id: `K-${n}` }], traits: { email } } } },
    { source: STORE, event: { type: 'track', anonymousId: `receipt-${n}`, event: 'Order Completed', context: { externalIds: [{ type: 'loyalty_card', id: `LC-${n}` }], traits: { phone } } } },
    { source: WEB, event: { type: 'identify', userId: `u-${n}`, traits: { phone } } },
  ];
}

const WEB: SourceContext = { id: 'src_web', workspaceId: 'default', name: 'web shop', channel: 'web' };
const HOTLINE: SourceContext = { id: 'src_hotline', workspaceId: 'default', name: 'hotline', channel: 'phone', department: 'service' };
const BILLING: SourceContext = { id: 'src_billing', workspaceId: 'default', name: 'billing', channel: 'letter', department: 'billing' };
const STORE: SourceContext = { id: 'src_store', workspaceId: 'default', name: 'store', channel: 'store', department: 'sales' };

/** Every customer's events, step by step across customers, so the same customers are written at the same moment. */
function journeyEvents(customers: number): StoredEvent[] {
  const prepare = new IngestService(null as unknown as StateStore, { maxEventBytes: 32_768 });
  const perCustomer = Array.from({ length: customers }, (_, n) => journey(n));
  const events: StoredEvent[] = [];
  const start = Date.parse('2026-04-01T09:00:00Z');
  for (let step = 0; step < perCustomer[0]!.length; step++) {
    for (const [n, steps] of perCustomer.entries()) {
      const at = start + step * 60_000 + n;
      const { source, event } = steps[step]!;
      const { request } = prepare.prepare({ source, events: [{ ...event, messageId: `c${n}-s${step}`, timestamp: new Date(at).toISOString() }], receivedAt: at + 500 });
      events.push(...request.events);
    }
  }
  return events;
}

/** Each live profile as its sorted identifiers, with how many events it holds. */
async function profilesOf(store: StateStore): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const event of await store.readEventsAfter(0, 100_000)) counts.set(event.profileId!, (counts.get(event.profileId!) ?? 0) + 1);
  const profiles = new Map<string, number>();
  for (const [profileId, count] of counts) {
    const found = await store.getProfile('default', profileId);
    expect(found?.mergedFrom).toBeNull();
    const key = found!.profile.identifiers.map((identifier) => `${identifier.type}:${identifier.value}`).sort().join(' ');
    expect(profiles.has(key)).toBe(false);
    profiles.set(key, count);
  }
  return profiles;
}

async function appendInRequests(store: StateStore, events: StoredEvent[], size: number, inFlight: number): Promise<void> {
  const requests: AppendRequest[] = [];
  for (let i = 0; i < events.length; i += size) requests.push({ events: events.slice(i, i + size), failed: [] });
  for (let i = 0; i < requests.length; i += inFlight) {
    const results = await Promise.all(requests.slice(i, i + inFlight).map((request) => store.appendEvents(request)));
    for (const result of results) expect(result.duplicates).toBe(0);
  }
}

describe('PostgresStateStore with several writers', () => {
  it.each([
    { locks: 256, guard: 'advisory locks on new identifiers' },
    { locks: 0, guard: 'the identities key alone, racing transactions run again' },
  ])('two processes writing the same customers at once end with the profiles one writer makes: none split, none doubled, no event missed by the feed ($guard)', async ({ locks }) => {
    const customers = 40;
    const events = journeyEvents(customers);
    const rules = { ...DEFAULT_IDENTITY_RULES, defaultCountry: 'DE' };

    const sequentialDb = await createTestDatabase();
    const concurrentDb = await createTestDatabase();
    const open = async (url: string) => {
      const store = new PostgresStateStore({ connectionString: url, poolSize: 4, dedupWindowMs: 86_400_000, maxIdentityLocks: locks });
      await store.migrate();
      return store;
    };
    const single = await open(sequentialDb.url);
    const first = await open(concurrentDb.url);
    const second = await open(concurrentDb.url);
    try {
      await single.setIdentityRules('default', rules);
      await first.setIdentityRules('default', rules);
      await second.reloadIdentityRules();
      expect(second.identityRules().defaultCountry).toBe('DE');

      for (const event of events) await single.appendEvents({ events: [event], failed: [] });

      // Each event goes to one of the two writers at random; each writer keeps the order it was given.
      const random = new Prng(7);
      const mine: [StoredEvent[], StoredEvent[]] = [[], []];
      for (const event of events) mine[random.chance(0.5) ? 0 : 1].push(event);
      // Meanwhile a reader follows the event feed as the analytics sink does; it must see every event once.
      let writing = true;
      const seen: string[] = [];
      const follow = async () => {
        let cursor = 0;
        for (;;) {
          const stillWriting = writing;
          const batch = await first.readEventsAfter(cursor, 50);
          for (const event of batch) seen.push(event.messageId);
          if (batch.length > 0) cursor = batch[batch.length - 1]!.seq;
          else if (!stillWriting) return;
          else await new Promise((resolve) => setTimeout(resolve, 2));
        }
      };
      const reader = follow();
      await Promise.all([appendInRequests(first, mine[0], 5, 4), appendInRequests(second, mine[1], 5, 4)]);
      writing = false;
      await reader;

      const expected = await profilesOf(single);
      expect(expected.size).toBe(customers);
      for (let n = 0; n < customers; n++) {
        const key = [`anonymous_id:app-${n}`, `anonymous_id:call-${n}`, `anonymous_id:invoice-${n}`, `anonymous_id:receipt-${n}`, `anonymous_id:web-${n}`,
          `customer_number:K-${n}`, `email:shopper${n}@example.com`, `loyalty_card:LC-${n}`, `phone:+49${String(302_000_000 + n)}`, `user_id:u-${n}`].sort().join(' ');
        expect(expected.get(key)).toBe(journey(n).length);
      }
      expect(await profilesOf(first)).toEqual(expected);
      expect(seen.length).toBe(events.length);
      expect(new Set(seen).size).toBe(events.length);
      const merges = (await first.readProfileChanges(0, 100_000)).filter((change) => change.kind === 'merge');
      expect(merges.length).toBeGreaterThan(0);
    } finally {
      await Promise.all([single.close(), first.close(), second.close()]);
      await Promise.all([sequentialDb.drop(), concurrentDb.drop()]);
    }
  });

  it('the event feed never passes over an event whose commit finishes after a later one', async () => {
    const scratch = await createTestDatabase();
    const open = async () => {
      const store = new PostgresStateStore({ connectionString: scratch.url, poolSize: 2, dedupWindowMs: 86_400_000 });
      await store.migrate();
      return store;
    };
    const [slow, fast] = [await open(), await open()];
    const blocker = new pg.Client({ connectionString: scratch.url });
    await blocker.connect();
    const waiting = async (sessions: number, done?: () => boolean) => {
      for (;;) {
        const { rows } = await blocker.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        if (Number(rows[0]!.n) >= sessions || done?.()) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    try {
      const as = (messageId: string, ids: { userId?: string; anonymousId?: string }) => eventFixture(messageId, {
        userId: ids.userId ?? null, anonymousId: ids.anonymousId ?? null, payload: { type: 'track', event: 'Product Viewed', messageId, ...ids },
      });
      await slow.appendEvents({ events: [as('known', { userId: 'u-1' }), as('cookie', { anonymousId: 'phone' })], failed: [] });
      // Hold the slow writer's commit back after it has stored its event: its merge waits for the change feed table.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE profile_changes IN SHARE MODE');
      const slowAppend = slow.appendEvents({ events: [as('login', { userId: 'u-1', anonymousId: 'phone' })], failed: [] });
      await waiting(1);
      let fastDone = false;
      const fastAppend = fast.appendEvents({ events: [as('other', { userId: 'u-9' })], failed: [] }).then(() => {
        fastDone = true;
      });
      // The other writer either waits its turn or has committed: the feed is read at that moment.
      await waiting(2, () => fastDone);
      const seen = await fast.readEventsAfter(0, 100);
      await blocker.query('COMMIT');
      await Promise.all([slowAppend, fastAppend]);
      seen.push(...(await fast.readEventsAfter(seen[seen.length - 1]!.seq, 100)));
      expect(seen.map((event) => event.messageId).sort()).toEqual(['cookie', 'known', 'login', 'other']);
    } finally {
      await blocker.end();
      await Promise.all([slow.close(), fast.close()]);
      await scratch.drop();
    }
  });

  it('processes that start together migrate the schema once between them', async () => {
    const scratch = await createTestDatabase();
    const stores = Array.from({ length: 3 }, () => new PostgresStateStore({ connectionString: scratch.url, poolSize: 1, dedupWindowMs: 1000 }));
    try {
      await Promise.all(stores.map((store) => store.migrate()));
      const client = new pg.Client({ connectionString: scratch.url });
      await client.connect();
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      await client.end();
      expect(rows.map((row) => row.version)).toEqual(migrations.map((migration) => migration.version));
      await stores[0]!.appendEvents({ events: [eventFixture('after-migrate')], failed: [] });
      expect(await stores[2]!.countEvents('default')).toBe(1);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await scratch.drop();
    }
  });

  it('a request with text PostgreSQL cannot store fails alone, with a clear error; the requests committed with it are stored', async () => {
    const scratch = await createTestDatabase();
    const store = new PostgresStateStore({ connectionString: scratch.url, poolSize: 2, dedupWindowMs: 86_400_000 });
    try {
      await store.migrate();
      const poisoned = eventFixture('nul', { userId: 'u\u0000x', payload: { type: 'track', event: 'E', messageId: 'nul', userId: 'u\u0000x' } });
      const [good, bad, other] = await Promise.allSettled([
        store.appendEvents({ events: [eventFixture('good')], failed: [] }),
        store.appendEvents({ events: [poisoned], failed: [] }),
        store.appendEvents({ events: [eventFixture('other', { userId: 'u2', payload: { type: 'track', messageId: 'other', userId: 'u2' } })], failed: [] }),
      ]);
      expect(good).toMatchObject({ status: 'fulfilled', value: { stored: 1 } });
      expect(other).toMatchObject({ status: 'fulfilled', value: { stored: 1 } });
      expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'CENTRIC_ERR_EVENT_INVALID_FIELD' } });
      expect((await store.listEvents({ workspaceId: 'default', limit: 10 })).items.map((event) => event.messageId).sort()).toEqual(['good', 'other']);
    } finally {
      await store.close();
      await scratch.drop();
    }
  });
});
