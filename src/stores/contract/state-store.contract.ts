import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../core/event-schema.ts';
import type { StateStore } from '../ports.ts';

/** What an adapter gives the contract suite: a fresh, migrated store on a clock the test moves. */
export interface StateStoreHarness {
  open(options: { dedupWindowMs: number; now: () => number }): Promise<StateStore>;
  /** Closes and opens the same storage again, to check what survives; absent for engines that cannot. */
  reopen?(store: StateStore, options: { dedupWindowMs: number; now: () => number }): Promise<StateStore>;
  cleanup?(): Promise<void>;
}

const HOUR = 3_600_000;

export function eventFixture(messageId: string, overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    envelopeVersion: 1,
    workspaceId: 'default',
    sourceId: 'src_a',
    messageId,
    type: 'track',
    event: 'Product Viewed',
    userId: 'u1',
    anonymousId: null,
    channel: 'web',
    touchpoint: 'web shop',
    department: 'marketing',
    timestamp: Date.parse('2026-01-01T00:00:00Z'),
    originalTimestamp: null,
    sentAt: null,
    receivedAt: Date.parse('2026-01-01T00:00:01Z'),
    warnings: [],
    payload: { type: 'track', event: 'Product Viewed', messageId, userId: 'u1', properties: { sku: 'A-1', price: 9.5 } },
    ...overrides,
  };
}

/** The behaviour every state store adapter must show; each adapter's test file calls this once. */
export function stateStoreContract(engine: string, harness: StateStoreHarness): void {
  describe(`state store contract: ${engine}`, () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const options = { dedupWindowMs: 7 * 24 * HOUR, now: () => clock };
    let store: StateStore;

    beforeEach(async () => {
      clock = Date.parse('2026-01-01T00:00:00Z');
      store = await harness.open(options);
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup?.();
    });

    it('stores appended events with every envelope field and lists them newest first with cursor paging', async () => {
      const warned = eventFixture('m2', { warnings: ['clamped'], anonymousId: 'anon', originalTimestamp: 5, sentAt: 6 });
      const result = await store.appendEvents({ events: [eventFixture('m1'), warned, eventFixture('m3')], failed: [] });
      expect(result).toEqual({ stored: 3, duplicates: 0, duplicateFlags: [false, false, false] });
      const first = await store.listEvents({ workspaceId: 'default', limit: 2 });
      expect(first.items.map((event) => event.messageId)).toEqual(['m3', 'm2']);
      const { seq: _seq, profileId, identifiers, ...stored } = first.items[1]!;
      expect(stored).toEqual(warned);
      expect(profileId).toMatch(/^prf_/);
      expect(identifiers).toEqual([{ type: 'user_id', value: 'u1' }]);
      const second = await store.listEvents({ workspaceId: 'default', limit: 2, cursor: first.nextCursor! });
      expect(second.items.map((event) => event.messageId)).toEqual(['m1']);
      expect(second.nextCursor).toBeNull();
      expect(await store.countEvents('default')).toBe(3);
    });

    it('stores a messageId once per workspace within the window, across sources and within one batch', async () => {
      const first = await store.appendEvents({ events: [eventFixture('dup'), eventFixture('dup', { sourceId: 'src_b' })], failed: [] });
      expect(first.duplicateFlags).toEqual([false, true]);
      clock += 6 * 24 * HOUR;
      const again = await store.appendEvents({ events: [eventFixture('dup', { sourceId: 'src_c' })], failed: [] });
      expect(again).toMatchObject({ stored: 0, duplicates: 1 });
      const otherWorkspace = await store.appendEvents({ events: [eventFixture('dup', { workspaceId: 'w2' })], failed: [] });
      expect(otherWorkspace.stored).toBe(1);
      expect(await store.countEvents('default')).toBe(1);
    });

    it('stores a messageId again once the dedup window has passed since it was last seen', async () => {
      await store.appendEvents({ events: [eventFixture('late')], failed: [] });
      clock += 7 * 24 * HOUR + 1;
      const result = await store.appendEvents({ events: [eventFixture('late')], failed: [] });
      expect(result.stored).toBe(1);
      expect(await store.countEvents('default')).toBe(2);
    });

    it('keeps failed events with their reason and payload, filters them, and hides replayed ones', async () => {
      const failed = (code: 'CENTRIC_ERR_EVENT_UNKNOWN_TYPE' | 'CENTRIC_ERR_EVENT_MISSING_IDENTITY', sourceId: string) => ({
        workspaceId: 'default', sourceId, receivedAt: clock, code, message: `because ${code}`, field: 'type', payload: { type: 'x', n: 1 },
      });
      await store.appendEvents({
        events: [],
        failed: [failed('CENTRIC_ERR_EVENT_UNKNOWN_TYPE', 'src_a'), failed('CENTRIC_ERR_EVENT_MISSING_IDENTITY', 'src_b'), failed('CENTRIC_ERR_EVENT_UNKNOWN_TYPE', 'src_b')],
      });
      const all = await store.listFailedEvents({ workspaceId: 'default', limit: 10 });
      expect(all.items).toHaveLength(3);
      expect(all.items[2]).toMatchObject({ sourceId: 'src_a', code: 'CENTRIC_ERR_EVENT_UNKNOWN_TYPE', payload: { type: 'x', n: 1 }, replayedAt: null });
      expect((await store.listFailedEvents({ workspaceId: 'default', sourceId: 'src_b', limit: 10 })).items).toHaveLength(2);
      expect((await store.listFailedEvents({ workspaceId: 'default', code: 'CENTRIC_ERR_EVENT_MISSING_IDENTITY', limit: 10 })).items).toHaveLength(1);

      const target = all.items[0]!;
      await store.appendEvents({ events: [eventFixture('fixed')], failed: [], replayed: [{ failedEventId: target.id, messageId: 'fixed' }] });
      expect((await store.listFailedEvents({ workspaceId: 'default', limit: 10 })).items.map((item) => item.id)).not.toContain(target.id);
      expect(await store.getFailedEvent('default', target.id)).toMatchObject({ replayedMessageId: 'fixed', replayedAt: clock });
    });

    it('keeps sources with unique write keys, finds them by key and name, rotates keys and disables', async () => {
      const web = await store.createSource({ workspaceId: 'default', name: 'web', channel: 'web', department: 'marketing' });
      const hotline = await store.createSource({ workspaceId: 'default', name: 'hotline', channel: 'phone' });
      expect(web.writeKey).not.toBe(hotline.writeKey);
      expect(await store.findSourceByWriteKey(web.writeKey)).toEqual(web);
      expect((await store.findSourceByName('default', 'hotline'))?.id).toBe(hotline.id);
      expect((await store.listSources('default')).map((source) => source.name)).toEqual(['web', 'hotline']);
      const rotated = await store.rotateWriteKey('default', web.id);
      expect(rotated?.writeKey).not.toBe(web.writeKey);
      expect(await store.findSourceByWriteKey(web.writeKey)).toBeNull();
      const disabled = await store.updateSource('default', hotline.id, { enabled: false, touchpoint: 'hotline' });
      expect(disabled).toMatchObject({ enabled: false, touchpoint: 'hotline', channel: 'phone' });
      expect(await store.getSource('other-workspace', web.id)).toBeNull();
    });

    it('records log positions per log and applies a request from a log position it already holds only once', async () => {
      const request = (messageId: string, log: string, seq: number) =>
        ({ events: [eventFixture(messageId)], failed: [], logPosition: { log, seq } });
      expect(await store.logPosition('partition-1')).toBe(0);
      await store.appendEvents(request('p1-a', 'partition-1', 4));
      await store.appendEvents(request('p2-a', 'partition-2', 9));
      expect(await store.logPosition('partition-1')).toBe(4);
      expect(await store.logPosition('partition-2')).toBe(9);
      clock += 8 * 24 * HOUR; // past the dedup window: only the position can tell the redelivery apart
      const redelivered = await store.appendEvents(request('p1-a', 'partition-1', 4));
      expect(redelivered.stored).toBe(0);
      expect((await store.appendEvents(request('p1-b', 'partition-1', 5))).stored).toBe(1);
      expect(await store.logPosition('partition-1')).toBe(5);
      expect(await store.countEvents('default')).toBe(3);
    });

    it('reads events of every workspace after a position, in seq order, each on the profile it lives on now', async () => {
      const as = (messageId: string, ids: { userId?: string; anonymousId?: string }, workspaceId = 'default') => eventFixture(messageId, {
        workspaceId, userId: ids.userId ?? null, anonymousId: ids.anonymousId ?? null,
        payload: { type: 'track', event: 'Product Viewed', messageId, ...ids },
      });
      await store.appendEvents({ events: [as('c1', { anonymousId: 'phone' }), as('w1', { userId: 'u-7' }, 'w2'), as('u1', { userId: 'u-1' })], failed: [] });
      const firstTwo = await store.readEventsAfter(0, 2);
      expect(firstTwo.map((event) => [event.messageId, event.workspaceId])).toEqual([['c1', 'default'], ['w1', 'w2']]);
      const rest = await store.readEventsAfter(firstTwo[1]!.seq, 10);
      expect(rest.map((event) => event.messageId)).toEqual(['u1']);
      expect(await store.readEventsAfter(rest[0]!.seq, 10)).toEqual([]);
      const cookieProfile = firstTwo[0]!.profileId;
      expect(cookieProfile).not.toBe(rest[0]!.profileId);

      await store.appendEvents({ events: [as('login', { userId: 'u-1', anonymousId: 'phone' })], failed: [] });
      const all = await store.readEventsAfter(0, 10);
      const customer = all.find((event) => event.messageId === 'login')!.profileId;
      expect(all.filter((event) => event.workspaceId === 'default').map((event) => event.profileId)).toEqual([customer, customer, customer]);
      expect(all.map((event) => event.seq)).toEqual([...all.map((event) => event.seq)].sort((a, b) => a - b));
    });

    it('lists the events of several profiles up to a position, each profile\'s in seq order, and nothing of other profiles or workspaces', async () => {
      const as = (messageId: string, userId: string, workspaceId = 'default') => eventFixture(messageId, {
        workspaceId, userId, payload: { type: 'track', event: 'Product Viewed', messageId, userId },
      });
      await store.appendEvents({ events: [as('a1', 'u-a'), as('b1', 'u-b'), as('c1', 'u-c'), as('a2', 'u-a'), as('x1', 'u-a', 'w2'), as('b2', 'u-b')], failed: [] });
      const a = (await store.findProfileByIdentifier('default', { type: 'user_id', value: 'u-a' }))!;
      const b = (await store.findProfileByIdentifier('default', { type: 'user_id', value: 'u-b' }))!;
      const all = await store.listEventsOfProfiles('default', [a, b], Number.MAX_SAFE_INTEGER);
      expect(all.map((event) => event.messageId)).toEqual(['a1', 'b1', 'a2', 'b2']);
      const upToA2 = await store.listEventsOfProfiles('default', [b, a], all[2]!.seq);
      expect(upToA2.map((event) => [event.messageId, event.profileId])).toEqual([['a1', a], ['b1', b], ['a2', a]]);
      expect(await store.listEventsOfProfiles('default', [], 100)).toEqual([]);
      // More ids than one statement takes: the profile past them still gets its events, in seq order.
      const many = [...Array.from({ length: 1200 }, (_, n) => `prf_missing_${n}`), a];
      expect((await store.listEventsOfProfiles('default', many, Number.MAX_SAFE_INTEGER)).map((event) => event.messageId)).toEqual(['a1', 'a2']);
    });

    it('summarises many profiles at once: display name, first email and user id, none of another workspace', async () => {
      const identify = (messageId: string, userId: string, traits: Record<string, unknown>, workspaceId = 'default') => eventFixture(messageId, {
        workspaceId, type: 'identify', event: null, userId, payload: { type: 'identify', messageId, userId, traits },
      });
      await store.appendEvents({ events: [
        identify('i1', 'u-ada', { name: 'Ada Lovelace', email: 'ada@example.com' }),
        identify('i2', 'u-bob', { firstName: 'Bob' }),
        identify('i3', 'u-ada', { name: 'Someone Else', email: 'other@example.com' }, 'w2'),
      ], failed: [] });
      const ada = (await store.findProfileByIdentifier('default', { type: 'user_id', value: 'u-ada' }))!;
      const bob = (await store.findProfileByIdentifier('default', { type: 'user_id', value: 'u-bob' }))!;
      const summaries = await store.profileSummaries('default', [bob, ada, 'prf_missing']);
      expect(summaries.sort((a, b) => a.userId!.localeCompare(b.userId!))).toEqual([
        { id: ada, displayName: (await store.getProfile('default', ada))!.profile.displayName, email: 'ada@example.com', userId: 'u-ada' },
        { id: bob, displayName: (await store.getProfile('default', bob))!.profile.displayName, email: null, userId: 'u-bob' },
      ]);
      expect(summaries[0]!.displayName).toContain('Ada');
    });

    it('logs each merge and unmerge as a profile change, in order, the unmerge naming the events it moved back', async () => {
      const as = (messageId: string, ids: { userId?: string; anonymousId?: string }) => eventFixture(messageId, {
        userId: ids.userId ?? null, anonymousId: ids.anonymousId ?? null, payload: { type: 'track', event: 'Product Viewed', messageId, ...ids },
      });
      await store.appendEvents({ events: [as('u1', { userId: 'u-1' }), as('u2', { userId: 'u-1' }), as('p1', { anonymousId: 'phone' })], failed: [] });
      expect(await store.readProfileChanges(0, 10)).toEqual([]);
      await store.appendEvents({ events: [as('login', { userId: 'u-1', anonymousId: 'phone' })], failed: [] });

      const changes = await store.readProfileChanges(0, 10);
      expect(changes).toHaveLength(1);
      const survivorId = (await store.readEventsAfter(0, 10)).find((event) => event.messageId === 'login')!.profileId!;
      const { profile } = (await store.getProfile('default', survivorId))!;
      const merge = profile.merges[0]!;
      expect(changes[0]).toMatchObject({ workspaceId: 'default', kind: 'merge', profileId: merge.absorbedId, intoProfileId: survivorId });

      await store.unmerge('default', survivorId, merge.id);
      const after = await store.readProfileChanges(changes[0]!.id, 10);
      expect(after).toHaveLength(1);
      const movedBack = (await store.readEventsAfter(0, 10)).filter((event) => event.profileId === merge.absorbedId).map((event) => event.seq);
      expect(movedBack.length).toBeGreaterThan(0);
      expect(after[0]).toMatchObject({ kind: 'unmerge', profileId: merge.absorbedId, fromProfileId: survivorId, movedEventSeqs: movedBack });
      expect(after[0]!.id).toBeGreaterThan(changes[0]!.id);
      expect(await store.readProfileChanges(0, 1)).toEqual([changes[0]]);
    });

    it('finds profiles by the start of a name or a word in it, an identifier prefix and a phone number, taking LIKE wildcards literally', async () => {
      const person = (messageId: string, userId: string, traits: Record<string, string>) => eventFixture(messageId, {
        type: 'identify', event: null, userId, payload: { type: 'identify', messageId, userId, traits },
      });
      await store.appendEvents({
        events: [
          person('ada', 'u-ada', { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+49 30 1234567' }),
          person('grace', 'u-grace', { name: 'Grace Hopper', email: 'grace@example.com' }),
          // Another workspace's Ada must never show.
          { ...person('twin', 'u-ada', { name: 'Ada Lovelace', email: 'ada@example.com' }), workspaceId: 'w2' },
        ],
        failed: [],
      });
      const search = (text: string, phone: string | null = null) => store.searchProfiles({ workspaceId: 'default', text, phone, limit: 10 });
      const ada = await store.findProfileByIdentifier('default', { type: 'user_id', value: 'u-ada' });
      expect(await search('lovel')).toEqual([
        { id: ada, displayName: 'Ada Lovelace', email: 'ada@example.com', phone: '+49301234567', lastSeen: eventFixture('x').timestamp, matched: 'name ada lovelace' },
      ]);
      // Identifiers match first; the name hit of the same profile adds nothing.
      expect((await search('ADA')).map((hit) => [hit.id, hit.matched])).toEqual([[ada, 'email ada@example.com']]);
      expect((await search('grace@')).map((hit) => hit.displayName)).toEqual(['Grace Hopper']);
      expect((await search('', '+49301234567')).map((hit) => [hit.id, hit.matched])).toEqual([[ada, 'phone +49301234567']]);
      expect(await search('%')).toEqual([]);
      expect(await search('_race')).toEqual([]);
      // Identifier hits come in value order, as many as the limit asks for.
      expect((await search('u-')).map((hit) => hit.matched)).toEqual(['user_id u-ada', 'user_id u-grace']);
      expect((await store.searchProfiles({ workspaceId: 'default', text: 'u-', phone: null, limit: 1 })).map((hit) => hit.matched)).toEqual(['user_id u-ada']);
    });

    it.skipIf(!harness.reopen)('keeps events, failed events and dedup memory across a restart', async () => {
      const failed = { workspaceId: 'default', sourceId: 'src_a', receivedAt: clock, code: 'CENTRIC_ERR_EVENT_UNKNOWN_TYPE' as const, message: 'unknown type', field: 'type', payload: { type: 'x' } };
      await store.appendEvents({ events: [eventFixture('kept')], failed: [failed] });
      store = await harness.reopen!(store, options);
      expect(await store.countEvents('default')).toBe(1);
      expect((await store.listFailedEvents({ workspaceId: 'default', limit: 10 })).items).toMatchObject([failed]);
      const again = await store.appendEvents({ events: [eventFixture('kept')], failed: [] });
      expect(again.duplicates).toBe(1);
    });
  });
}
