import { Prng } from './prng.ts';

/** One identifier as Centric stores it, written `type:value` for comparisons. */
export type IdentifierKey = string;

export interface IdentityGraphOptions {
  identifiers: number;
  /** How many hub customers hold a very large number of device identifiers. */
  hubs: number;
  hubSize: number;
  seed: number;
}

export interface IdentityGraph {
  /** Events in arrival order; each carries one link (two identifiers) or a lone identifier. */
  events: Array<Record<string, unknown>>;
  /** Every link as a pair of identifier keys, for the SQL side. */
  links: Array<[IdentifierKey, IdentifierKey]>;
  /** Identifiers that appear only alone. */
  singletons: IdentifierKey[];
  customers: number;
  identifierCount: number;
}

/**
 * A skewed identity graph: customers with a user id, cookie, email, phone and devices, linked by
 * events that each join two of a customer's identifiers (a random tree per customer), and a few hub
 * customers whose user id is linked to thousands of devices (a kiosk login, a test account used by a
 * bot). Customers never share identifiers, so every connected component is one customer, whatever the
 * method: it is the ground truth both methods must find.
 */
export function generateIdentityGraph(options: IdentityGraphOptions): IdentityGraph {
  const random = new Prng(options.seed);
  const links: Array<[IdentifierKey, IdentifierKey]> = [];
  const singletons: IdentifierKey[] = [];
  let identifierCount = 0;
  let customers = 0;
  while (identifierCount < options.identifiers) {
    const c = customers++;
    const ids: IdentifierKey[] = [];
    const hub = c < options.hubs;
    if (hub || random.chance(0.7)) ids.push(`user_id:u${c}`);
    if (random.chance(0.8)) ids.push(`anonymous_id:a${c}`);
    if (random.chance(0.5)) ids.push(`email:c${c}@example.com`);
    if (random.chance(0.3)) ids.push(`phone:+4915${String(100000000 + c)}`);
    const devices = hub ? options.hubSize : skewedCount(random);
    for (let d = 0; d < devices; d++) ids.push(`device_id:d${c}-${d}`);
    if (ids.length === 0) ids.push(`anonymous_id:a${c}`);
    identifierCount += ids.length;
    if (ids.length === 1) {
      singletons.push(ids[0]!);
      continue;
    }
    if (hub) {
      // A star: the hub's user id links to every other identifier.
      for (let i = 1; i < ids.length; i++) links.push([ids[0]!, ids[i]!]);
    } else {
      for (let i = 1; i < ids.length; i++) links.push([ids[random.int(0, i - 1)]!, ids[i]!]);
    }
  }
  const order = [...links.map((link) => ({ link })), ...singletons.map((single) => ({ single }))];
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const start = Date.parse('2026-01-01T00:00:00Z');
  const events = order.map((entry, index) => {
    const keys = 'link' in entry ? entry.link! : [entry.single!];
    return toEvent(keys, index, start + index * 1000);
  });
  return { events, links, singletons, customers, identifierCount };
}

/** Mostly zero to three devices, sometimes dozens. */
function skewedCount(random: Prng): number {
  const roll = random.next();
  if (roll < 0.4) return 0;
  if (roll < 0.75) return 1;
  if (roll < 0.9) return 2;
  if (roll < 0.98) return random.int(3, 8);
  return random.int(9, 60);
}

function toEvent(keys: IdentifierKey[], index: number, time: number): Record<string, unknown> {
  const traits: Record<string, unknown> = {};
  const externalIds: Array<{ type: string; id: string }> = [];
  const event: Record<string, unknown> = { type: 'identify', messageId: `graph-${index}`, timestamp: new Date(time).toISOString() };
  for (const key of keys) {
    const split = key.indexOf(':');
    const type = key.slice(0, split);
    const value = key.slice(split + 1);
    if (type === 'user_id') event.userId = value;
    else if (type === 'anonymous_id') event.anonymousId = value;
    else if (type === 'email') traits.email = value;
    else if (type === 'phone') traits.phone = value;
    else externalIds.push({ type, id: value });
  }
  // The spec needs a userId or anonymousId; "anonymous" is a blocked value, so it links nothing.
  if (event.userId === undefined && event.anonymousId === undefined) event.anonymousId = 'anonymous';
  if (Object.keys(traits).length > 0) event.traits = traits;
  if (externalIds.length > 0) event.context = { externalIds };
  return event;
}
