import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { DEFAULT_IDENTITY_RULES } from '../core/identity-rules.ts';
import { IngestService } from '../ingest/ingest-service.ts';
import { ProfileService } from '../profiles/profile-service.ts';
import { PostgresStateStore } from '../stores/postgres/postgres-state-store.ts';
import { createTestDatabase, type TestDatabase } from '../stores/postgres/test-database.ts';
import { SqliteStateStore } from '../stores/sqlite/sqlite-state-store.ts';
import type { ProfileView, StateStore } from '../stores/ports.ts';

/** A state store engine the stories run on. */
interface Adapter {
  name: string;
  open(): Promise<StateStore>;
  /** Resolves every stored event again; only engines with a rebuild command have it. */
  rebuild?(store: StateStore): Promise<{ events: number; profiles: number }>;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

let database: TestDatabase;
const adapters: Adapter[] = [
  {
    name: 'sqlite',
    async open() {
      const store = new SqliteStateStore({ path: ':memory:', dedupWindowMs: 86_400_000 });
      await store.migrate();
      return store;
    },
    rebuild: async (store) => (store as SqliteStateStore).rebuildProfiles(),
  },
  {
    name: 'postgres',
    async setup() {
      database = await createTestDatabase();
    },
    async open() {
      const store = new PostgresStateStore({ connectionString: database.url, poolSize: 4, dedupWindowMs: 86_400_000 });
      await store.migrate();
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query('TRUNCATE sources, events, message_ids, failed_events, profiles, identities, merges, kept_apart, settings, profile_changes, segments, computed_traits, profile_segment_state, segment_members, segment_history');
      await client.end();
      return store;
    },
    teardown: () => database.drop(),
  },
];

for (const adapter of adapters) {
  describe(`identity on ${adapter.name}`, () => {
    let store: StateStore;
    let ingest: IngestService;
    let profiles: ProfileService;
    let clock: number;
    const web = { id: 'src_web', workspaceId: 'default', name: 'web shop', channel: 'web', department: 'marketing' };
    const storeTill = { id: 'src_store', workspaceId: 'default', name: 'store berlin-mitte', channel: 'store', department: 'sales' };
    const hotline = { id: 'src_hotline', workspaceId: 'default', name: 'hotline', channel: 'phone', department: 'service' };
    const billing = { id: 'src_billing', workspaceId: 'default', name: 'billing', channel: 'letter', department: 'billing' };

    beforeAll(async () => {
      await adapter.setup?.();
    });
    afterAll(async () => {
      await adapter.teardown?.();
    });
    beforeEach(async () => {
      store = await adapter.open();
      await store.setIdentityRules('default', { ...DEFAULT_IDENTITY_RULES, defaultCountry: 'DE' });
      ingest = new IngestService(store, { maxEventBytes: 32_768 });
      profiles = new ProfileService(store, 'default');
      clock = Date.parse('2026-05-01T10:00:00Z');
    });
    afterEach(() => store.close());

    /** Sends events one call at a time, each a minute after the last. */
    async function send(source: typeof web, ...events: Array<Record<string, unknown>>): Promise<void> {
      for (const event of events) {
        clock += 60_000;
        const outcome = await ingest.ingest({ source, events: [{ timestamp: new Date(clock).toISOString(), ...event }], receivedAt: clock });
        expect(outcome.rejected).toEqual([]);
      }
    }

    async function profileOf(type: string, value: string): Promise<ProfileView> {
      return (await profiles.lookup(type, value)).profile;
    }

    function ids(profile: ProfileView): string[] {
      return profile.identifiers.map((identifier) => `${identifier.type}:${identifier.value}`).sort();
    }

    async function liveProfileCount(): Promise<number> {
      const seen = new Set<string>();
      for (const event of (await store.listEvents({ workspaceId: 'default', limit: 10_000 })).items) seen.add(event.profileId!);
      return seen.size;
    }

    describe('identity stories', () => {
      it('anonymous browsing that later logs in stays one customer, with the browsing on the timeline', async () => {
        await send(web, { type: 'page', anonymousId: 'cookie-1', name: 'Shoes' }, { type: 'page', anonymousId: 'cookie-1', name: 'Boots' });
        await send(web, { type: 'identify', anonymousId: 'cookie-1', userId: 'u-100', traits: { name: 'Ada Lovelace', email: ' Ada@Example.com ' } });
        const ada = await profileOf('user_id', 'u-100');
        expect(ids(ada)).toEqual(['anonymous_id:cookie-1', 'email:ada@example.com', 'user_id:u-100']);
        expect(ada.eventCount).toBe(3);
        expect(ada.merges).toEqual([]);
        expect((await profileOf('email', 'ADA@example.com ')).id).toBe(ada.id);
        expect(ada.displayName).toBe('Ada Lovelace');
      });

      it('a second device joins the customer when they log in there, and the merge names its cause', async () => {
        await send(web, { type: 'identify', userId: 'u-1', anonymousId: 'laptop', traits: { plan: 'basic' } });
        await send(web, { type: 'page', anonymousId: 'phone', name: 'Deals' }, { type: 'track', anonymousId: 'phone', event: 'Cart Viewed' });
        const phoneProfile = await profileOf('anonymous_id', 'phone');
        await send(web, { type: 'track', userId: 'u-1', anonymousId: 'phone', event: 'Signed In', messageId: 'login-on-phone' });

        const customer = await profileOf('user_id', 'u-1');
        expect(customer.id).not.toBe(phoneProfile.id);
        expect(ids(customer)).toEqual(['anonymous_id:laptop', 'anonymous_id:phone', 'user_id:u-1']);
        expect(customer.eventCount).toBe(4);
        expect(customer.merges).toHaveLength(1);
        expect(customer.merges[0]).toMatchObject({
          survivorId: customer.id,
          absorbedId: phoneProfile.id,
          messageId: 'login-on-phone',
          rule: 'shared identifier',
          absorbedIdentifiers: [{ type: 'anonymous_id', value: 'phone' }],
          linkingIdentifiers: [{ type: 'user_id', value: 'u-1' }, { type: 'anonymous_id', value: 'phone' }],
          undoneAt: null,
        });
        const asked = await profiles.get(phoneProfile.id);
        expect(asked.mergedFrom).toBe(phoneProfile.id);
        expect(asked.profile.id).toBe(customer.id);
        const timeline = await profiles.events(phoneProfile.id, { limit: 10 });
        expect(timeline.page.items.map((event) => event.event)).toEqual(['Signed In', 'Cart Viewed', 'Deals', null]);
      });

      it('a store purchase by loyalty card and a hotline call by phone land on the customer known online', async () => {
        await send(web, {
          type: 'identify', userId: 'u-7', traits: { email: 'grace@example.com', phone: '+49 30 1234567' },
          context: { externalIds: [{ type: 'loyalty_card', id: 'LC-0042' }] },
        });
        await send(storeTill, { type: 'track', event: 'Order Completed', anonymousId: 'till-9-receipt-1', properties: { revenue: 49.9 }, context: { externalIds: [{ type: 'loyalty_card', id: 'LC-0042' }] } });
        await send(hotline, { type: 'track', event: 'Call Ended', anonymousId: 'call-555', context: { traits: { phone: '030 1234567' } } });
        await send(billing, { type: 'track', event: 'Invoice Sent', anonymousId: 'inv-1', context: { externalIds: [{ type: 'customer_number', id: 'K-1001' }], traits: { email: 'GRACE@example.com' } } });

        const grace = await profileOf('phone', '030-123 45 67');
        expect(grace.departments).toEqual({ marketing: 1, sales: 1, service: 1, billing: 1 });
        expect(grace.channels).toEqual({ web: 1, store: 1, phone: 1, letter: 1 });
        expect(ids(grace)).toEqual(expect.arrayContaining(['loyalty_card:LC-0042', 'phone:+49301234567', 'customer_number:K-1001', 'user_id:u-7']));
        expect((await profileOf('phone', '+49 (30) 1234567')).id).toBe(grace.id);
        expect((await profileOf('customer_number', 'K-1001')).id).toBe(grace.id);
        expect(await liveProfileCount()).toBe(1);
      });

      it('a shared family tablet does not join two family members', async () => {
        const tablet = { externalIds: [{ type: 'device_id', id: 'tablet-family' }] };
        await send(web, { type: 'identify', userId: 'mum', anonymousId: 'tab-cookie', context: tablet });
        await send(web, { type: 'identify', userId: 'son', anonymousId: 'tab-cookie', context: tablet });
        const mum = await profileOf('user_id', 'mum');
        const son = await profileOf('user_id', 'son');
        expect(mum.id).not.toBe(son.id);
        expect(ids(mum)).toEqual(['anonymous_id:tab-cookie', 'device_id:tablet-family', 'user_id:mum']);
        expect(ids(son)).toEqual(['user_id:son']);
        const [sonEvent] = (await profiles.events(son.id, { limit: 1 })).page.items;
        expect(sonEvent!.warnings.join(' ')).toContain('the limit is 1');
        expect(sonEvent!.identifiers).toEqual([
          { type: 'user_id', value: 'son' },
          { type: 'anonymous_id', value: 'tab-cookie', dropped: true },
          { type: 'device_id', value: 'tablet-family', dropped: true },
        ]);
      });

      it('"test@test.com" typed by hundreds joins nobody, and stops linking once it is known to be shared', async () => {
        for (let i = 0; i < 200; i++) await send(web, { type: 'identify', userId: `user-${i}`, traits: { email: 'test@test.com' } });
        await send(web, { type: 'identify', anonymousId: 'visitor-x', traits: { email: 'test@test.com' } });
        expect(await liveProfileCount()).toBe(201);
        const first = await profileOf('user_id', 'user-0');
        expect(ids(first)).toEqual(['email:test@test.com', 'user_id:user-0']);
        expect(ids(await profileOf('anonymous_id', 'visitor-x'))).toEqual(['anonymous_id:visitor-x']);
      });

      it('blocked values such as "null" and "undefined" link nobody', async () => {
        // Each blocked value arrives twice, with two different people's cookies: were it used, it would join them.
        for (const blocked of ['null', '"undefined"', '00000000-0000-0000-0000-000000000000']) {
          await send(web, { type: 'track', event: 'A', userId: blocked, anonymousId: `${blocked}-first` }, { type: 'track', event: 'B', userId: blocked, anonymousId: `${blocked}-second` });
        }
        expect(await liveProfileCount()).toBe(6);
        await expect(profiles.lookup('user_id', 'null')).rejects.toThrow(/blocked/);
      });

      it('a late event after a merge does not overwrite newer traits, and its provenance is kept', async () => {
        await send(web, { type: 'identify', userId: 'u-5', traits: { plan: 'gold' }, messageId: 'newest-plan' });
        await send(billing, { type: 'identify', userId: 'u-5', traits: { plan: 'silver', city: 'Bonn' }, timestamp: '2026-01-01T00:00:00Z' });
        const profile = await profileOf('user_id', 'u-5');
        expect(profile.traits.plan).toMatchObject({ value: 'gold', messageId: 'newest-plan', sourceId: 'src_web' });
        expect(profile.traits.city).toMatchObject({ value: 'Bonn', sourceId: 'src_billing', at: Date.parse('2026-01-01T00:00:00Z') });
      });

      it('limits the identifiers of one profile and says which were not added', async () => {
        await store.setIdentityRules('default', { ...DEFAULT_IDENTITY_RULES, maxIdentifiersPerProfile: 3 });
        await send(web, { type: 'identify', userId: 'u-9', anonymousId: 'a1' }, { type: 'track', event: 'E', userId: 'u-9', anonymousId: 'a2' });
        await send(web, { type: 'track', event: 'E', userId: 'u-9', anonymousId: 'a3' });
        const profile = await profileOf('user_id', 'u-9');
        expect(ids(profile)).toEqual(['anonymous_id:a1', 'anonymous_id:a2', 'user_id:u-9']);
        const [last] = (await profiles.events(profile.id, { limit: 1 })).page.items;
        expect(last!.warnings.join(' ')).toContain('the limit is 3');
      });

      it('an alias call joins the anonymous history to the known customer', async () => {
        await send(web, { type: 'page', anonymousId: 'anon-77', name: 'Pricing' });
        await send(web, { type: 'identify', userId: 'u-77', traits: { name: 'Linus' } });
        await send(web, { type: 'alias', userId: 'u-77', previousId: 'anon-77' });
        const profile = await profileOf('anonymous_id', 'anon-77');
        expect(ids(profile)).toEqual(['anonymous_id:anon-77', 'user_id:u-77']);
        expect(profile.merges).toHaveLength(1);
      });
    });

    describe('unmerge', () => {
      it('restores exactly the absorbed profile and keeps the two apart afterwards', async () => {
        await send(web, { type: 'identify', userId: 'u-1', anonymousId: 'laptop', traits: { name: 'Ada', plan: 'basic' } });
        await send(web, { type: 'identify', anonymousId: 'kiosk', traits: { name: 'Somebody Else', city: 'Köln' } });
        await send(web, { type: 'page', anonymousId: 'kiosk', name: 'Deals' });
        const kioskBefore = await profileOf('anonymous_id', 'kiosk');
        const adaBefore = await profileOf('user_id', 'u-1');
        await send(web, { type: 'track', userId: 'u-1', anonymousId: 'kiosk', event: 'Signed In' });
        const merged = await profileOf('user_id', 'u-1');
        expect(merged.traits.name!.value).toBe('Somebody Else');

        const result = await profiles.unmerge(merged.id, merged.merges[0]!.id);
        expect(result).toMatchObject({ restoredProfileId: kioskBefore.id, survivingProfileId: adaBefore.id, movedEvents: 2 });

        const kioskAfter = await profileOf('anonymous_id', 'kiosk');
        const { updatedAt: _a, merges: kioskMerges, ...kioskRestored } = kioskAfter;
        const { updatedAt: _b, merges: _c, ...kioskOriginal } = kioskBefore;
        expect(kioskRestored).toEqual(kioskOriginal);
        expect(kioskMerges[0]!.undoneAt).not.toBeNull();

        const ada = await profileOf('user_id', 'u-1');
        expect(ada.id).toBe(adaBefore.id);
        expect(ids(ada)).toEqual(ids(adaBefore));
        expect(ada.traits.name!.value).toBe('Ada');
        expect(ada.eventCount).toBe(adaBefore.eventCount + 1);
        expect((await profiles.events(ada.id, { limit: 10 })).page.items.map((event) => event.event)).toEqual(['Signed In', null]);

        await send(web, { type: 'track', userId: 'u-1', anonymousId: 'kiosk', event: 'Signed In Again' });
        expect((await profileOf('anonymous_id', 'kiosk')).id).toBe(kioskBefore.id);
        expect((await profileOf('user_id', 'u-1')).eventCount).toBe(adaBefore.eventCount + 2);
        await expect(profiles.unmerge(ada.id, merged.merges[0]!.id)).rejects.toThrow(/already undone/);
      });

      it('unmerges the links of a chain in any order', async () => {
        await send(billing, { type: 'identify', anonymousId: 'a0', traits: { email: 'c@example.com' } });
        await send(web, { type: 'identify', userId: 'u1', anonymousId: 'a1' });
        await send(web, { type: 'page', anonymousId: 'a2', name: 'Home' });
        const [c, b, a] = [await profileOf('anonymous_id', 'a0'), await profileOf('user_id', 'u1'), await profileOf('anonymous_id', 'a2')];
        await send(web, { type: 'track', event: 'Login', userId: 'u1', anonymousId: 'a2' });
        await send(web, { type: 'identify', userId: 'u1', traits: { email: 'c@example.com' } });
        // The profile holding more identifiers survives each merge: b absorbs a, then c.
        const root = await profileOf('anonymous_id', 'a2');
        expect(root.id).toBe(b.id);
        expect(root.merges.map((merge) => [merge.survivorId, merge.absorbedId])).toEqual([[b.id, a.id], [b.id, c.id]]);

        await profiles.unmerge(root.id, root.merges[1]!.id);
        expect((await profileOf('email', 'c@example.com')).id).toBe(c.id);
        expect(ids(await profileOf('email', 'c@example.com'))).toEqual(['anonymous_id:a0', 'email:c@example.com']);
        expect(ids(await profileOf('user_id', 'u1'))).toEqual(['anonymous_id:a1', 'anonymous_id:a2', 'user_id:u1']);

        await profiles.unmerge(b.id, root.merges[0]!.id);
        expect((await profileOf('anonymous_id', 'a2')).id).toBe(a.id);
        expect(ids(await profileOf('anonymous_id', 'a2'))).toEqual(['anonymous_id:a2']);
        expect(ids(await profileOf('user_id', 'u1'))).toEqual(['anonymous_id:a1', 'user_id:u1']);
        expect(await liveProfileCount()).toBe(3);
      });
    });

    describe('rebuild', () => {
      it.skipIf(!adapter.rebuild)(`rebuilds the same customers from the stored events${adapter.rebuild ? '' : ' (this engine has no rebuild command)'}`, async () => {
        await send(web, { type: 'identify', userId: 'u1', anonymousId: 'a1', traits: { email: 'x@example.com' } });
        await send(web, { type: 'page', anonymousId: 'a2' }, { type: 'track', event: 'Login', userId: 'u1', anonymousId: 'a2' });
        await send(hotline, { type: 'track', event: 'Call', anonymousId: 'c1', context: { traits: { email: 'x@example.com' } } });
        const before = await profileOf('user_id', 'u1');
        const result = await adapter.rebuild!(store);
        expect(result).toEqual({ events: 4, profiles: 1 });
        const after = await profileOf('user_id', 'u1');
        expect(ids(after)).toEqual(ids(before));
        expect(after.traits).toEqual(before.traits);
        expect(after.eventCount).toBe(4);
      });
    });

    describe('concurrency', () => {
      it('events of one new customer sent at the same moment make one profile, not several', async () => {
        const source = web;
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            ingest.ingest({ source, events: [{ type: 'track', event: 'Tap', userId: 'same-person', anonymousId: `device-${i}` }], receivedAt: clock }),
          ),
        );
        const profile = await profileOf('user_id', 'same-person');
        expect(profile.identifiers).toHaveLength(51);
        expect(profile.eventCount).toBe(50);
        expect(await liveProfileCount()).toBe(1);
      });
    });

    describe('house cards and shared cookies', () => {
      it('a store\'s house card scanned for many shoppers does not carry one shopper\'s email into another\'s profile', async () => {
        const houseCard = { externalIds: [{ type: 'loyalty_card', id: 'LC-HOUSE' }] };
        await send(storeTill, { type: 'track', event: 'Order Completed', anonymousId: 'receipt-1', context: houseCard });
        await send(storeTill, { type: 'track', event: 'Order Completed', anonymousId: 'receipt-2', context: { ...houseCard, traits: { email: 'first@example.com' } } });
        for (let i = 0; i < 4; i++) {
          await send(storeTill, { type: 'track', event: 'Order Completed', anonymousId: `receipt-x${i}`, context: { ...houseCard, traits: { email: `shopper${i}@example.com` } } });
        }
        const first = await profileOf('email', 'first@example.com');
        expect(first.identifiers.filter((identifier) => identifier.type === 'email').map((identifier) => identifier.value)).toEqual(['first@example.com']);
        for (let i = 0; i < 4; i++) {
          const shopper = await profileOf('email', `shopper${i}@example.com`);
          expect(shopper.id).not.toBe(first.id);
          expect(ids(shopper)).toEqual([`anonymous_id:receipt-x${i}`, `email:shopper${i}@example.com`]);
        }
        const [lastEvent] = (await profiles.events((await profileOf('email', 'shopper3@example.com')).id, { limit: 1 })).page.items;
        expect(lastEvent!.warnings.join(' ')).toMatch(/shared by several customers|only through weaker identifiers/);
      });

      it('a house card seen with two known customers\' emails does not join the two customers', async () => {
        const houseCard = { externalIds: [{ type: 'loyalty_card', id: 'LC-HOUSE-2' }] };
        // Newsletter subscribers: known by email and cookie, no account (so no user_id limit decides).
        await send(web, { type: 'identify', anonymousId: 'cookie-tim', traits: { email: 'tim@example.com' } });
        await send(web, { type: 'identify', anonymousId: 'cookie-sabine', traits: { email: 'sabine@example.com' } });
        await send(storeTill, { type: 'track', event: 'Order Completed', anonymousId: 'r-1', context: { ...houseCard, traits: { email: 'tim@example.com' } } });
        await send(storeTill, { type: 'track', event: 'Order Completed', anonymousId: 'r-2', context: { ...houseCard, traits: { email: 'sabine@example.com' } } });
        const tim = await profileOf('email', 'tim@example.com');
        const sabine = await profileOf('email', 'sabine@example.com');
        expect(tim.id).not.toBe(sabine.id);
        expect(ids(tim)).toEqual(['anonymous_id:cookie-tim', 'anonymous_id:r-1', 'email:tim@example.com', 'loyalty_card:LC-HOUSE-2']);
        expect(ids(sabine)).toEqual(['anonymous_id:cookie-sabine', 'anonymous_id:r-2', 'email:sabine@example.com']);
        const [receipt] = (await profiles.events(sabine.id, { limit: 1 })).page.items;
        expect(receipt!.warnings.join(' ')).toContain('each have a email only through a weaker loyalty_card');
      });

      it('still adds a second email when the customer is known by a stronger identifier', async () => {
        await send(web, { type: 'identify', userId: 'u-2', traits: { email: 'work@example.com' } });
        await send(web, { type: 'identify', userId: 'u-2', traits: { email: 'home@example.com' } });
        expect(ids(await profileOf('user_id', 'u-2'))).toEqual(['email:home@example.com', 'email:work@example.com', 'user_id:u-2']);
      });
    });

    describe('weak links between one customer\'s own devices', () => {
      it('joins two parts of one customer that each have a device when a cookie links them', async () => {
        await send(web, { type: 'identify', userId: 'u-dev', context: { externalIds: [{ type: 'device_id', id: 'laptop-1' }] } });
        await send(web, { type: 'page', anonymousId: 'cookie-x', context: { externalIds: [{ type: 'device_id', id: 'phone-1' }] } });
        await send(web, { type: 'page', anonymousId: 'cookie-x', context: { externalIds: [{ type: 'device_id', id: 'laptop-1' }] } });
        expect(ids(await profileOf('user_id', 'u-dev'))).toEqual(['anonymous_id:cookie-x', 'device_id:laptop-1', 'device_id:phone-1', 'user_id:u-dev']);
      });
    });
  });
}
