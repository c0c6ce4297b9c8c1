import type { IdentityRules } from '../core/identity-rules.ts';
import { extractIdentifiers, type Identifier } from '../identity/identifiers.ts';
import type { DemoCompany } from './demo-company.ts';

/**
 * Compares the profiles identity resolution built with the generator's ground truth: every event
 * says which person really made it. For each person, the identifiers their events link (one event
 * carrying two identifiers links them) form groups that belong together; a group spread over
 * several profiles is under-merged, a profile holding several people's identifiers over-merged.
 * Identifiers that several people really share (the traps: the test address, a family tablet,
 * a house card) prove nothing either way and are left out.
 */

/** Strong identifiers name one customer; anonymous ids and devices may be anyone's. */
const STRONG_TYPES = new Set(['user_id', 'customer_number', 'email', 'phone', 'loyalty_card']);

export interface IdentityCheckInput {
  company: DemoCompany;
  rules: IdentityRules;
  /** The live profile holding an identifier, or null. */
  ownerOf(identifier: Identifier): Promise<string | null>;
  /** How many merges made a live profile; left out when not given. */
  mergesOf?(profileId: string): Promise<number>;
}

/** A person whose linked identifiers ended up in several profiles. */
export interface SplitPerson {
  person: string;
  profiles: Array<{ profileId: string; identifiers: string[] }>;
}

/** A profile holding identifiers of several people. */
export interface JoinedProfile {
  profileId: string;
  people: string[];
  /** People whose strong identifiers (user id, email, phone, number, card) are in the profile. */
  knownPeople: string[];
  examples: string[];
}

export interface IdentityCheck {
  people: number;
  customers: number;
  /** Customers none of whose linked identifier groups is spread over several profiles. */
  customersWhole: number;
  /** Customers whose strong identifiers are all in one profile. */
  customersInOneProfile: number;
  /**
   * Customers in several profiles only because no event links the parts (a customer number seen
   * only on letters, say): right by the data, not a resolution failure.
   */
  customersUnlinked: number;
  /** Live profiles holding the identifiers the events carried. */
  profiles: number;
  merges: number | null;
  splits: SplitPerson[];
  joined: JoinedProfile[];
  shared: Array<{ identifier: string; people: number }>;
  /** Identifiers that no profile holds (a guard refused them every time). */
  unowned: number;
}

interface Node {
  person: string;
  identifier: Identifier;
  key: string;
}

export async function checkIdentities(input: IdentityCheckInput): Promise<IdentityCheck> {
  const nodes: Node[] = [];
  const parent: number[] = [];
  const nodeIndex = new Map<string, number>();
  const peopleOf = new Map<string, Set<string>>();
  const find = (node: number): number => {
    while (parent[node] !== node) {
      parent[node] = parent[parent[node]!]!;
      node = parent[node]!;
    }
    return node;
  };
  const people = new Set<string>();
  // Each event's identifiers as node numbers, flattened: [count, node, node, ..., count, ...].
  let links = new Int32Array(1 << 20);
  let used = 0;
  const push = (value: number) => {
    if (used === links.length) {
      const grown = new Int32Array(links.length * 2);
      grown.set(links);
      links = grown;
    }
    links[used++] = value;
  };
  for (const { event, person } of input.company.events()) {
    people.add(person);
    const { identifiers } = extractIdentifiers(event, input.rules);
    push(identifiers.length);
    for (const identifier of identifiers) {
      const key = `${identifier.type}:${identifier.value}`;
      const personKey = `${person} ${key}`;
      let node = nodeIndex.get(personKey);
      if (node === undefined) {
        node = nodes.length;
        nodes.push({ person, identifier, key });
        parent.push(node);
        nodeIndex.set(personKey, node);
        let holders = peopleOf.get(key);
        if (!holders) peopleOf.set(key, (holders = new Set()));
        holders.add(person);
      }
      push(node);
    }
  }
  const isShared = (key: string) => (peopleOf.get(key)?.size ?? 0) > 1;
  // Only identifiers of one person link; a shared one would join a person's unrelated visits.
  for (let at = 0; at < used; ) {
    const count = links[at++]!;
    let first = -1;
    for (let n = 0; n < count; n++) {
      const node = links[at++]!;
      if (isShared(nodes[node]!.key)) continue;
      if (first < 0) first = node;
      else parent[find(node)] = find(first);
    }
  }

  const owners = new Map<string, string | null>();
  for (const node of nodes) {
    if (!owners.has(node.key)) owners.set(node.key, await input.ownerOf(node.identifier));
  }
  const shared = [...peopleOf].filter(([, holders]) => holders.size > 1).map(([identifier, holders]) => ({ identifier, people: holders.size }));

  const groups = new Map<number, Node[]>();
  nodes.forEach((node, index) => {
    const root = find(index);
    let group = groups.get(root);
    if (!group) groups.set(root, (group = []));
    group.push(node);
  });

  const splits = new Map<string, SplitPerson>();
  const peopleInProfile = new Map<string, { people: Set<string>; known: Set<string>; examples: Set<string> }>();
  const wholeCustomers = new Set<string>();
  const splitCustomers = new Set<string>();
  const customerProfiles = new Map<string, Set<string>>();
  for (const group of groups.values()) {
    const byProfile = new Map<string, string[]>();
    let strong = false;
    for (const node of group) {
      if (isShared(node.key)) continue;
      const owner = owners.get(node.key);
      if (!owner) continue;
      let keys = byProfile.get(owner);
      if (!keys) byProfile.set(owner, (keys = []));
      keys.push(node.key);
      const isStrong = STRONG_TYPES.has(node.identifier.type);
      strong ||= isStrong;
      let entry = peopleInProfile.get(owner);
      if (!entry) peopleInProfile.set(owner, (entry = { people: new Set(), known: new Set(), examples: new Set() }));
      entry.people.add(node.person);
      if (isStrong) entry.known.add(node.person);
      if (entry.examples.size < 6) entry.examples.add(`${node.person} ${node.key}`);
    }
    const person = group[0]!.person;
    if (byProfile.size > 1) {
      const split = splits.get(person) ?? { person, profiles: [] };
      for (const [profileId, identifiers] of byProfile) split.profiles.push({ profileId, identifiers });
      splits.set(person, split);
    }
    if (person.startsWith('c') && strong) {
      (byProfile.size > 1 ? splitCustomers : wholeCustomers).add(person);
      let profiles = customerProfiles.get(person);
      if (!profiles) customerProfiles.set(person, (profiles = new Set()));
      for (const profileId of byProfile.keys()) profiles.add(profileId);
    }
  }
  for (const person of splitCustomers) wholeCustomers.delete(person);

  const joined: JoinedProfile[] = [];
  for (const [profileId, entry] of peopleInProfile) {
    if (entry.people.size < 2) continue;
    joined.push({ profileId, people: [...entry.people].sort(), knownPeople: [...entry.known].sort(), examples: [...entry.examples] });
  }
  joined.sort((a, b) => b.knownPeople.length - a.knownPeople.length || b.people.length - a.people.length);

  const liveProfiles = new Set([...owners.values()].filter((owner): owner is string => owner !== null));
  let merges: number | null = null;
  if (input.mergesOf) {
    merges = 0;
    // Only a profile holding two identifiers or more can have been merged.
    const counts = new Map<string, number>();
    for (const owner of owners.values()) if (owner) counts.set(owner, (counts.get(owner) ?? 0) + 1);
    for (const [profileId, count] of counts) if (count > 1) merges += await input.mergesOf(profileId);
  }
  return {
    people: people.size,
    customers: [...people].filter((person) => person.startsWith('c')).length,
    customersWhole: wholeCustomers.size,
    customersInOneProfile: [...customerProfiles.values()].filter((profiles) => profiles.size === 1).length,
    customersUnlinked: [...customerProfiles].filter(([person, profiles]) => profiles.size > 1 && !splitCustomers.has(person)).length,
    profiles: liveProfiles.size,
    merges,
    splits: [...splits.values()],
    joined,
    shared: shared.sort((a, b) => b.people - a.people),
    unowned: [...owners.values()].filter((owner) => owner === null).length,
  };
}
