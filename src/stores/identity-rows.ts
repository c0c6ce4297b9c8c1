import type { Identifier } from '../identity/identifiers.ts';
import type { MergeRecord } from '../identity/identity-port.ts';
import { displayName, type ProfileState } from '../identity/profile-state.ts';
import type { ProfileChange, ProfileView } from './ports.ts';

/** A merges row as both engines give it: JSON columns as text, times and ids as numbers. */
export interface MergeRow {
  id: number;
  workspace_id: string;
  survivor_id: string;
  absorbed_id: string;
  absorbed_identifiers: string;
  linking_identifiers: string;
  message_id: string;
  rule: string;
  created_at: number;
  undone_at: number | null;
}

/** A merges row as the merge log's record. */
export function toMergeRecord(row: MergeRow): MergeRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    survivorId: row.survivor_id,
    absorbedId: row.absorbed_id,
    absorbedIdentifiers: JSON.parse(row.absorbed_identifiers) as Identifier[],
    linkingIdentifiers: JSON.parse(row.linking_identifiers) as Identifier[],
    messageId: row.message_id,
    rule: row.rule,
    createdAt: row.created_at,
    undoneAt: row.undone_at,
  };
}

/** The identities columns a profile view shows. */
export interface IdentityRow {
  type: string;
  value: string;
  added_at: number;
}

/**
 * A profile as the port shows it, from its live row, its identities and the merges that joined it;
 * `requestedId` is the id asked for, which may be one absorbed into `row`.
 */
export function toProfileView(
  requestedId: string, row: { id: string; created_at: number; updated_at: number; state: string }, identities: IdentityRow[], merges: MergeRow[],
): { profile: ProfileView; mergedFrom: string | null } {
  const state = JSON.parse(row.state) as ProfileState;
  return {
    mergedFrom: row.id === requestedId ? null : requestedId,
    profile: {
      ...state, id: row.id, createdAt: row.created_at, updatedAt: row.updated_at, displayName: displayName(state),
      identifiers: identities.map((identity) => ({ type: identity.type, value: identity.value, addedAt: identity.added_at })),
      merges: merges.map(toMergeRecord),
    },
  };
}

/** The profile_changes columns both engines give alike; `moved_event_seqs` is stored differently and decoded by the adapter. */
export interface ProfileChangeRow {
  id: number;
  workspace_id: string;
  kind: string;
  profile_id: string;
  other_profile_id: string;
  at: number;
}

/** A profile_changes row as a feed entry; `movedEventSeqs` decodes the engine's column, for unmerges only. */
export function toProfileChange(row: ProfileChangeRow, movedEventSeqs: () => number[]): ProfileChange {
  if (row.kind === 'merge') {
    return { id: row.id, workspaceId: row.workspace_id, kind: 'merge', profileId: row.profile_id, intoProfileId: row.other_profile_id, at: row.at };
  }
  return {
    id: row.id, workspaceId: row.workspace_id, kind: 'unmerge', profileId: row.profile_id, fromProfileId: row.other_profile_id,
    movedEventSeqs: movedEventSeqs(), at: row.at,
  };
}

/** The lower-cased display name the profile name search matches, or null for a profile without one. */
export function searchName(state: ProfileState): string | null {
  return displayName(state)?.toLowerCase() ?? null;
}

/** The two LIKE patterns (with ESCAPE '\\') that find `text` at the start of a search name or of a word in it. */
export function searchNamePatterns(text: string): [string, string] {
  const like = escapeLike(text.toLowerCase());
  return [`${like}%`, `% ${like}%`];
}

/** `text` with LIKE's wildcards and escape character escaped by a backslash. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
