import type { PoolClient } from 'pg';
import { identityKey, type Identifier } from '../../identity/identifiers.ts';
import { searchName } from '../identity-rows.ts';
import type {
  IdentitySnapshot, LoadedProfile, MergeChange, SnapshotData, SnapshotIdentity, SnapshotProfile,
} from './identity-snapshot.ts';
import { lockInOrder, lockKey } from './transaction.ts';

/** A profile row locked by this transaction, with the newest stamp written for it. */
export interface LockedProfile extends LoadedProfile {
  lastStamp: number;
}

interface ProfileRow {
  id: string;
  workspace_id: string;
  created_at: number;
  merged_into: string | null;
  state: string;
  identifier_counts: Record<string, number>;
  last_stamp: number;
}

/**
 * Locks and reads the part of the identity graph that events carrying `wanted` identifiers can touch.
 *
 * An identifier nobody holds yet is guarded by an advisory lock on its hash: whoever holds the lock
 * may attach it. An identifier a profile holds is guarded by that profile's row lock: moving it (a
 * merge, an unmerge) or counting a conflict on it needs the profile. Owners are read, the missing locks
 * taken, and the owners read again until a read finds every lock already held; from then on nobody
 * else can change what was read. Locks of each round are taken in key order; a later round can still
 * meet another transaction in a circle, which Postgres reports as a deadlock and the caller retries.
 *
 * Advisory locks take room in the server's shared lock table, so at most `maxAdvisoryLocks` are taken;
 * new identifiers beyond them go unlocked. Those are still safe: the identities primary key lets only
 * one transaction insert an identifier, and the other fails with a unique violation and runs again.
 */
export async function lockIdentityGraph(
  client: PoolClient,
  wanted: Array<{ workspaceId: string; identifier: Identifier }>,
  maxAdvisoryLocks: number,
): Promise<{
  data: SnapshotData;
  stampFloor: number;
}> {
  const byKey = new Map(wanted.map((entry) => [identityKey(entry.workspaceId, entry.identifier), entry]));
  const keys = [...byKey.values()];
  const advisoryHeld = new Set<string>();
  const locked = new Map<string, LockedProfile>();
  for (;;) {
    const owners = await readIdentities(client, keys);
    const needKeys: bigint[] = [];
    for (const [key, entry] of byKey) {
      if (owners.has(key) || advisoryHeld.has(key)) continue;
      advisoryHeld.add(key);
      if (advisoryHeld.size <= maxAdvisoryLocks) needKeys.push(lockKey('identity', entry.workspaceId, entry.identifier.type, entry.identifier.value));
    }
    const needProfiles = [...new Set([...owners.values()].map((row) => row.profile_id))].filter((id) => !locked.has(id));
    if (needKeys.length === 0 && needProfiles.length === 0) {
      const identities = new Map<string, SnapshotIdentity>();
      const profiles = new Map<string, LoadedProfile>();
      let stampFloor = 0;
      for (const [key, entry] of byKey) {
        const row = owners.get(key);
        identities.set(key, { workspaceId: entry.workspaceId, identifier: entry.identifier, owner: row?.profile_id ?? null, conflicts: row?.conflicts ?? 0 });
        if (!row) continue;
        const profile = locked.get(row.profile_id)!;
        if (profile.mergedInto !== null) throw new Error(`identity ${entry.identifier.type} "${entry.identifier.value}" points at merged profile ${profile.id}`);
        profiles.set(profile.id, profile);
        stampFloor = Math.max(stampFloor, profile.lastStamp);
      }
      return { data: { identities, profiles, keptApart: await readKeptApart(client, [...profiles.values()]) }, stampFloor };
    }
    await lockInOrder(client, needKeys);
    for (const profile of await lockProfiles(client, needProfiles)) locked.set(profile.id, profile);
  }
}

/** Locks profile rows in id order and reads them as they are once locked. */
export async function lockProfiles(client: PoolClient, ids: string[]): Promise<LockedProfile[]> {
  if (ids.length === 0) return [];
  const { rows } = await client.query<ProfileRow>(
    `SELECT id, workspace_id, created_at, merged_into, state, identifier_counts, last_stamp
     FROM profiles WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [ids],
  );
  return rows.map((row) => ({
    id: row.id, workspaceId: row.workspace_id, createdAt: row.created_at, identifierCounts: row.identifier_counts,
    stateJson: row.state, mergedInto: row.merged_into, lastStamp: row.last_stamp,
  }));
}

async function readIdentities(client: PoolClient, wanted: Array<{ workspaceId: string; identifier: Identifier }>) {
  const owners = new Map<string, { profile_id: string; conflicts: number }>();
  if (wanted.length === 0) return owners;
  const { rows } = await client.query<{ workspace_id: string; type: string; value: string; profile_id: string; conflicts: number }>(
    `SELECT i.workspace_id, i.type, i.value, i.profile_id, i.conflicts
     FROM unnest($1::text[], $2::text[], $3::text[]) AS u(w, t, v)
     JOIN identities i ON i.workspace_id = u.w AND i.type = u.t AND i.value = u.v`,
    [wanted.map((entry) => entry.workspaceId), wanted.map((entry) => entry.identifier.type), wanted.map((entry) => entry.identifier.value)],
  );
  for (const row of rows) owners.set(identityKey(row.workspace_id, { type: row.type, value: row.value }), row);
  return owners;
}

async function readKeptApart(client: PoolClient, profiles: LoadedProfile[]): Promise<Array<[string, string]>> {
  if (profiles.length === 0) return [];
  const workspaces = [...new Set(profiles.map((profile) => profile.workspaceId))];
  const ids = profiles.map((profile) => profile.id);
  const { rows } = await client.query<{ a: string; b: string }>(
    `SELECT a, b FROM kept_apart WHERE workspace_id = ANY($1::text[]) AND a = ANY($2::text[])
     UNION SELECT a, b FROM kept_apart WHERE workspace_id = ANY($1::text[]) AND b = ANY($2::text[])`,
    [workspaces, ids],
  );
  return rows.map((row) => [row.a, row.b]);
}

/** Takes `count` ids from the merges sequence, so merges made in memory carry their real ids. */
export async function takeMergeIds(client: PoolClient, count: number): Promise<number[]> {
  const { rows } = await client.query<{ id: number }>(
    "SELECT nextval(pg_get_serial_sequence('merges', 'id')) AS id FROM generate_series(1, $1::int)",
    [count],
  );
  return rows.map((row) => row.id);
}

/**
 * Writes the merges of a snapshot in a fixed number of statements however many there are: every
 * absorbed profile's identities and events move straight to the profile that lives on at the end, and
 * each merge is logged with what its absorbed side held at that moment, worked out from the rows moved
 * (what each profile held before this transaction) and what the transaction attached before the merge.
 */
export async function writeMerges(client: PoolClient, merges: MergeChange[], keptApartMoved: boolean): Promise<void> {
  if (merges.length === 0) return;
  const into = new Map(merges.map((merge) => [merge.absorbedId, merge.survivorId]));
  const finalOf = (id: string) => {
    let current = id;
    while (into.has(current)) current = into.get(current)!;
    return current;
  };
  const absorbed = merges.map((merge) => merge.absorbedId);
  const roots = absorbed.map(finalOf);
  const { rows } = await client.query<{ held_by: string; type: string; value: string; added_at: number }>(
    `UPDATE identities i SET profile_id = m.root FROM unnest($1::text[], $2::text[], $3::text[]) AS m(w, absorbed, root)
     WHERE i.workspace_id = m.w AND i.profile_id = m.absorbed RETURNING m.absorbed AS held_by, i.type, i.value, i.added_at`,
    [merges.map((merge) => merge.workspaceId), absorbed, roots],
  );
  await client.query(
    'UPDATE events e SET profile_id = m.root FROM unnest($1::text[], $2::text[]) AS m(absorbed, root) WHERE e.profile_id = m.absorbed',
    [absorbed, roots],
  );
  if (keptApartMoved) {
    // Rare (a customer unmerged before): moved one merge at a time, in order, so pairs never collide.
    for (const merge of merges) {
      for (const column of ['a', 'b'] as const) {
        const other = column === 'a' ? 'b' : 'a';
        await client.query(
          `UPDATE kept_apart k SET ${column} = $2 WHERE k.workspace_id = $1 AND k.${column} = $3
           AND NOT EXISTS (SELECT 1 FROM kept_apart o WHERE o.workspace_id = $1 AND o.${column} = $2 AND o.${other} = k.${other})`,
          [merge.workspaceId, merge.survivorId, merge.absorbedId],
        );
      }
    }
  }

  // What each profile held in the table, as merges made earlier in this transaction added to it.
  const held = new Map<string, Array<Identifier & { addedAt: number }>>();
  for (const row of rows) {
    const list = held.get(row.held_by) ?? [];
    list.push({ type: row.type, value: row.value, addedAt: row.added_at });
    held.set(row.held_by, list);
  }
  const absorbedIdentifiers = merges.map((merge) => {
    const theirs = [...(held.get(merge.absorbedId) ?? []), ...merge.attachedEarlier];
    held.set(merge.survivorId, [...(held.get(merge.survivorId) ?? []), ...(held.get(merge.absorbedId) ?? [])]);
    theirs.sort((a, b) => a.addedAt - b.addedAt || compare(a.type, b.type) || compare(a.value, b.value));
    return JSON.stringify(theirs.map(({ type, value }) => ({ type, value })));
  });
  await client.query(
    `INSERT INTO merges (id, workspace_id, survivor_id, absorbed_id, absorbed_identifiers, linking_identifiers, message_id, rule, created_at)
     SELECT id, w, s, a, ai::json, li::json, m, r, c
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[])
       AS u(id, w, s, a, ai, li, m, r, c)`,
    [
      merges.map((merge) => merge.id), merges.map((merge) => merge.workspaceId), merges.map((merge) => merge.survivorId), absorbed,
      absorbedIdentifiers, merges.map((merge) => JSON.stringify(merge.linkingIdentifiers.map(({ type, value }) => ({ type, value })))),
      merges.map((merge) => merge.messageId), merges.map((merge) => merge.rule), merges.map((merge) => merge.at),
    ],
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Inserts the identities the snapshot attached (at the profile holding them at the end) and saves conflict counts. */
export async function writeIdentities(client: PoolClient, snapshot: IdentitySnapshot): Promise<void> {
  const attached = snapshot.attachedIdentities();
  if (attached.length > 0) {
    await client.query(
      `INSERT INTO identities (workspace_id, type, value, profile_id, added_at, conflicts)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[])`,
      [
        attached.map((identity) => identity.workspaceId), attached.map((identity) => identity.identifier.type),
        attached.map((identity) => identity.identifier.value), attached.map((identity) => identity.owner),
        attached.map((identity) => identity.addedAt), attached.map((identity) => identity.conflicts),
      ],
    );
  }
  const conflicts = snapshot.conflictUpdates();
  if (conflicts.length > 0) {
    await client.query(
      `UPDATE identities i SET conflicts = u.c FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS u(w, t, v, c)
       WHERE i.workspace_id = u.w AND i.type = u.t AND i.value = u.v`,
      [
        conflicts.map((identity) => identity.workspaceId), conflicts.map((identity) => identity.identifier.type),
        conflicts.map((identity) => identity.identifier.value), conflicts.map((identity) => identity.conflicts),
      ],
    );
  }
}

/** Inserts new profiles and saves the state, counts and merge pointer of changed ones, in one statement. */
export async function writeProfiles(client: PoolClient, profiles: SnapshotProfile[], lastStamp: number, now: number): Promise<void> {
  if (profiles.length === 0) return;
  await client.query(
    `INSERT INTO profiles (id, workspace_id, created_at, updated_at, merged_into, state, identifier_counts, search_name, last_stamp)
     SELECT id, w, c, $4, m, s::json, n::jsonb, sn, $5 FROM unnest($1::text[], $2::text[], $3::bigint[], $6::text[], $7::text[], $8::text[], $9::text[])
       AS u(id, w, c, m, s, n, sn)
     ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, merged_into = excluded.merged_into, state = excluded.state,
       identifier_counts = excluded.identifier_counts, search_name = excluded.search_name, last_stamp = excluded.last_stamp`,
    [
      profiles.map((profile) => profile.id), profiles.map((profile) => profile.workspaceId), profiles.map((profile) => profile.createdAt),
      now, lastStamp, profiles.map((profile) => profile.mergedInto), profiles.map((profile) => JSON.stringify(profile.state)),
      profiles.map((profile) => JSON.stringify(profile.identifierCounts)), profiles.map((profile) => searchName(profile.state)),
    ],
  );
}

/** A row of the profile change feed, before it gets its id. */
export interface NewProfileChange {
  workspaceId: string;
  kind: 'merge' | 'unmerge';
  profileId: string;
  otherProfileId: string;
  movedEventSeqs: number[] | null;
  at: number;
}

/** Appends to the profile change feed; call it after the feed lock so ids follow commit order. */
export async function insertProfileChanges(client: PoolClient, changes: NewProfileChange[]): Promise<void> {
  if (changes.length === 0) return;
  await client.query(
    `INSERT INTO profile_changes (workspace_id, kind, profile_id, other_profile_id, moved_event_seqs, at)
     SELECT w, k, p, o, CASE WHEN m IS NULL THEN NULL ELSE m::bigint[] END, a
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS u(w, k, p, o, m, a)`,
    [
      changes.map((change) => change.workspaceId), changes.map((change) => change.kind), changes.map((change) => change.profileId),
      changes.map((change) => change.otherProfileId),
      changes.map((change) => (change.movedEventSeqs ? `{${change.movedEventSeqs.join(',')}}` : null)),
      changes.map((change) => change.at),
    ],
  );
}
