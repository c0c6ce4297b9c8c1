import type { StoredEvent } from '../../core/event-schema.ts';
import { identityKey, type Identifier } from '../../identity/identifiers.ts';
import type { MergeRecord, ProfileEvent, ProfileRecord, UnmergeTx } from '../../identity/identity-port.ts';
import { applyEvent, combineStates, emptyProfileState, type ProfileState } from '../../identity/profile-state.ts';
import { newProfileId } from '../ids.ts';

/** A profile as loaded (and locked) for one transaction, or created in it. */
export interface SnapshotProfile extends ProfileRecord {
  mergedInto: string | null;
  isNew: boolean;
}

/** An identity as loaded for one transaction; `owner` null means nobody holds it yet. */
export interface SnapshotIdentity {
  workspaceId: string;
  identifier: Identifier;
  owner: string | null;
  conflicts: number;
  /** Set when this transaction attached it: it is inserted at write-back. */
  addedAt?: number;
  conflictsChanged?: boolean;
}

/** What an unmerge reads besides the profiles: the merge, the merge chains, and the root's identifiers and events. */
export interface UnmergeData {
  merge: MergeRecord;
  /** merged_into of every profile on the chains the unmerge follows. */
  mergedInto: Map<string, string | null>;
  identifiers: Map<string, Array<Identifier & { addedAt: number }>>;
  events: Map<string, ProfileEvent[]>;
}

/** A profile row as read: the state stays JSON text until a snapshot parses its own copy. */
export interface LoadedProfile {
  id: string;
  workspaceId: string;
  createdAt: number;
  identifierCounts: Record<string, number>;
  stateJson: string;
  mergedInto: string | null;
}

/** Everything the resolver or unmerge may ask about, read under the transaction's locks. */
export interface SnapshotData {
  identities: Map<string, SnapshotIdentity>;
  profiles: Map<string, LoadedProfile>;
  /** Pairs an unmerge keeps apart, among the loaded profiles. */
  keptApart: Array<[string, string]>;
  unmerge?: UnmergeData;
}

/** One merge made in the transaction, in the order made: the write-back replays them. */
export interface MergeChange {
  id: number;
  workspaceId: string;
  survivorId: string;
  absorbedId: string;
  linkingIdentifiers: Identifier[];
  messageId: string;
  rule: string;
  at: number;
  /** Identifiers attached to the absorbed side earlier in this transaction (not yet in the table). */
  attachedEarlier: Array<Identifier & { addedAt: number }>;
}

/** What an unmerge changed, written back in this order. */
export interface UnmergeChanges {
  revived: string[];
  owners: Array<{ workspaceId: string; identifier: Identifier; profileId: string }>;
  movedEvents: Array<{ seqs: number[]; profileId: string }>;
  states: Array<{ profileId: string; state: ProfileState }>;
  undone: Array<{ mergeId: number; at: number }>;
  keptApart: Array<{ workspaceId: string; a: string; b: string; mergeId: number }>;
}

/**
 * The identity graph of one Postgres transaction, held in memory: the synchronous resolver and unmerge
 * run against data read (and locked) beforehand, and the store writes what they changed afterwards.
 * Asking for anything that was not read is a bug in the prefetch, so it throws rather than guess.
 */
export class IdentitySnapshot implements UnmergeTx {
  private readonly identities: Map<string, SnapshotIdentity>;
  private readonly profiles: Map<string, SnapshotProfile>;
  private readonly apart = new Set<string>();
  private readonly absorbedInto = new Map<string, string>();
  private readonly attachedTo = new Map<string, Array<Identifier & { addedAt: number }>>();
  private readonly unmergeData: UnmergeData | undefined;
  private readonly stamp: () => number;
  private readonly mergeIds: number[];
  private placeholder = 0;
  /** True once a merge moved a kept-apart pair: the table's rows must then move too. */
  keptApartMoved = false;
  readonly merges: MergeChange[] = [];
  readonly dirty = new Set<string>();
  readonly unmergeChanges: UnmergeChanges = { revived: [], owners: [], movedEvents: [], states: [], undone: [], keptApart: [] };

  /**
   * The data is copied, so a transaction that is retried can build a fresh snapshot from the same reads.
   * `mergeIds` are ids taken from the merges sequence; a merge beyond them gets a negative placeholder
   * and `placeholderMerges` tells the caller to take more ids and run again.
   */
  constructor(data: SnapshotData, stamp: () => number, mergeIds: number[] = []) {
    this.identities = new Map([...data.identities].map(([key, identity]) => [key, { ...identity }]));
    this.profiles = new Map([...data.profiles].map(([id, profile]) => [id, {
      id, workspaceId: profile.workspaceId, createdAt: profile.createdAt, identifierCounts: { ...profile.identifierCounts },
      state: JSON.parse(profile.stateJson) as ProfileState, mergedInto: profile.mergedInto, isNew: false,
    }]));
    for (const [a, b] of data.keptApart) this.apart.add(pairKey(a, b));
    this.unmergeData = data.unmerge;
    this.stamp = stamp;
    this.mergeIds = [...mergeIds];
  }

  get placeholderMerges(): number {
    return this.placeholder;
  }

  ownerOf(workspaceId: string, identifier: Identifier): string | null {
    const owner = this.identity(workspaceId, identifier).owner;
    return owner === null ? null : this.liveId(owner);
  }

  conflictsOf(workspaceId: string, identifier: Identifier): number {
    return this.identity(workspaceId, identifier).conflicts;
  }

  recordConflict(workspaceId: string, identifier: Identifier): void {
    const identity = this.identity(workspaceId, identifier);
    // Only identities that exist count conflicts, as an UPDATE of a missing row changes nothing.
    if (identity.owner === null) return;
    identity.conflicts += 1;
    identity.conflictsChanged = true;
  }

  profile(id: string): ProfileRecord {
    const profile = this.profiles.get(id);
    if (!profile) throw new Error(`profile ${id} was not read for this transaction`);
    return profile;
  }

  createProfile(workspaceId: string, at: number): ProfileRecord {
    const profile: SnapshotProfile = {
      id: newProfileId(), workspaceId, createdAt: at, identifierCounts: {}, state: emptyProfileState(), mergedInto: null, isNew: true,
    };
    this.profiles.set(profile.id, profile);
    this.dirty.add(profile.id);
    return profile;
  }

  attach(profileId: string, identifier: Identifier): void {
    const profile = this.profiles.get(profileId)!;
    const identity = this.identity(profile.workspaceId, identifier);
    identity.owner = profileId;
    identity.addedAt = this.stamp();
    profile.identifierCounts[identifier.type] = (profile.identifierCounts[identifier.type] ?? 0) + 1;
    this.dirty.add(profileId);
    const attached = this.attachedTo.get(profileId) ?? [];
    attached.push({ type: identifier.type, value: identifier.value, addedAt: identity.addedAt });
    this.attachedTo.set(profileId, attached);
  }

  merge(survivorId: string, absorbedId: string, link: { linkingIdentifiers: Identifier[]; messageId: string; rule: string; at: number }): number {
    const survivor = this.profiles.get(survivorId)!;
    const absorbed = this.profiles.get(absorbedId)!;
    const id = this.mergeIds.shift() ?? -++this.placeholder;
    const attachedEarlier = this.attachedTo.get(absorbedId) ?? [];
    this.merges.push({
      id, workspaceId: survivor.workspaceId, survivorId, absorbedId, linkingIdentifiers: link.linkingIdentifiers,
      messageId: link.messageId, rule: link.rule, at: this.stamp(), attachedEarlier,
    });
    this.attachedTo.set(survivorId, [...(this.attachedTo.get(survivorId) ?? []), ...attachedEarlier]);
    this.attachedTo.delete(absorbedId);
    for (const [type, count] of Object.entries(absorbed.identifierCounts)) {
      survivor.identifierCounts[type] = (survivor.identifierCounts[type] ?? 0) + count;
    }
    survivor.state = combineStates(survivor.state, absorbed.state);
    absorbed.mergedInto = survivorId;
    this.absorbedInto.set(absorbedId, survivorId);
    // Kept-apart pairs follow the absorbed profile to its survivor, as the table's rows do.
    for (const pair of [...this.apart]) {
      const [a, b] = pair.split('\u0000') as [string, string];
      if (a !== absorbedId && b !== absorbedId) continue;
      this.apart.add(pairKey(a === absorbedId ? survivorId : a, b === absorbedId ? survivorId : b));
      this.keptApartMoved = true;
    }
    this.dirty.add(survivorId).add(absorbedId);
    return id;
  }

  keptApart(a: string, b: string): boolean {
    return this.apart.has(pairKey(a, b)) || this.apart.has(pairKey(b, a));
  }

  /** Folds a newly stored event into the profile it now lives on. */
  applyEvent(profileId: string, event: StoredEvent, seq: number): void {
    const live = this.liveId(profileId);
    applyEvent(this.profiles.get(live)!.state, event, seq);
    this.dirty.add(live);
  }

  /** The profile an absorbed one lives on now, following merges made in this transaction. */
  liveId(profileId: string): string {
    let id = profileId;
    while (this.absorbedInto.has(id)) id = this.absorbedInto.get(id)!;
    return id;
  }

  /** Identities this transaction attached, each with the profile that holds it at the end. */
  attachedIdentities(): Array<SnapshotIdentity & { owner: string; addedAt: number }> {
    const attached: Array<SnapshotIdentity & { owner: string; addedAt: number }> = [];
    for (const identity of this.identities.values()) {
      if (identity.addedAt !== undefined && identity.owner !== null) attached.push({ ...identity, owner: this.liveId(identity.owner), addedAt: identity.addedAt });
    }
    return attached;
  }

  /** Identities that existed before and had a conflict recorded. */
  conflictUpdates(): SnapshotIdentity[] {
    return [...this.identities.values()].filter((identity) => identity.addedAt === undefined && identity.conflictsChanged);
  }

  changedProfiles(): SnapshotProfile[] {
    return [...this.dirty].map((id) => this.profiles.get(id)!);
  }

  private identity(workspaceId: string, identifier: Identifier): SnapshotIdentity {
    const identity = this.identities.get(identityKey(workspaceId, identifier));
    if (!identity) throw new Error(`identity ${identifier.type} "${identifier.value}" was not read for this transaction`);
    return identity;
  }

  // What unmerge reads and changes. It reads everything before it changes anything, so the reads come
  // from the snapshot and the changes are only recorded.

  mergeRecord(workspaceId: string, id: number): MergeRecord | null {
    const merge = this.unmerge().merge;
    return merge.id === id && merge.workspaceId === workspaceId ? merge : null;
  }

  identifiersOf(profileId: string): Array<Identifier & { addedAt: number }> {
    const identifiers = this.unmerge().identifiers.get(profileId);
    if (!identifiers) throw new Error(`identifiers of ${profileId} were not read for this transaction`);
    return identifiers;
  }

  rootOf(profileId: string): string {
    const chains = this.unmerge().mergedInto;
    let id = profileId;
    for (;;) {
      if (!chains.has(id)) throw new Error(`the merge chain of ${profileId} was not read for this transaction`);
      const next = chains.get(id)!;
      if (next === null) return id;
      id = next;
    }
  }

  eventsOf(profileId: string): ProfileEvent[] {
    const events = this.unmerge().events.get(profileId);
    if (!events) throw new Error(`events of ${profileId} were not read for this transaction`);
    return events;
  }

  moveEvents(seqs: number[], profileId: string): void {
    this.unmergeChanges.movedEvents.push({ seqs, profileId });
  }

  setOwner(workspaceId: string, identifier: Identifier, profileId: string): void {
    this.unmergeChanges.owners.push({ workspaceId, identifier, profileId });
  }

  revive(profileId: string): void {
    this.unmergeChanges.revived.push(profileId);
  }

  replaceState(profileId: string, state: ProfileState): void {
    this.unmergeChanges.states.push({ profileId, state });
  }

  markUndone(mergeId: number, at: number): void {
    this.unmergeChanges.undone.push({ mergeId, at });
  }

  keepApart(workspaceId: string, a: string, b: string, mergeId: number): void {
    this.unmergeChanges.keptApart.push({ workspaceId, a, b, mergeId });
  }

  private unmerge(): UnmergeData {
    if (!this.unmergeData) throw new Error('this transaction did not read what an unmerge needs');
    return this.unmergeData;
  }
}

function pairKey(a: string, b: string): string {
  return `${a}\u0000${b}`;
}
