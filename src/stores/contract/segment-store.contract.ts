import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewMembershipChange, ProfileSegmentState, SegmentCommit } from '../../segments/segment-port.ts';
import type { StateStore } from '../ports.ts';
import { eventFixture, type StateStoreHarness } from './state-store.contract.ts';

const HOUR = 3_600_000;
const AT = Date.parse('2026-03-01T12:00:00Z');

/** A definition as the segments domain would store it; the store keeps it as given. */
function definition(minimum: number): unknown {
  return { version: 1, root: { type: 'trait', key: 'orders', operator: 'gte', value: minimum } };
}

function stateOf(profileId: string, overrides: Partial<ProfileSegmentState> = {}): ProfileSegmentState {
  return { profileId, workspaceId: 'default', accumulators: { orders: 3 }, computed: {}, members: {}, nextCheckAt: null, ...overrides };
}

function change(segmentId: string, profileId: string, kind: 'entered' | 'exited', at: number, workspaceId = 'default'): NewMembershipChange {
  return { workspaceId, segmentId, profileId, change: kind, at, cause: { kind: 'event', messageId: `m-${at}`, seq: at - AT } };
}

function commitOf(parts: Partial<SegmentCommit>): SegmentCommit {
  return { states: [], dropped: [], changes: [], ...parts };
}

/** An identify event for a user, through which the store makes a real profile with these traits. */
function identify(messageId: string, userId: string, traits: Record<string, unknown>, workspaceId = 'default') {
  return eventFixture(messageId, { workspaceId, type: 'identify', event: null, userId, payload: { type: 'identify', messageId, userId, traits } });
}

/** An event carrying a user id and/or an anonymous id: sending both joins their profiles. */
function seen(messageId: string, ids: { userId?: string; anonymousId?: string }) {
  return eventFixture(messageId, {
    userId: ids.userId ?? null, anonymousId: ids.anonymousId ?? null, payload: { type: 'track', event: 'Product Viewed', messageId, ...ids },
  });
}

/** The segment part of the state store, which every engine must show; each adapter's test file calls this once. */
export function segmentStoreContract(engine: string, harness: StateStoreHarness): void {
  describe(`segment store contract: ${engine}`, () => {
    const options = { dedupWindowMs: 7 * 24 * HOUR, now: () => AT };
    let store: StateStore;

    beforeEach(async () => {
      store = await harness.open(options);
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup?.();
    });

    async function profileOf(userId: string): Promise<string> {
      const id = await store.findProfileByIdentifier('default', { type: 'user_id', value: userId });
      expect(id).toMatch(/^prf_/);
      return id!;
    }

    it('keeps segments with one name each per workspace, refusing a taken name on create and rename', async () => {
      const buyers = await store.createSegment({ workspaceId: 'default', name: 'Buyers', description: 'bought once', definition: definition(1) });
      expect(buyers).toMatchObject({
        workspaceId: 'default', name: 'Buyers', description: 'bought once', definition: definition(1), revision: 1,
        progress: { status: 'computing', done: 0, total: 0, startedAt: null, finishedAt: null },
      });
      expect(buyers.id).toMatch(/^seg_/);
      const active = await store.createSegment({ workspaceId: 'default', name: 'Active', definition: definition(5) });
      expect(active.description).toBeNull();

      await expect(store.createSegment({ workspaceId: 'default', name: 'Buyers', definition: definition(2) }))
        .rejects.toMatchObject({ code: 'CENTRIC_ERR_SEGMENT_NAME_TAKEN', status: 409 });
      await expect(store.updateSegment('default', active.id, { name: 'Buyers' })).rejects.toMatchObject({ code: 'CENTRIC_ERR_SEGMENT_NAME_TAKEN' });
      const elsewhere = await store.createSegment({ workspaceId: 'w2', name: 'Buyers', definition: definition(1) });

      expect((await store.listSegments('default')).map((segment) => segment.name)).toEqual(['Active', 'Buyers']);
      expect(await store.getSegment('default', buyers.id)).toEqual(buyers);
      expect(await store.getSegment('default', elsewhere.id)).toBeNull();
      const renamed = await store.updateSegment('default', active.id, { name: 'Regulars', description: 'five orders' });
      expect(renamed).toMatchObject({ name: 'Regulars', description: 'five orders', revision: 1, definition: definition(5) });
      expect(await store.updateSegment('w2', active.id, { name: 'Stolen' })).toBeNull();

      expect(await store.deleteSegment('w2', buyers.id)).toBe(false);
      expect(await store.deleteSegment('default', buyers.id)).toBe(true);
      expect(await store.deleteSegment('default', buyers.id)).toBe(false);
      expect((await store.listSegments('default')).map((segment) => segment.name)).toEqual(['Regulars']);
      expect(await store.getSegment('w2', elsewhere.id)).toEqual(elsewhere);
    });

    it('an edit of the definition raises the revision and starts the computation again; other edits keep both', async () => {
      const segment = await store.createSegment({ workspaceId: 'default', name: 'Buyers', definition: definition(1) });
      const ready = { status: 'ready' as const, done: 4, total: 4, startedAt: AT, finishedAt: AT + 10 };
      expect(await store.commitSegments(commitOf({ progress: [{ kind: 'segment', id: segment.id, revision: 1, progress: ready }] }))).toBe(true);
      expect((await store.updateSegment('default', segment.id, { description: 'renamed only' }))).toMatchObject({ revision: 1, progress: ready });

      const edited = await store.updateSegment('default', segment.id, { definition: definition(3) });
      expect(edited).toMatchObject({ revision: 2, definition: definition(3), progress: { status: 'computing', done: 0, total: 0, startedAt: null, finishedAt: null } });
      expect(await store.getSegment('default', segment.id)).toEqual(edited);
    });

    it('keeps computed traits with one key each per workspace; an edit of the definition raises the revision', async () => {
      const spend = await store.createComputedTrait({ workspaceId: 'default', key: 'total_spend', name: 'Total spend', definition: { version: 1, sum: 'price' } });
      expect(spend).toMatchObject({ key: 'total_spend', name: 'Total spend', description: null, revision: 1, progress: { status: 'computing' } });
      expect(spend.id).toMatch(/^ctr_/);
      await expect(store.createComputedTrait({ workspaceId: 'default', key: 'total_spend', name: 'Other', definition: {} }))
        .rejects.toMatchObject({ code: 'CENTRIC_ERR_COMPUTED_TRAIT_KEY_TAKEN', status: 409 });
      await store.createComputedTrait({ workspaceId: 'w2', key: 'total_spend', name: 'Total spend', definition: {} });
      const visits = await store.createComputedTrait({ workspaceId: 'default', key: 'visits', name: 'Visits', definition: { version: 1, count: 'page' } });

      expect((await store.listComputedTraits('default')).map((trait) => trait.key)).toEqual(['total_spend', 'visits']);
      const edited = await store.updateComputedTrait('default', spend.id, { definition: { version: 1, sum: 'revenue' } });
      expect(edited).toMatchObject({ key: 'total_spend', revision: 2, definition: { version: 1, sum: 'revenue' } });
      expect(await store.getComputedTrait('default', spend.id)).toEqual(edited);
      expect(await store.updateComputedTrait('default', 'ctr_missing', { name: 'x' })).toBeNull();
      expect(await store.updateComputedTrait('w2', spend.id, { name: 'Stolen' })).toBeNull();

      expect(await store.deleteComputedTrait('w2', visits.id)).toBe(false);
      expect(await store.deleteComputedTrait('default', visits.id)).toBe(true);
      expect(await store.deleteComputedTrait('default', visits.id)).toBe(false);
      expect((await store.listComputedTraits('default')).map((trait) => trait.key)).toEqual(['total_spend']);
    });

    it('a commit writes states, history, members and the position at once, and the inputs read them back with the profile traits', async () => {
      await store.appendEvents({ events: [identify('ada', 'u-ada', { plan: 'pro', name: 'Ada', orders: 3 })], failed: [] });
      const ada = await profileOf('u-ada');
      const segment = await store.createSegment({ workspaceId: 'default', name: 'Buyers', definition: definition(1) });

      // More ids than one query takes at once, most of them of no profile.
      const many = [...Array.from({ length: 1200 }, (_, n) => `prf_missing_${n}`), ada];
      expect(await store.loadSegmentInputs(many)).toEqual([
        { profileId: ada, workspaceId: 'default', live: true, traits: { plan: 'pro', name: 'Ada', orders: 3 }, state: null },
      ]);
      expect(await store.segmentEnginePosition()).toEqual({ eventSeq: 0, changeId: 0 });

      const state = stateOf(ada, { computed: { total_spend: { value: 42.5, at: AT } }, nextCheckAt: AT + HOUR });
      const committed = await store.commitSegments(commitOf({
        from: { eventSeq: 0, changeId: 0 }, to: { eventSeq: 1, changeId: 0 }, states: [state], changes: [change(segment.id, ada, 'entered', AT)],
      }));
      expect(committed).toBe(true);

      const [input] = await store.loadSegmentInputs([ada]);
      expect(input!.state).toEqual({ ...state, members: { [segment.id]: AT } });
      expect(await store.segmentEnginePosition()).toEqual({ eventSeq: 1, changeId: 0 });
      expect(await store.countSegmentMembers('default', segment.id)).toBe(1);
      expect((await store.membershipHistory({ workspaceId: 'default', limit: 10 })).items).toEqual([
        { id: expect.any(Number), ...change(segment.id, ada, 'entered', AT) },
      ]);
    });

    it('a profile with memberships and no stored state reads them back with no accumulators', async () => {
      await store.appendEvents({ events: [identify('ada', 'u-ada', { orders: 3 })], failed: [] });
      const ada = await profileOf('u-ada');
      const segment = await store.createSegment({ workspaceId: 'default', name: 'Buyers', definition: definition(1) });
      await store.commitSegments(commitOf({ changes: [change(segment.id, ada, 'entered', AT)] }));
      expect((await store.loadSegmentInputs([ada]))[0]!.state).toEqual({
        profileId: ada, workspaceId: 'default', accumulators: null, computed: {}, members: { [segment.id]: AT }, nextCheckAt: null,
      });
    });

    it('a commit from a position that is no longer the stored one writes nothing', async () => {
      await store.appendEvents({ events: [identify('ada', 'u-ada', { orders: 3 })], failed: [] });
      const ada = await profileOf('u-ada');
      const segment = await store.createSegment({ workspaceId: 'default', name: 'Buyers', definition: definition(1) });
      expect(await store.commitSegments(commitOf({ to: { eventSeq: 5, changeId: 2 } }))).toBe(true);

      const stale = await store.commitSegments(commitOf({
        from: { eventSeq: 0, changeId: 0 }, to: { eventSeq: 9, changeId: 9 }, states: [stateOf(ada)], changes: [change(segment.id, ada, 'entered', AT)],
        progress: [{ kind: 'segment', id: segment.id, revision: 1, progress: { status: 'ready', done: 1, total: 1, startedAt: AT, finishedAt: AT } }],
      }));
      expect(stale).toBe(false);
      expect((await store.loadSegmentInputs([ada]))[0]!.state).toBeNull();
      expect(await store.countSegmentMembers('default', segment.id)).toBe(0);
      expect(await store.readMembershipChanges(0, 10)).toEqual([]);
      expect((await store.getSegment('default', segment.id))!.progress.status).toBe('computing');
      expect(await store.segmentEnginePosition()).toEqual({ eventSeq: 5, changeId: 2 });

      expect(await store.commitSegments(commitOf({ from: { eventSeq: 5, changeId: 2 }, to: { eventSeq: 6, changeId: 2 }, states: [stateOf(ada)] }))).toBe(true);
      expect((await store.loadSegmentInputs([ada]))[0]!.state).not.toBeNull();
    });

    it('of two commits made at once from the same position, one moves it and the other writes nothing', async () => {
      const segment = await store.createSegment({ workspaceId: 'default', name: 'Buyers', definition: definition(1) });
      const from = { eventSeq: 0, changeId: 0 };
      const results = await Promise.all(['prf_a', 'prf_b'].map((profileId, n) => store.commitSegments(commitOf({
        from, to: { eventSeq: n + 1, changeId: 0 }, changes: [change(segment.id, profileId, 'entered', AT + n)],
      }))));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await store.segmentEnginePosition()).toEqual({ eventSeq: winner + 1, changeId: 0 });
      expect((await store.readMembershipChanges(0, 10)).map((entry) => entry.profileId)).toEqual([['prf_a', 'prf_b'][winner]]);
    });

    it('a profile absorbed by a merge reads as not live, and once dropped loses its state and memberships', async () => {
      await store.appendEvents({ events: [seen('known', { userId: 'u-1' }), seen('cookie', { anonymousId: 'phone' })], failed: [] });
      const before = (await store.readEventsAfter(0, 10)).map((event) => event.profileId!);
      const segment = await store.createSegment({ workspaceId: 'default', name: 'Visitors', definition: definition(0) });
      await store.commitSegments(commitOf({
        states: before.map((id) => stateOf(id, { nextCheckAt: AT })), changes: before.map((id) => change(segment.id, id, 'entered', AT)),
      }));

      await store.appendEvents({ events: [seen('login', { userId: 'u-1', anonymousId: 'phone' })], failed: [] });
      const survivor = await profileOf('u-1');
      const { absorbedId } = (await store.getProfile('default', survivor))!.profile.merges[0]!;
      const inputs = await store.loadSegmentInputs([absorbedId, survivor]);
      expect(new Map(inputs.map((input) => [input.profileId, input.live]))).toEqual(new Map([[absorbedId, false], [survivor, true]]));

      await store.commitSegments(commitOf({ dropped: [absorbedId], changes: [change(segment.id, absorbedId, 'exited', AT + 1)] }));
      const [absorbed] = await store.loadSegmentInputs([absorbedId]);
      expect(absorbed!.state).toBeNull();
      expect((await store.listSegmentMembers({ workspaceId: 'default', segmentId: segment.id, limit: 10 })).items).toEqual([{ profileId: survivor, enteredAt: AT }]);
      expect(await store.dueSegmentChecks(AT, 10)).toEqual([survivor]);
      expect((await store.membershipHistory({ workspaceId: 'default', profileId: absorbedId, limit: 10 })).items.map((entry) => entry.change)).toEqual(['exited', 'entered']);
    });

    it('records progress only for the revision computed: an edit during a computation wins', async () => {
      const segment = await store.createSegment({ workspaceId: 'default', name: 'Buyers', definition: definition(1) });
      const trait = await store.createComputedTrait({ workspaceId: 'default', key: 'spend', name: 'Spend', definition: { version: 1 } });
      await store.updateSegment('default', segment.id, { definition: definition(2) });
      const halfway = { status: 'computing' as const, done: 5, total: 10, startedAt: AT, finishedAt: null };
      await store.commitSegments(commitOf({
        progress: [
          { kind: 'segment', id: segment.id, revision: 1, progress: { ...halfway, status: 'ready', done: 10 } },
          { kind: 'computed-trait', id: trait.id, revision: 1, progress: halfway },
        ],
      }));
      expect((await store.getSegment('default', segment.id))!.progress).toMatchObject({ status: 'computing', done: 0 });
      expect((await store.getComputedTrait('default', trait.id))!.progress).toEqual(halfway);

      await store.commitSegments(commitOf({ progress: [{ kind: 'segment', id: segment.id, revision: 2, progress: halfway }] }));
      expect((await store.getSegment('default', segment.id))!.progress).toEqual(halfway);
    });

    it('gives the profiles whose check is due, soonest first, never those without one', async () => {
      await store.commitSegments(commitOf({
        states: [
          stateOf('prf_late', { nextCheckAt: AT + 300 }), stateOf('prf_first', { nextCheckAt: AT + 100 }), stateOf('prf_never'),
          stateOf('prf_second', { nextCheckAt: AT + 200 }), stateOf('prf_future', { nextCheckAt: AT + 900 }),
        ],
      }));
      expect(await store.dueSegmentChecks(AT + 300, 10)).toEqual(['prf_first', 'prf_second', 'prf_late']);
      expect(await store.dueSegmentChecks(AT + 300, 2)).toEqual(['prf_first', 'prf_second']);
      expect(await store.dueSegmentChecks(AT, 10)).toEqual([]);

      // A state written again with no next check leaves the schedule.
      await store.commitSegments(commitOf({ states: [stateOf('prf_first')] }));
      expect(await store.dueSegmentChecks(AT + 300, 10)).toEqual(['prf_second', 'prf_late']);
    });

    it('members follow the changes in order and page by cursor; an entry already present keeps its time', async () => {
      const segment = await store.createSegment({ workspaceId: 'default', name: 'Buyers', definition: definition(1) });
      const other = await store.createSegment({ workspaceId: 'default', name: 'Others', definition: definition(9) });
      const ids = ['prf_a', 'prf_b', 'prf_c', 'prf_d', 'prf_e'];
      await store.commitSegments(commitOf({ changes: [...ids.map((id, n) => change(segment.id, id, 'entered', AT + n)), change(other.id, 'prf_z', 'entered', AT)] }));
      await store.commitSegments(commitOf({
        changes: [
          change(segment.id, 'prf_a', 'entered', AT + 50), // already in: keeps AT
          change(segment.id, 'prf_b', 'exited', AT + 51),
          change(segment.id, 'prf_c', 'exited', AT + 52), change(segment.id, 'prf_c', 'entered', AT + 53), change(segment.id, 'prf_c', 'entered', AT + 54),
          change(segment.id, 'prf_f', 'entered', AT + 55), change(segment.id, 'prf_f', 'exited', AT + 56),
        ],
      }));

      const seenMembers: Array<{ profileId: string; enteredAt: number }> = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listSegmentMembers({ workspaceId: 'default', segmentId: segment.id, cursor, limit: 2 });
        seenMembers.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(2);
      expect(new Map(seenMembers.map((member) => [member.profileId, member.enteredAt]))).toEqual(new Map([
        ['prf_a', AT], ['prf_c', AT + 53], ['prf_d', AT + 3], ['prf_e', AT + 4],
      ]));
      expect(seenMembers).toHaveLength(4);
      expect(await store.countSegmentMembers('default', segment.id)).toBe(4);
      expect(await store.countSegmentMembers('w2', segment.id)).toBe(0);
      expect((await store.listSegmentMembers({ workspaceId: 'default', segmentId: other.id, limit: 10 })).items).toEqual([{ profileId: 'prf_z', enteredAt: AT }]);
    });

    it('drops changes to a segment deleted since the engine read its definitions: no history, no member comes back', async () => {
      const kept = await store.createSegment({ workspaceId: 'default', name: 'Kept', definition: definition(1) });
      const gone = await store.createSegment({ workspaceId: 'default', name: 'Gone', definition: definition(2) });
      expect(await store.deleteSegment('default', gone.id)).toBe(true);
      expect(await store.commitSegments(commitOf({ changes: [change(gone.id, 'prf_a', 'entered', AT), change(kept.id, 'prf_a', 'entered', AT + 1)] }))).toBe(true);
      expect((await store.readMembershipChanges(0, 10)).map((entry) => entry.segmentId)).toEqual([kept.id]);
      expect(await store.countSegmentMembers('default', gone.id)).toBe(0);
      expect(await store.countSegmentMembers('default', kept.id)).toBe(1);
    });

    it('keeps the membership history newest first per workspace, filtered by segment or profile, and the feed oldest first across workspaces', async () => {
      const [buyers, visitors] = [
        await store.createSegment({ workspaceId: 'default', name: 'Buyers', definition: definition(1) }),
        await store.createSegment({ workspaceId: 'default', name: 'Visitors', definition: definition(0) }),
      ];
      await store.createSegment({ id: 'seg_w2', workspaceId: 'w2', name: 'Elsewhere', definition: definition(0) });
      const changes = [
        change(buyers.id, 'prf_a', 'entered', AT + 1), change(visitors.id, 'prf_a', 'entered', AT + 2), change('seg_w2', 'prf_w', 'entered', AT + 3, 'w2'),
        change(buyers.id, 'prf_b', 'entered', AT + 4), change(buyers.id, 'prf_a', 'exited', AT + 5),
      ];
      await store.commitSegments(commitOf({ changes: changes.slice(0, 3) }));
      await store.commitSegments(commitOf({ changes: changes.slice(3) }));

      const history = (filter: { segmentId?: string; profileId?: string; cursor?: string; limit?: number }) =>
        store.membershipHistory({ workspaceId: 'default', limit: 10, ...filter });
      const newestFirst = await history({});
      expect(newestFirst.items.map((entry) => entry.at)).toEqual([AT + 5, AT + 4, AT + 2, AT + 1]);
      expect(newestFirst.items[0]).toEqual({ id: expect.any(Number), ...changes[4] });
      expect((await history({ segmentId: buyers.id })).items.map((entry) => entry.at)).toEqual([AT + 5, AT + 4, AT + 1]);
      expect((await history({ profileId: 'prf_a' })).items.map((entry) => entry.at)).toEqual([AT + 5, AT + 2, AT + 1]);
      expect((await history({ segmentId: buyers.id, profileId: 'prf_a' })).items.map((entry) => entry.change)).toEqual(['exited', 'entered']);

      const first = await history({ limit: 3 });
      const second = await history({ limit: 3, cursor: first.nextCursor! });
      expect([...first.items, ...second.items].map((entry) => entry.at)).toEqual([AT + 5, AT + 4, AT + 2, AT + 1]);
      expect(second.nextCursor).toBeNull();

      const feed = await store.readMembershipChanges(0, 10);
      expect(feed.map((entry) => entry.at)).toEqual([AT + 1, AT + 2, AT + 3, AT + 4, AT + 5]);
      expect(feed[2]).toMatchObject({ workspaceId: 'w2', profileId: 'prf_w' });
      expect((await store.readMembershipChanges(feed[1]!.id, 2)).map((entry) => entry.at)).toEqual([AT + 3, AT + 4]);

      // Another workspace cannot delete it, nor its members and history.
      expect(await store.deleteSegment('w2', buyers.id)).toBe(false);
      expect(await store.countSegmentMembers('default', buyers.id)).toBe(1);
      expect((await history({ segmentId: buyers.id })).items).toHaveLength(3);
      expect(await store.deleteSegment('default', buyers.id)).toBe(true);
      expect((await history({})).items.map((entry) => entry.at)).toEqual([AT + 2]);
      expect(await store.countSegmentMembers('default', buyers.id)).toBe(0);
      expect(await store.countSegmentMembers('default', visitors.id)).toBe(1);
    });

    it('walks the live profiles of a workspace in id order, leaving out absorbed ones and other workspaces', async () => {
      await store.appendEvents({
        events: [
          seen('known', { userId: 'u-1' }), seen('cookie', { anonymousId: 'phone' }), seen('other', { userId: 'u-2' }),
          identify('far', 'u-far', { plan: 'x' }, 'w2'),
        ],
        failed: [],
      });
      expect(await store.countLiveProfiles('default')).toBe(3);
      await store.appendEvents({ events: [seen('login', { userId: 'u-1', anonymousId: 'phone' })], failed: [] });
      expect(await store.countLiveProfiles('default')).toBe(2);

      const walked: string[] = [];
      for (let after: string | null = null; ;) {
        const ids = await store.listLiveProfileIds('default', after, 1);
        if (ids.length === 0) break;
        walked.push(...ids);
        after = ids[ids.length - 1]!;
      }
      expect(new Set(walked)).toEqual(new Set([await profileOf('u-1'), await profileOf('u-2')]));
      expect(walked).toHaveLength(2);
      expect(await store.listLiveProfileIds('default', null, 10)).toEqual(walked);
      expect(await store.countLiveProfiles('w2')).toBe(1);
    });

    it.skipIf(!harness.reopen)('keeps the engine position, states and members across a restart', async () => {
      const segment = await store.createSegment({ workspaceId: 'default', name: 'Buyers', definition: definition(1) });
      await store.commitSegments(commitOf({
        to: { eventSeq: 12, changeId: 3 }, states: [stateOf('prf_a', { nextCheckAt: AT })], changes: [change(segment.id, 'prf_a', 'entered', AT)],
      }));
      store = await harness.reopen!(store, options);
      expect(await store.segmentEnginePosition()).toEqual({ eventSeq: 12, changeId: 3 });
      expect(await store.dueSegmentChecks(AT, 10)).toEqual(['prf_a']);
      expect(await store.countSegmentMembers('default', segment.id)).toBe(1);
      expect(await store.commitSegments(commitOf({ from: { eventSeq: 12, changeId: 3 }, to: { eventSeq: 13, changeId: 3 } }))).toBe(true);
    });
  });
}
