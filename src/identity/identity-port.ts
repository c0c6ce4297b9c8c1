import type { StoredEvent } from '../core/event-schema.ts';
import type { Identifier } from './identifiers.ts';
import type { ProfileState } from './profile-state.ts';

/** A profile as identity resolution sees it. */
export interface ProfileRecord {
  id: string;
  workspaceId: string;
  createdAt: number;
  /** How many identifiers of each type the profile holds: what the limits are checked against. */
  identifierCounts: Record<string, number>;
  state: ProfileState;
}

/** What one merge joined, and why; kept so the merge can be explained and undone. */
export interface MergeRecord {
  id: number;
  workspaceId: string;
  survivorId: string;
  absorbedId: string;
  /** The identifiers the absorbed profile held when it was absorbed: what an unmerge gives back. */
  absorbedIdentifiers: Identifier[];
  /** The identifiers of the event that tied the two profiles together. */
  linkingIdentifiers: Identifier[];
  messageId: string;
  rule: string;
  createdAt: number;
  undoneAt: number | null;
}

/**
 * The identity graph inside one store transaction. Calls are synchronous: resolution runs inside
 * the commit that stores the events, so two events of one customer can never race.
 */
export interface IdentityTx {
  /** The live profile that holds this identifier now, if any. */
  ownerOf(workspaceId: string, identifier: Identifier): string | null;
  /** How often this identifier tied different customers together and a guard refused it. */
  conflictsOf(workspaceId: string, identifier: Identifier): number;
  recordConflict(workspaceId: string, identifier: Identifier): void;
  profile(id: string): ProfileRecord;
  createProfile(workspaceId: string, at: number): ProfileRecord;
  attach(profileId: string, identifier: Identifier): void;
  /** Joins `absorbedId` into `survivorId`: identifiers, events and state; logs the merge and returns its id. */
  merge(survivorId: string, absorbedId: string, link: { linkingIdentifiers: Identifier[]; messageId: string; rule: string; at: number }): number;
  /** True when an unmerge asked for these two profiles to stay apart. */
  keptApart(a: string, b: string): boolean;
}

/** A stored event of a profile, with the identifiers it linked by. */
export interface ProfileEvent {
  seq: number;
  event: StoredEvent;
  identifiers: Identifier[];
}

/** What an unmerge needs besides resolution: the merge log, a profile's events, and moving them. */
export interface UnmergeTx extends IdentityTx {
  mergeRecord(workspaceId: string, id: number): MergeRecord | null;
  /** The identifiers a profile holds now, with when each was added. */
  identifiersOf(profileId: string): Array<Identifier & { addedAt: number }>;
  /** Follows merged_into links to the live profile. */
  rootOf(profileId: string): string;
  eventsOf(profileId: string): ProfileEvent[];
  moveEvents(seqs: number[], profileId: string): void;
  setOwner(workspaceId: string, identifier: Identifier, profileId: string): void;
  revive(profileId: string): void;
  replaceState(profileId: string, state: ProfileState): void;
  markUndone(mergeId: number, at: number): void;
  keepApart(workspaceId: string, a: string, b: string, mergeId: number): void;
}
