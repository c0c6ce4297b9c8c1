/** One-click starting points for a new segment: definitions a marketer recognises, written out as the JSON the editor shows. */

/** A named definition the "New segment" form can fill in. */
export interface SegmentTemplate {
  id: string;
  name: string;
  /** What it finds, in a marketer's words. */
  description: string;
  definition: { version: 1; condition: Record<string, unknown> };
}

const TEMPLATES: SegmentTemplate[] = [
  {
    id: 'bought-twice',
    name: 'Bought twice in 90 days',
    description: 'Two or more completed orders in the last 90 days, on any channel.',
    definition: { version: 1, condition: { kind: 'performed', event: 'Order Completed', count: { op: 'at_least', value: 2 }, window: { lastDays: 90 } } },
  },
  {
    id: 'store-not-app',
    name: 'Store customers who never used the app',
    description: 'Bought in a store at least once, and never sent an event from the app.',
    definition: {
      version: 1,
      condition: {
        kind: 'and',
        conditions: [
          { kind: 'performed', event: 'Order Completed', channel: 'store' },
          { kind: 'not', condition: { kind: 'performed', channel: 'app' } },
        ],
      },
    },
  },
  {
    id: 'lapsed',
    name: 'No purchase for 30 days',
    description: 'Bought before, but the last completed order is more than 30 days ago.',
    definition: { version: 1, condition: { kind: 'occurrence', which: 'last', event: 'Order Completed', op: 'more_than_ago', days: 30 } },
  },
];

/** Computed traits that hold the score of a customer's latest NPS answer, by the keys workspaces give them. */
const LAST_NPS_KEYS = ['last_nps', 'last_nps_score'];

/** The templates this workspace can use, given the keys of its computed traits. */
export function segmentTemplates(computedKeys: Iterable<string>): SegmentTemplate[] {
  // Detractors are only offered where the last NPS score is computed: without that trait the condition cannot be checked.
  const keys = new Set(computedKeys);
  const npsKey = LAST_NPS_KEYS.find((key) => keys.has(key));
  if (npsKey === undefined) return TEMPLATES;
  return [
    ...TEMPLATES,
    {
      id: 'detractors',
      name: 'Detractors in the last survey',
      description: `The latest NPS answer was 6 or lower (computed trait ${npsKey}).`,
      definition: { version: 1, condition: { kind: 'computed', key: npsKey, op: 'lte', value: 6 } },
    },
  ];
}

/** The text the editor shows for a definition. */
export function definitionText(definition: unknown): string {
  return JSON.stringify(definition, null, 2);
}
