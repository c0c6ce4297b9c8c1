import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { StoredEvent } from '../../core/event-schema.ts';
import { eventFromRow, keptIdentifiers, type EventRow } from '../event-rows.ts';
import { searchName, toMergeRecord, type MergeRow } from '../identity-rows.ts';
import { newProfileId } from '../ids.ts';
import { identityKey, type Identifier } from '../../identity/identifiers.ts';
import type { MergeRecord, ProfileEvent, ProfileRecord, UnmergeTx } from '../../identity/identity-port.ts';
import { applyEvent, combineStates, emptyProfileState, type ProfileState } from '../../identity/profile-state.ts';

interface CachedProfile extends ProfileRecord {
  dirty: boolean;
}

/**
 * The identity graph on SQLite, used inside the transaction of one group commit. Profiles touched
 * in the group are cached and their state written once when the group is flushed.
 */
export class SqliteIdentityTx implements UnmergeTx {
  private readonly db: DatabaseSync;
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly cache = new Map<string, CachedProfile>();
  private readonly lookups = new Map<string, { owner: string | null; conflicts: number }>();
  /** Profiles merged away in this group, and where they went. */
  private readonly absorbedInto = new Map<string, string>();
  /** Events moved by an unmerge in this transaction, per profile they went to: what its profile change names. */
  readonly movedEventSeqs = new Map<string, number[]>();

  private readonly stamp: () => number;

  /** `stamp` gives strictly increasing times, so identities and merges order exactly. */
  constructor(db: DatabaseSync, statements: ReturnType<typeof prepareStatements>, stamp: () => number) {
    this.db = db;
    this.statements = statements;
    this.stamp = stamp;
  }

  ownerOf(workspaceId: string, identifier: Identifier): string | null {
    const entry = this.lookup(workspaceId, identifier);
    // Owners read before a merge in this group may have been absorbed since.
    while (entry.owner !== null && this.absorbedInto.has(entry.owner)) entry.owner = this.absorbedInto.get(entry.owner)!;
    return entry.owner;
  }

  conflictsOf(workspaceId: string, identifier: Identifier): number {
    return this.lookup(workspaceId, identifier).conflicts;
  }

  recordConflict(workspaceId: string, identifier: Identifier): void {
    this.statements.recordConflict.run(workspaceId, identifier.type, identifier.value);
    this.lookup(workspaceId, identifier).conflicts += 1;
  }

  /** One read per identifier and group: resolution asks for owner and conflicts together. */
  private lookup(workspaceId: string, identifier: Identifier): { owner: string | null; conflicts: number } {
    const key = identityKey(workspaceId, identifier);
    let entry = this.lookups.get(key);
    if (!entry) {
      const row = this.statements.owner.get(workspaceId, identifier.type, identifier.value) as { profile_id: string; conflicts: number } | undefined;
      entry = { owner: row?.profile_id ?? null, conflicts: row?.conflicts ?? 0 };
      this.lookups.set(key, entry);
    }
    return entry;
  }

  profile(id: string): ProfileRecord {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const row = this.statements.profile.get(id) as { id: string; workspace_id: string; created_at: number; state: string; identifier_counts: string } | undefined;
    if (!row) throw new Error(`profile ${id} does not exist`);
    const identifierCounts = JSON.parse(row.identifier_counts) as Record<string, number>;
    const profile: CachedProfile = {
      id: row.id,
      workspaceId: row.workspace_id,
      createdAt: row.created_at,
      identifierCounts,
      state: JSON.parse(row.state) as ProfileState,
      dirty: false,
    };
    this.cache.set(id, profile);
    return profile;
  }

  createProfile(workspaceId: string, at: number): ProfileRecord {
    const profile: CachedProfile = {
      id: newProfileId(), workspaceId, createdAt: at, identifierCounts: {}, state: emptyProfileState(), dirty: true,
    };
    this.statements.insertProfile.run(profile.id, workspaceId, at, at, JSON.stringify(profile.state));
    this.cache.set(profile.id, profile);
    return profile;
  }

  attach(profileId: string, identifier: Identifier): void {
    const profile = this.profile(profileId);
    this.statements.insertIdentity.run(profile.workspaceId, identifier.type, identifier.value, profileId, this.stamp());
    profile.identifierCounts[identifier.type] = (profile.identifierCounts[identifier.type] ?? 0) + 1;
    (profile as CachedProfile).dirty = true;
    this.lookup(profile.workspaceId, identifier).owner = profileId;
  }

  merge(survivorId: string, absorbedId: string, link: { linkingIdentifiers: Identifier[]; messageId: string; rule: string; at: number }): number {
    const survivor = this.profile(survivorId) as CachedProfile;
    const absorbed = this.profile(absorbedId) as CachedProfile;
    const absorbedIdentifiers = (this.statements.identifiersOf.all(absorbedId) as Array<{ type: string; value: string }>).map((row) => ({
      type: row.type,
      value: row.value,
    }));
    const mergedAt = this.stamp();
    const result = this.statements.insertMerge.run(
      survivor.workspaceId, survivorId, absorbedId, JSON.stringify(absorbedIdentifiers), JSON.stringify(link.linkingIdentifiers),
      link.messageId, link.rule, mergedAt,
    );
    // In the same commit as the events moving, so the analytics copy learns of the merge exactly once.
    this.statements.insertProfileChange.run(survivor.workspaceId, 'merge', absorbedId, survivorId, null, mergedAt);
    this.statements.moveIdentities.run(survivorId, absorbedId);
    this.statements.moveAllEvents.run(survivorId, absorbedId);
    this.statements.markMerged.run(survivorId, link.at, absorbedId);
    this.statements.moveKeptApartA.run(survivorId, absorbedId);
    this.statements.moveKeptApartB.run(survivorId, absorbedId);
    for (const [type, count] of Object.entries(absorbed.identifierCounts)) {
      survivor.identifierCounts[type] = (survivor.identifierCounts[type] ?? 0) + count;
    }
    this.absorbedInto.set(absorbedId, survivorId);
    survivor.state = combineStates(survivor.state, absorbed.state);
    survivor.dirty = true;
    this.cache.delete(absorbedId);
    return Number(result.lastInsertRowid);
  }

  keptApart(a: string, b: string): boolean {
    return this.statements.keptApart.get(a, b, b, a) !== undefined;
  }

  /** Folds a newly stored event into its profile's cached state. */
  applyEvent(profileId: string, event: StoredEvent, seq: number): void {
    const profile = this.profile(profileId) as CachedProfile;
    applyEvent(profile.state, event, seq);
    profile.dirty = true;
  }

  /** Writes the state of every profile the group changed. */
  flush(): void {
    const now = Date.now();
    for (const profile of this.cache.values()) {
      if (!profile.dirty) continue;
      this.statements.saveProfile.run(
        JSON.stringify(profile.state), JSON.stringify(profile.identifierCounts), searchName(profile.state), now, profile.id,
      );
      profile.dirty = false;
    }
    this.cache.clear();
    this.lookups.clear();
    this.absorbedInto.clear();
  }

  mergeRecord(workspaceId: string, id: number): MergeRecord | null {
    const row = this.statements.merge.get(workspaceId, id) as MergeRow | undefined;
    return row ? toMergeRecord(row) : null;
  }

  rootOf(profileId: string): string {
    let id = profileId;
    for (let hops = 0; hops < 10_000; hops++) {
      const row = this.statements.mergedInto.get(id) as { merged_into: string | null } | undefined;
      if (!row || row.merged_into === null) return id;
      id = row.merged_into;
    }
    throw new Error(`merge chain from ${profileId} does not end`);
  }

  eventsOf(profileId: string): ProfileEvent[] {
    return (this.statements.eventsOf.all(profileId) as unknown as EventRow[]).map((row) => ({
      seq: row.seq,
      event: eventFromRow(row),
      identifiers: keptIdentifiers(row.identifiers),
    }));
  }

  moveEvents(seqs: number[], profileId: string): void {
    for (const seq of seqs) this.statements.moveEvent.run(profileId, seq);
    const moved = this.movedEventSeqs.get(profileId) ?? [];
    moved.push(...seqs);
    this.movedEventSeqs.set(profileId, moved);
  }

  /** Logs an unmerge in the profile change feed: `profileId` lives again, with the events moved to it from `fromProfileId`. */
  recordUnmerge(workspaceId: string, profileId: string, fromProfileId: string, at: number): void {
    const moved = this.movedEventSeqs.get(profileId) ?? [];
    this.statements.insertProfileChange.run(workspaceId, 'unmerge', profileId, fromProfileId, JSON.stringify(moved), at);
  }

  setOwner(workspaceId: string, identifier: Identifier, profileId: string): void {
    this.statements.setOwner.run(profileId, workspaceId, identifier.type, identifier.value);
    this.cache.clear();
    this.lookups.clear();
    this.absorbedInto.clear();
  }

  revive(profileId: string): void {
    this.statements.revive.run(Date.now(), profileId);
    this.cache.delete(profileId);
  }

  /** Writes a recomputed state and recounts the profile's identifiers. */
  replaceState(profileId: string, state: ProfileState): void {
    const counts: Record<string, number> = {};
    for (const row of this.statements.countIdentifiers.all(profileId) as Array<{ type: string; n: number }>) counts[row.type] = row.n;
    this.statements.saveProfile.run(JSON.stringify(state), JSON.stringify(counts), searchName(state), Date.now(), profileId);
    this.cache.delete(profileId);
  }

  identifiersOf(profileId: string): Array<Identifier & { addedAt: number }> {
    return (this.statements.identifiersOf.all(profileId) as Array<{ type: string; value: string; added_at: number }>).map((row) => ({
      type: row.type,
      value: row.value,
      addedAt: row.added_at,
    }));
  }

  markUndone(mergeId: number, at: number): void {
    this.statements.markUndone.run(at, mergeId);
  }

  keepApart(workspaceId: string, a: string, b: string, mergeId: number): void {
    this.statements.keepApart.run(workspaceId, a, b, mergeId);
  }
}

export function prepareStatements(db: DatabaseSync) {
  const prepare = (sql: string): StatementSync => db.prepare(sql);
  return {
    owner: prepare('SELECT profile_id, conflicts FROM identities WHERE workspace_id = ? AND type = ? AND value = ?'),
    recordConflict: prepare('UPDATE identities SET conflicts = conflicts + 1 WHERE workspace_id = ? AND type = ? AND value = ?'),
    profile: prepare('SELECT id, workspace_id, created_at, state, identifier_counts FROM profiles WHERE id = ?'),
    identifiersOf: prepare('SELECT type, value, added_at FROM identities WHERE profile_id = ? ORDER BY added_at, type, value'),
    countIdentifiers: prepare('SELECT type, count(*) AS n FROM identities WHERE profile_id = ? GROUP BY type'),
    insertProfile: prepare('INSERT INTO profiles (id, workspace_id, created_at, updated_at, state) VALUES (?, ?, ?, ?, ?)'),
    insertIdentity: prepare('INSERT INTO identities (workspace_id, type, value, profile_id, added_at) VALUES (?, ?, ?, ?, ?)'),
    insertMerge: prepare(`INSERT INTO merges (workspace_id, survivor_id, absorbed_id, absorbed_identifiers,
      linking_identifiers, message_id, rule, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    moveIdentities: prepare('UPDATE identities SET profile_id = ? WHERE profile_id = ?'),
    moveAllEvents: prepare('UPDATE events SET profile_id = ? WHERE profile_id = ?'),
    markMerged: prepare('UPDATE profiles SET merged_into = ?, updated_at = ? WHERE id = ?'),
    moveKeptApartA: prepare('UPDATE OR IGNORE kept_apart SET a = ? WHERE a = ?'),
    moveKeptApartB: prepare('UPDATE OR IGNORE kept_apart SET b = ? WHERE b = ?'),
    keptApart: prepare('SELECT 1 FROM kept_apart WHERE (a = ? AND b = ?) OR (a = ? AND b = ?)'),
    saveProfile: prepare('UPDATE profiles SET state = ?, identifier_counts = ?, search_name = ?, updated_at = ? WHERE id = ?'),
    merge: prepare('SELECT * FROM merges WHERE workspace_id = ? AND id = ?'),
    mergedInto: prepare('SELECT merged_into FROM profiles WHERE id = ?'),
    eventsOf: prepare('SELECT * FROM events WHERE profile_id = ? ORDER BY seq'),
    moveEvent: prepare('UPDATE events SET profile_id = ? WHERE seq = ?'),
    setOwner: prepare('UPDATE identities SET profile_id = ? WHERE workspace_id = ? AND type = ? AND value = ?'),
    revive: prepare('UPDATE profiles SET merged_into = NULL, updated_at = ? WHERE id = ?'),
    markUndone: prepare('UPDATE merges SET undone_at = ? WHERE id = ?'),
    keepApart: prepare('INSERT OR IGNORE INTO kept_apart (workspace_id, a, b, merge_id) VALUES (?, ?, ?, ?)'),
    insertProfileChange: prepare(`INSERT INTO profile_changes (workspace_id, kind, profile_id, other_profile_id, moved_event_seqs, at)
      VALUES (?, ?, ?, ?, ?, ?)`),
  };
}
