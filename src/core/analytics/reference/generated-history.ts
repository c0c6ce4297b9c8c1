import { Prng } from '../../../demo/prng.ts';
import type { AnalyticsEvent, TimeRange } from '../analytics-model.ts';

/** A merge or unmerge as the state store's change feed gives it (the shape of `ProfileChange`). */
export type GeneratedChange =
  | { id: number; workspaceId: string; kind: 'merge'; profileId: string; intoProfileId: string; at: number }
  | { id: number; workspaceId: string; kind: 'unmerge'; profileId: string; fromProfileId: string; movedEventSeqs: number[]; at: number };

/** A history to check a store against the reference answers. Used only by tests. */
export interface GeneratedHistory {
  /** What a sink would apply, in order: events with the profile they lived on when read, and the changes. */
  batches: Array<{ events: AnalyticsEvent[]; changes: GeneratedChange[] }>;
  /** Every event on the profile it lives on once all batches are applied: what the reference reads. */
  truth: AnalyticsEvent[];
  range: TimeRange;
}

const MIN = 60_000;
const PLACES = [
  { channel: 'web', touchpoint: 'web shop', department: 'sales' },
  { channel: 'app', touchpoint: 'shop app', department: 'sales' },
  { channel: 'phone', touchpoint: 'hotline', department: 'service' },
  { channel: 'store', touchpoint: 'store mitte', department: 'sales' },
  { channel: 'email', touchpoint: 'newsletter', department: 'marketing' },
] as const;
const NAMES = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed', 'Call Started', 'Page Viewed'] as const;
/** Gaps between a customer's events: many equal timestamps and gaps right at and past the 60-minute window the tests use. */
const GAPS = [0, 0, 1, 15 * MIN, 30 * MIN, 60 * MIN, 60 * MIN + 1, 2 * 60 * MIN, 26 * 60 * MIN] as const;
/** Half the customers move quickly: they are the ones who reach the end of a funnel, or just miss it. */
const QUICK_GAPS = [0, 1, 5 * MIN, 10 * MIN, 15 * MIN, 20 * MIN, 30 * MIN, 60 * MIN] as const;

/**
 * Customers who browse on several devices (each a profile of its own until a merge joins it to the
 * customer), walk towards an order with repeats and detours, switch channels, and set traits.
 * Along the way devices are merged (some in chains, some into the wrong customer) and merges are undone,
 * sometimes leaving events behind or taking strays along, between batches and within them, the way the
 * sink meets them. Arrival order (seq) differs from event time now and then.
 */
export function generateHistory(seed: number, customers: number): GeneratedHistory {
  const random = new Prng(seed);
  const start = Date.UTC(2026, 2, 2);
  const range = { from: start, to: start + 3 * 24 * 60 * MIN };
  interface Draft { origin: string; ts: number; arrival: number; event: string; place: (typeof PLACES)[number]; properties: Record<string, unknown>; traits: Record<string, unknown> | null }
  const drafts: Draft[] = [];
  const devicesOf = new Map<number, string[]>();
  for (let customer = 0; customer < customers; customer++) {
    const devices = [`p${customer}`, ...Array.from({ length: random.int(0, 2) }, (_, index) => `p${customer}d${index + 1}`)];
    devicesOf.set(customer, devices);
    let ts = range.from - 6 * 60 * MIN + random.int(0, 3 * 24 * 60) * MIN;
    let step = 0;
    const count = random.int(1, 14);
    const quick = random.chance(0.5);
    for (let index = 0; index < count; index++) {
      ts += index === 0 ? 0 : random.pick(quick ? QUICK_GAPS : GAPS);
      const detour = random.chance(0.15);
      const event = detour ? random.pick(['Call Started', 'Page Viewed'] as const) : NAMES[step]!;
      const place = event === 'Call Started' ? PLACES[2] : random.pick(PLACES);
      const traits = random.chance(0.2) ? { plan: random.pick(['gold', 'silver', 'basic']), ...(random.chance(0.5) ? { city: random.pick(['Berlin', 'Hamburg']) } : {}) } : null;
      drafts.push({
        origin: random.pick(devices), ts, arrival: ts + (random.chance(0.1) ? random.int(1, 90) * MIN : 0), event, place,
        properties: { price: random.pick([10, 50, 100, 150.5]), sku: random.pick(['A-1', 'B-2', 'C-3']) }, traits,
      });
      // Mostly forwards through the shop, sometimes back, sometimes a detour to the hotline or a page.
      if (!detour) step = random.chance(quick ? 0.85 : 0.6) ? Math.min(step + 1, 3) : random.chance(0.5) ? Math.max(step - 1, 0) : step;
    }
  }
  drafts.sort((a, b) => a.arrival - b.arrival || a.ts - b.ts);

  // The identity model: which profile each absorbed one was merged into, and where each event lives.
  const parent = new Map<string, string>();
  const root = (id: string): string => {
    let current = id;
    while (parent.has(current)) current = parent.get(current)!;
    return current;
  };
  const home = new Map<number, string>();
  const origin = new Map<number, string>();
  const stored: Draft[] = [];
  let changeId = 0;
  const merged: Array<{ absorbed: string; into: string }> = [];

  const merge = (): GeneratedChange | null => {
    const customer = random.int(0, customers - 1);
    const devices = devicesOf.get(customer)!;
    const live = [...new Set(devices.map(root))];
    // Now and then a device joins the wrong customer (a shared tablet), to be undone later.
    const wrong = random.chance(0.15);
    const targets = wrong ? [...new Set(devicesOf.get(random.int(0, customers - 1))!.map(root))] : live;
    const absorbed = random.pick(live);
    const into = random.pick(targets.filter((id) => id !== absorbed));
    if (into === undefined) return null;
    parent.set(absorbed, into);
    merged.push({ absorbed, into });
    return { id: ++changeId, workspaceId: 'default', kind: 'merge', profileId: absorbed, intoProfileId: root(into), at: 0 };
  };

  const unmerge = (): GeneratedChange | null => {
    const candidates = merged.filter((link) => parent.get(link.absorbed) === link.into);
    if (candidates.length === 0) return null;
    const link = random.pick(candidates);
    const from = root(link.absorbed);
    const subtree = new Set([link.absorbed]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [child, up] of parent) if (subtree.has(up) && !subtree.has(child)) grew = subtree.add(child) !== undefined;
    }
    parent.delete(link.absorbed);
    const moved: number[] = [];
    for (let seq = 1; seq <= stored.length; seq++) {
      if (root(home.get(seq)!) !== from && !subtree.has(home.get(seq)!) && !subtree.has(root(home.get(seq)!))) continue;
      const own = subtree.has(origin.get(seq)!);
      if (own && random.chance(0.9)) {
        home.set(seq, origin.get(seq)!);
        moved.push(seq);
      } else if (own) {
        home.set(seq, from); // left behind with the customer it lived on
      } else if (root(home.get(seq)!) === from && random.chance(0.05)) {
        home.set(seq, link.absorbed); // a stray that went along
        moved.push(seq);
      } else if (subtree.has(home.get(seq)!)) {
        home.set(seq, from);
      }
    }
    return { id: ++changeId, workspaceId: 'default', kind: 'unmerge', profileId: link.absorbed, fromProfileId: from, movedEventSeqs: moved, at: 0 };
  };

  const batches: GeneratedHistory['batches'] = [];
  const asEvent = (seq: number, draft: Draft, profileId: string): AnalyticsEvent => ({
    seq, workspaceId: 'default', profileId, ts: draft.ts, type: 'track', event: draft.event, ...draft.place,
    sourceId: `src_${draft.place.channel}`, properties: draft.properties, traits: draft.traits,
  });
  let next = 0;
  while (next < drafts.length) {
    // Changes between batches, applied before the next events are read.
    const between: GeneratedChange[] = [];
    for (let n = random.int(0, 2); n > 0; n--) {
      const change = random.chance(0.75) ? merge() : unmerge();
      if (change) between.push(change);
    }
    if (between.length > 0) batches.push({ events: [], changes: between });
    const size = random.int(1, 60);
    const taken = drafts.slice(next, next + size);
    for (const draft of taken) {
      stored.push(draft);
      const seq = stored.length;
      origin.set(seq, draft.origin);
      // A new event joins the profile its device lives on now.
      home.set(seq, root(draft.origin));
    }
    // Merges committed while the batch was read: the batch already shows them and carries them along.
    const during: GeneratedChange[] = [];
    if (random.chance(0.3)) {
      const change = merge();
      if (change) during.push(change);
    }
    const events = taken.map((draft, index) => {
      const seq = next + index + 1;
      return asEvent(seq, draft, root(home.get(seq)!));
    });
    batches.push({ events, changes: during });
    next += taken.length;
  }
  const truth = stored.map((draft, index) => asEvent(index + 1, draft, root(home.get(index + 1)!)));
  return { batches, truth, range };
}
