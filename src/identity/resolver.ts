import type { IdentityRules } from '../core/identity-rules.ts';
import { identifierKey, priorityOf, type Identifier } from './identifiers.ts';
import type { IdentityTx, ProfileRecord } from './identity-port.ts';

export interface ResolveInput {
  workspaceId: string;
  messageId: string;
  identifiers: Identifier[];
  previousId?: string;
  at: number;
}

export interface Resolution {
  profileId: string;
  /** The identifiers that now point at the profile (carried by the event and kept). */
  kept: Identifier[];
  warnings: string[];
  mergeIds: number[];
}

/**
 * Finds the profile an event belongs to: creates one for unknown identifiers, attaches new ones,
 * and joins profiles the event links, unless a guard forbids it (per-type limits, the profile size
 * limit, an earlier unmerge). A refused join keeps the event's higher-priority identifiers and drops
 * the others from the event, with a warning.
 */
export function resolveIdentity(tx: IdentityTx, rules: IdentityRules, input: ResolveInput): Resolution {
  const warnings: string[] = [];
  const identifiers = withPreviousId(tx, input).filter((identifier) => {
    if (tx.conflictsOf(input.workspaceId, identifier) < rules.sharedAfterConflicts) return true;
    warnings.push(`${identifier.type} "${identifier.value}" was not used: it is shared by several customers`);
    return false;
  });
  const ordered = [...identifiers].sort((a, b) => priorityOf(b.type, rules) - priorityOf(a.type, rules));
  const owners = new Map<string, string | null>();
  for (const identifier of ordered) owners.set(identifierKey(identifier), tx.ownerOf(input.workspaceId, identifier));

  const profilesByPriority: string[] = [];
  for (const identifier of ordered) {
    const owner = owners.get(identifierKey(identifier));
    if (owner && !profilesByPriority.includes(owner)) profilesByPriority.push(owner);
  }
  const fresh = ordered.filter((identifier) => !owners.get(identifierKey(identifier)));

  const dropped = new Set<string>();
  const mergeIds: number[] = [];
  // When the event's strongest identifier is new, it leads: the event goes to the first known profile
  // it can join, or to a new customer when it can join none (a second user_id, say).
  const freshLeads = fresh.length > 0 && fresh[0] === ordered[0];
  const claim = freshLeads ? fresh : [];
  const linksTo = (profileId: string) => ordered.filter((identifier) => owners.get(identifierKey(identifier)) === profileId);
  let target: ProfileRecord =
    profilesByPriority.map((id) => tx.profile(id)).find((profile) => !freshLeads || joinRefusal(rules, [countsOf(fresh)], profile, linksTo(profile.id)) === null) ??
    tx.createProfile(input.workspaceId, input.at);

  for (const otherId of profilesByPriority) {
    if (otherId === target.id) continue;
    const other = tx.profile(otherId);
    const theirs = linksTo(otherId);
    const refusal = tx.keptApart(target.id, other.id)
      ? 'was undone before (unmerge keeps them apart)'
      : joinRefusal(rules, [target.identifierCounts, countsOf(claim)], other, theirs);
    if (refusal) {
      for (const identifier of theirs) {
        dropped.add(identifierKey(identifier));
        tx.recordConflict(input.workspaceId, identifier);
        warnings.push(`${identifier.type} "${identifier.value}" was not used: it belongs to another customer and joining them ${refusal}`);
      }
      continue;
    }
    const [survivor, absorbed] = survivorFirst(target, other);
    const targetId = target.id;
    const linking = ordered.filter((identifier) => {
      const owner = owners.get(identifierKey(identifier));
      return !dropped.has(identifierKey(identifier)) && (owner === targetId || owner === otherId || !owner);
    });
    mergeIds.push(tx.merge(survivor.id, absorbed.id, { linkingIdentifiers: linking, messageId: input.messageId, rule: 'shared identifier', at: input.at }));
    for (const [key, owner] of owners) if (owner === absorbed.id) owners.set(key, survivor.id);
    target = tx.profile(survivor.id);
  }

  for (const identifier of ordered) {
    const key = identifierKey(identifier);
    if (dropped.has(key) || owners.get(key)) continue;
    const refusal = attachRefusal(rules, target, identifier);
    if (refusal) {
      dropped.add(key);
      warnings.push(`${identifier.type} "${identifier.value}" was not added: ${refusal}`);
      continue;
    }
    tx.attach(target.id, identifier);
    owners.set(key, target.id);
  }
  if (ordered.length > 0 && ordered.every((identifier) => dropped.has(identifierKey(identifier)))) {
    warnings.push('no identifier of this event could be used; it was given a profile of its own');
  }
  return { profileId: target.id, kept: ordered.filter((identifier) => !dropped.has(identifierKey(identifier))), warnings, mergeIds };
}

/** An alias's previousId is whichever of user_id and anonymous_id the workspace already knows. */
function withPreviousId(tx: IdentityTx, input: ResolveInput): Identifier[] {
  if (input.previousId === undefined) return input.identifiers;
  const asUser = { type: 'user_id', value: input.previousId };
  const asAnonymous = { type: 'anonymous_id', value: input.previousId };
  const previous = tx.ownerOf(input.workspaceId, asUser) ? asUser : asAnonymous;
  const present = input.identifiers.some((identifier) => identifier.type === previous.type && identifier.value === previous.value);
  return present ? input.identifiers : [...input.identifiers, previous];
}

/** How many identifiers of each type a profile (or an event's new identifiers) holds. */
type Counts = Record<string, number>;

function countsOf(identifiers: Identifier[]): Counts {
  const counts: Counts = {};
  for (const identifier of identifiers) counts[identifier.type] = (counts[identifier.type] ?? 0) + 1;
  return counts;
}

function total(counts: Counts): number {
  let sum = 0;
  for (const count of Object.values(counts)) sum += count;
  return sum;
}

/**
 * Why `profile` cannot join the customer made of `side` through the event's identifiers `links` (those
 * `profile` holds), or null when it can. The groups never share an identifier, so counts add up.
 * Besides the limits, two customers who each already have an identifier of a limited type (an email
 * each, say) are joined only through an identifier at least that strong: a store's house card or a shared
 * cookie seen with two people's emails is no proof that they are one person.
 */
function joinRefusal(rules: IdentityRules, side: Counts[], profile: ProfileRecord, links: Identifier[]): string | null {
  const byType: Counts = { ...profile.identifierCounts };
  for (const group of side) for (const [type, count] of Object.entries(group)) byType[type] = (byType[type] ?? 0) + count;
  for (const [type, count] of Object.entries(byType)) {
    const limit = rules.types[type]?.limit ?? null;
    if (limit !== null && count > limit) return `would give one customer ${count} ${type} values (the limit is ${limit})`;
  }
  const all = total(byType);
  if (all > rules.maxIdentifiersPerProfile) return `would give one customer ${all} identifiers (the limit is ${rules.maxIdentifiersPerProfile})`;
  let strongest: Identifier | null = null;
  for (const link of links) if (!strongest || priorityOf(link.type, rules) > priorityOf(strongest.type, rules)) strongest = link;
  if (!strongest) return null;
  const linkPriority = priorityOf(strongest.type, rules);
  for (const [type, count] of Object.entries(profile.identifierCounts)) {
    // Only types a customer holds few of (a limit) tell two customers apart; everyone has several cookies and devices.
    if (count === 0 || (rules.types[type]?.limit ?? null) === null || priorityOf(type, rules) <= linkPriority) continue;
    if (side.some((group) => (group[type] ?? 0) > 0)) return `would join two customers who each have a ${type} only through a weaker ${strongest.type}`;
  }
  return null;
}

function attachRefusal(rules: IdentityRules, profile: ProfileRecord, identifier: Identifier): string | null {
  const limit = rules.types[identifier.type]?.limit ?? null;
  if (limit !== null) {
    const count = profile.identifierCounts[identifier.type] ?? 0;
    if (count >= limit) return `the customer already has ${count} ${identifier.type} value${count === 1 ? '' : 's'} (the limit is ${limit})`;
  }
  const all = total(profile.identifierCounts);
  if (all >= rules.maxIdentifiersPerProfile) return `the customer already has ${all} identifiers (the limit is ${rules.maxIdentifiersPerProfile})`;
  return null;
}

/**
 * The profile holding more identifiers survives a merge (fewer rows move, so a customer's merges
 * cost little however many devices they have); between equals, the one created first.
 */
function survivorFirst(a: ProfileRecord, b: ProfileRecord): [ProfileRecord, ProfileRecord] {
  const [sizeA, sizeB] = [total(a.identifierCounts), total(b.identifierCounts)];
  if (sizeA !== sizeB) return sizeA > sizeB ? [a, b] : [b, a];
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? [a, b] : [b, a];
  return a.id < b.id ? [a, b] : [b, a];
}
