import type { IdentityRules } from '../core/identity-rules.ts';
import { CentricError } from '../core/errors.ts';
import { identifierKey, priorityOf, type Identifier } from './identifiers.ts';
import type { ProfileEvent, UnmergeTx } from './identity-port.ts';
import { applyEvent, emptyProfileState } from './profile-state.ts';

export interface UnmergeResult {
  mergeId: number;
  restoredProfileId: string;
  survivingProfileId: string;
  movedIdentifiers: Identifier[];
  movedEvents: number;
}

/**
 * Reverses one merge. The absorbed profile comes back with the identifiers it held when it was
 * absorbed, and with every event that linked by them; identifiers that arrived after the merge follow
 * the events that brought them. An event that carries identifiers of both sides stays with the side
 * of its highest-priority identifier. Both profiles' traits are then recomputed from their own events,
 * and the two are kept apart from then on.
 */
export function unmerge(tx: UnmergeTx, rules: IdentityRules, workspaceId: string, mergeId: number, at: number): UnmergeResult {
  const merge = tx.mergeRecord(workspaceId, mergeId);
  if (!merge) throw new CentricError('CENTRIC_ERR_MERGE_NOT_FOUND', `no merge with id ${mergeId}`);
  if (merge.undoneAt !== null) throw new CentricError('CENTRIC_ERR_MERGE_ALREADY_UNDONE', `merge ${mergeId} was already undone`);
  const root = tx.rootOf(merge.survivorId);
  if (tx.rootOf(merge.absorbedId) !== root) {
    throw new CentricError('CENTRIC_ERR_MERGE_ALREADY_UNDONE', `the profiles of merge ${mergeId} are no longer joined`);
  }

  // What each side held at the merge: the absorbed side as logged, the survivor everything older.
  // Identifiers added later have no side yet; they follow the events that brought them.
  const side = new Map<string, 'restored' | 'survivor'>();
  for (const identifier of merge.absorbedIdentifiers) side.set(identifierKey(identifier), 'restored');
  const current = tx.identifiersOf(root);
  for (const identifier of current) {
    const key = identifierKey(identifier);
    if (!side.has(key) && identifier.addedAt <= merge.createdAt) side.set(key, 'survivor');
  }

  const events = tx.eventsOf(root);
  const restoredEvents: ProfileEvent[] = [];
  const survivorEvents: ProfileEvent[] = [];
  for (const entry of events) {
    const chosen = sideOf(entry.identifiers, side, rules);
    for (const identifier of entry.identifiers) if (!side.has(identifierKey(identifier))) side.set(identifierKey(identifier), chosen);
    (chosen === 'restored' ? restoredEvents : survivorEvents).push(entry);
  }

  const moved = current
    .filter((identifier) => side.get(identifierKey(identifier)) === 'restored')
    .map((identifier) => ({ type: identifier.type, value: identifier.value }));
  tx.revive(merge.absorbedId);
  for (const identifier of moved) tx.setOwner(workspaceId, identifier, merge.absorbedId);
  tx.moveEvents(restoredEvents.map((entry) => entry.seq), merge.absorbedId);
  tx.replaceState(merge.absorbedId, foldEvents(restoredEvents));
  tx.replaceState(root, foldEvents(survivorEvents));
  tx.markUndone(mergeId, at);
  tx.keepApart(workspaceId, root, merge.absorbedId, mergeId);
  return { mergeId, restoredProfileId: merge.absorbedId, survivingProfileId: root, movedIdentifiers: moved, movedEvents: restoredEvents.length };
}

function sideOf(identifiers: Identifier[], side: Map<string, 'restored' | 'survivor'>, rules: IdentityRules): 'restored' | 'survivor' {
  let best: { priority: number; side: 'restored' | 'survivor' } | null = null;
  for (const identifier of identifiers) {
    const known = side.get(identifierKey(identifier));
    if (!known) continue;
    const priority = priorityOf(identifier.type, rules);
    if (!best || priority > best.priority) best = { priority, side: known };
  }
  // Identifiers neither side held (from a profile joined later) stay with the survivor.
  return best?.side ?? 'survivor';
}

function foldEvents(events: ProfileEvent[]) {
  const state = emptyProfileState();
  for (const entry of events) applyEvent(state, entry.event, entry.seq);
  return state;
}
