import type { SegmentService } from '../segments/segment-service.ts';

/** Segments a marketer at the demo company would ask for first; each is created once, by name. */
export const DEMO_SEGMENTS = [
  {
    name: 'Bought twice in 90 days, then called the hotline',
    description: 'two orders in the last 90 days and a hotline call in the last 30',
    condition: {
      kind: 'and',
      conditions: [
        { kind: 'performed', event: 'Order Completed', count: { op: 'at_least', value: 2 }, window: { lastDays: 90 } },
        { kind: 'performed', touchpoint: 'hotline', window: { lastDays: 30 } },
      ],
    },
  },
  {
    name: 'Store customers who never used the app',
    description: 'bought in a store, never opened the shop app',
    condition: {
      kind: 'and',
      conditions: [{ kind: 'performed', channel: 'store' }, { kind: 'performed', channel: 'app', count: { op: 'exactly', value: 0 } }],
    },
  },
  {
    name: 'Detractors in their last survey',
    description: 'the latest NPS answer was 6 or less',
    condition: { kind: 'computed', key: 'last_nps_score', op: 'lte', value: 6 },
  },
  {
    name: 'Lapsed buyers: no order for 60 days',
    description: 'ordered before, but not in the last 60 days',
    condition: { kind: 'occurrence', which: 'last', event: 'Order Completed', op: 'more_than_ago', days: 60 },
  },
  {
    name: 'Lifetime value over 500 EUR',
    description: 'the sum of their order revenue',
    condition: { kind: 'computed', key: 'lifetime_value', op: 'gt', value: 500 },
  },
] as const;

/** Creates the default computed traits, the last NPS score, and the demo segments that do not exist yet. */
export async function ensureDemoSegments(segments: SegmentService): Promise<string[]> {
  await segments.installDefaults();
  const traits = await segments.listComputedTraits();
  if (!traits.some((trait) => trait.key === 'last_nps_score')) {
    await segments.createComputedTrait({
      key: 'last_nps_score', name: 'Last NPS score', description: 'the score of the latest survey answer',
      definition: { version: 1, aggregate: 'last', event: 'Survey Answered', property: 'score' },
    });
  }
  const existing = new Set((await segments.listSegments()).map((segment) => segment.name));
  const created: string[] = [];
  for (const segment of DEMO_SEGMENTS) {
    if (existing.has(segment.name)) continue;
    await segments.createSegment({ name: segment.name, description: segment.description, definition: { version: 1, condition: segment.condition } });
    created.push(segment.name);
  }
  return created;
}
