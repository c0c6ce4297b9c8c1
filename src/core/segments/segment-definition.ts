import Type, { type Static } from 'typebox';

/**
 * Segment and computed-trait definitions as stored: versioned JSON trees, validated by these schemas.
 * Once stored they are permanent: a change that old definitions would not pass gets a new version and
 * a migration, never an edit here.
 */

const Name = Type.String({ minLength: 1, maxLength: 200 });
const FieldPath = Type.String({ pattern: '^[A-Za-z0-9_$@-]{1,64}(\\.[A-Za-z0-9_$@-]{1,64}){0,4}$', description: 'a name, or a dotted path into nested objects' });
const Primitive = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]);
const Days = Type.Number({ exclusiveMinimum: 0, maximum: 3650, description: 'days of 24 hours' });
/** `2026-03-01` (midnight in the definition's time zone) or a full ISO 8601 time with its offset. */
const DateText = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2}))?$',
  description: 'a date (midnight in the time zone of the definition) or an ISO 8601 time with offset',
});

export const VALUE_OPS = ['eq', 'neq', 'contains', 'in', 'not_in', 'exists', 'not_exists', 'gt', 'gte', 'lt', 'lte'] as const;
export const DATE_OPS = ['before', 'after', 'within_last', 'more_than_ago', 'within_next'] as const;

export const PropertyCondition = Type.Object(
  {
    property: FieldPath,
    op: Type.Union(VALUE_OPS.map((op) => Type.Literal(op))),
    value: Type.Optional(Type.Union([Primitive, Type.Array(Primitive, { minItems: 1, maxItems: 100 })])),
  },
  { additionalProperties: false },
);
export type PropertyCondition = Static<typeof PropertyCondition>;

/** Which events a condition or computed trait looks at; every field given must match. */
const matcherFields = {
  event: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'a track event name, or Page Viewed, Screen Viewed, Identified' })),
  channel: Type.Optional(Name),
  touchpoint: Type.Optional(Name),
  department: Type.Optional(Name),
  where: Type.Optional(Type.Array(PropertyCondition, { maxItems: 10 })),
};

/** A time window: the last N days before the moment of evaluation, or fixed dates (from inclusive, to exclusive). */
export const Window = Type.Union([
  Type.Object({ lastDays: Days }, { additionalProperties: false }),
  Type.Object({ from: Type.Optional(DateText), to: Type.Optional(DateText) }, { additionalProperties: false }),
]);
export type Window = Static<typeof Window>;

/** Compares a value: a trait, a computed trait. Date operators read the value as a date. */
const comparisonFields = {
  op: Type.Union([...VALUE_OPS, ...DATE_OPS].map((op) => Type.Literal(op))),
  value: Type.Optional(Type.Union([Primitive, Type.Array(Primitive, { minItems: 1, maxItems: 100 })])),
  days: Type.Optional(Days),
};

export const TraitCondition = Type.Object({ kind: Type.Literal('trait'), trait: FieldPath, ...comparisonFields }, { additionalProperties: false });
export const ComputedCondition = Type.Object({ kind: Type.Literal('computed'), key: FieldPath, ...comparisonFields }, { additionalProperties: false });

export const COUNT_OPS = ['at_least', 'at_most', 'exactly'] as const;
export const PerformedCondition = Type.Object(
  {
    kind: Type.Literal('performed'),
    ...matcherFields,
    count: Type.Optional(Type.Object({ op: Type.Union(COUNT_OPS.map((op) => Type.Literal(op))), value: Type.Integer({ minimum: 0, maximum: 1_000_000 }) }, { additionalProperties: false })),
    window: Type.Optional(Window),
  },
  { additionalProperties: false, description: 'performed matching events at least / at most / exactly N times (default at least once); exactly 0 is never' },
);

export const OccurrenceCondition = Type.Object(
  {
    kind: Type.Literal('occurrence'),
    which: Type.Union([Type.Literal('first'), Type.Literal('last')]),
    ...matcherFields,
    op: Type.Union(DATE_OPS.map((op) => Type.Literal(op))),
    value: Type.Optional(DateText),
    days: Type.Optional(Days),
  },
  { additionalProperties: false, description: 'when the first or last matching event happened; false when there is none' },
);

export const MemberCondition = Type.Object(
  { kind: Type.Literal('segment'), segmentId: Type.String({ minLength: 1, maxLength: 100 }), member: Type.Optional(Type.Boolean({ default: true })) },
  { additionalProperties: false },
);

export const Condition = Type.Cyclic(
  {
    Condition: Type.Union([
      Type.Object({ kind: Type.Literal('and'), conditions: Type.Array(Type.Ref('Condition'), { minItems: 1, maxItems: 50 }) }, { additionalProperties: false }),
      Type.Object({ kind: Type.Literal('or'), conditions: Type.Array(Type.Ref('Condition'), { minItems: 1, maxItems: 50 }) }, { additionalProperties: false }),
      Type.Object({ kind: Type.Literal('not'), condition: Type.Ref('Condition') }, { additionalProperties: false }),
      TraitCondition,
      ComputedCondition,
      PerformedCondition,
      OccurrenceCondition,
      MemberCondition,
    ]),
  },
  'Condition',
);
export type Condition = Static<typeof Condition>;

export const SegmentDefinition = Type.Object(
  {
    version: Type.Literal(1),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone for dates without a time; UTC when absent' })),
    condition: Condition,
  },
  { additionalProperties: false },
);
export type SegmentDefinition = Static<typeof SegmentDefinition>;

export const AGGREGATES = ['count', 'sum', 'average', 'min', 'max', 'first', 'last', 'most_frequent', 'distinct_count', 'days_since_last'] as const;
export type Aggregate = (typeof AGGREGATES)[number];
export const EVENT_FIELDS = ['event', 'channel', 'touchpoint', 'department'] as const;

export const ComputedTraitDefinition = Type.Object(
  {
    version: Type.Literal(1),
    aggregate: Type.Union(AGGREGATES.map((aggregate) => Type.Literal(aggregate))),
    ...matcherFields,
    property: Type.Optional(FieldPath),
    field: Type.Optional(Type.Union(EVENT_FIELDS.map((field) => Type.Literal(field)))),
    window: Type.Optional(Window),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false, description: 'aggregates a property (or channel, touchpoint, department, event name) of matching events' },
);
export type ComputedTraitDefinition = Static<typeof ComputedTraitDefinition>;
