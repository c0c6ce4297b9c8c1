import Type, { type Static, type TProperties } from 'typebox';
import { FILTER_OPS } from '../../../core/analytics/analytics-model.ts';

/** The request and response bodies of /api/v1/analytics/*; the same schemas give the OpenAPI document. */

const Name = Type.String({ minLength: 1, maxLength: 200 });
/** Property paths are dotted names (`address.city`); trait names likewise. */
const FieldPath = Type.String({ pattern: '^[A-Za-z0-9_$@-]{1,64}(\\.[A-Za-z0-9_$@-]{1,64}){0,4}$', description: 'a name, or a dotted path into nested objects' });
const Primitive = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]);
const FilterValue = Type.Union([Primitive, Type.Array(Primitive, { minItems: 1, maxItems: 100 })]);
const Op = Type.Union(FILTER_OPS.map((op) => Type.Literal(op)), {
  description: 'eq, neq, in, not_in and contains compare the text form; gt, gte, lt and lte compare JSON numbers; exists and not_exists take no value',
});

export const PropertyFilter = Type.Object({ property: FieldPath, op: Op, value: Type.Optional(FilterValue) }, { additionalProperties: false });
export const TraitFilter = Type.Object({ trait: FieldPath, op: Op, value: Type.Optional(FilterValue) }, { additionalProperties: false });

export const Step = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'shown instead of the generated name' })),
    event: Type.Optional(Name),
    channel: Type.Optional(Name),
    touchpoint: Type.Optional(Name),
    department: Type.Optional(Name),
    where: Type.Optional(Type.Array(PropertyFilter, { maxItems: 10 })),
  },
  { additionalProperties: false, description: 'every field given must match' },
);
export type Step = Static<typeof Step>;

export const Filters = Type.Object(
  {
    channel: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: 50 })),
    touchpoint: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: 50 })),
    department: Type.Optional(Type.Array(Name, { minItems: 1, maxItems: 50 })),
    traits: Type.Optional(Type.Array(TraitFilter, { maxItems: 10 })),
    segment: Type.Optional(Type.String({ description: 'reserved: analytics cannot filter by segment yet (answers 400)' })),
  },
  { additionalProperties: false },
);
export type Filters = Static<typeof Filters>;

const Duration = (fallback: string) => Type.String({ pattern: '^[1-9][0-9]{0,5}(m|h|d)$', default: fallback, description: 'minutes, hours or days, such as 30m, 2h, 7d' });

const Common = {
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  filters: Type.Optional(Filters),
  breakdown: Type.Optional(Type.String({
    pattern: '^(channel|touchpoint|department|trait:[A-Za-z0-9_$@-]{1,64}(\\.[A-Za-z0-9_$@-]{1,64}){0,4})$',
    description: 'channel, touchpoint, department or trait:NAME',
  })),
  breakdownLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
};

const FunnelFields = {
  ...Common,
  steps: Type.Array(Step, { minItems: 2, maxItems: 10 }),
  window: Type.Optional(Duration('7d')),
  order: Type.Optional(Type.Union([Type.Literal('loose'), Type.Literal('strict')], { default: 'loose' })),
};

export const FunnelBody = Type.Object(FunnelFields, { additionalProperties: false });
export type FunnelBody = Static<typeof FunnelBody>;

export const FunnelCustomersBody = Type.Object({
  ...FunnelFields,
  step: Type.Integer({ minimum: 1, maximum: 10 }),
  status: Type.Optional(Type.Union([Type.Literal('reached'), Type.Literal('dropped')], { default: 'reached' })),
  cursor: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
}, { additionalProperties: false });
export type FunnelCustomersBody = Static<typeof FunnelCustomersBody>;

export const PathsBody = Type.Object({
  ...Common,
  stepKind: Type.Optional(Type.Union([Type.Literal('event'), Type.Literal('touchpoint'), Type.Literal('channel')], { default: 'event' })),
  anchor: Type.Optional(Step),
  direction: Type.Optional(Type.Union([Type.Literal('after'), Type.Literal('before')], { default: 'after' })),
  depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, default: 5 })),
  branches: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 5, description: 'next steps kept at each node; the rest are folded into (other)' })),
}, { additionalProperties: false });
export type PathsBody = Static<typeof PathsBody>;

export const SwitchingBody = Type.Object({
  ...Common,
  goal: Type.Optional(Step),
  lookback: Type.Optional(Duration('30d')),
}, { additionalProperties: false });
export type SwitchingBody = Static<typeof SwitchingBody>;

const IntervalField = Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { default: 'week' }));

export const UsageBody = Type.Object({
  ...Common,
  interval: IntervalField,
  alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 0.2, default: 0.05 })),
}, { additionalProperties: false });
export type UsageBody = Static<typeof UsageBody>;

export const RetentionBody = Type.Object({
  ...Common,
  cohortBy: Type.Optional(Type.Union([Type.Literal('touchpoint'), Type.Literal('channel')], { default: 'channel' })),
  interval: IntervalField,
  periods: Type.Optional(Type.Integer({ minimum: 1, maximum: 52, default: 8 })),
  returnStep: Type.Optional(Step),
}, { additionalProperties: false });
export type RetentionBody = Static<typeof RetentionBody>;

// Responses. Every field the answers carry is listed: the serialiser leaves out what a schema does not name.

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

/** An answer with its total and breakdown groups. */
function grouped<T extends TProperties>(fields: T, extra: TProperties) {
  const answer = Type.Object(fields);
  return Type.Object({
    from: Type.String(),
    to: Type.String(),
    engine: Type.String(),
    ...extra,
    total: answer,
    breakdown: NullableString,
    groups: Type.Array(Type.Object({ value: NullableString, ...fields })),
    omittedGroups: Type.Integer(),
  });
}

export const FunnelResponse = grouped({
  steps: Type.Array(Type.Object({
    step: Type.Integer(), name: Type.String(), customers: Type.Integer(), conversionRate: Type.Number(), stepConversionRate: Type.Number(),
    droppedOff: Type.Integer(), medianTimeFromPreviousMs: NullableNumber,
  })),
}, { windowMs: Type.Number(), order: Type.String() });

export const FunnelCustomersResponse = Type.Object({
  step: Type.Integer(),
  name: Type.String(),
  status: Type.String(),
  items: Type.Array(Type.Object({ profileId: Type.String(), stepsReached: Type.Integer(), enteredAt: Type.String(), lastStepAt: Type.String() })),
  nextCursor: NullableString,
});

export const PathsResponse = grouped({
  customers: Type.Integer(),
  nodes: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), depth: Type.Integer(), customers: Type.Integer() })),
  links: Type.Array(Type.Object({ source: Type.String(), target: Type.String(), customers: Type.Integer() })),
}, { stepKind: Type.String(), anchor: NullableString, direction: Type.String(), depth: Type.Integer() });

export const SwitchingResponse = grouped({
  customers: Type.Integer(),
  multiChannelCustomers: Type.Integer(),
  multiChannelShare: Type.Number(),
  channels: Type.Array(Type.Object({ channel: Type.String(), customers: Type.Integer(), events: Type.Integer() })),
  matrix: Type.Array(Type.Array(Type.Integer()), { description: 'moves from the row channel to the column channel, in the order of channels' }),
  transitions: Type.Array(Type.Object({ from: Type.String(), to: Type.String(), transitions: Type.Integer(), customers: Type.Integer(), medianGapMs: NullableNumber })),
  goal: Type.Object({
    customers: Type.Integer(), crossChannel: Type.Integer(), crossChannelShare: Type.Number(),
    byChannelCount: Type.Array(Type.Object({ channels: Type.Integer(), customers: Type.Integer() })),
  }),
}, { goal: NullableString, lookbackMs: Type.Number() });

const Change = Type.Object({
  current: Type.Integer(), previous: Type.Integer(), absolute: Type.Integer(), relative: NullableNumber,
  pValue: Type.Number(), adjustedPValue: Type.Number(), significant: Type.Boolean(),
});

export const UsageResponse = grouped({
  activeCustomers: Type.Object({ current: Type.Integer(), previous: Type.Integer() }),
  touchpoints: Type.Array(Type.Object({
    touchpoint: Type.String(),
    channel: Type.String(),
    series: Type.Array(Type.Object({ periodStart: Type.String(), interactions: Type.Integer(), customers: Type.Integer() })),
    interactions: Change,
    customers: Change,
    reach: Type.Object({ current: Type.Number(), previous: Type.Number() }),
  })),
}, {
  previous: Type.Object({ from: Type.String(), to: Type.String() }), interval: Type.String(), periods: Type.Array(Type.String()),
  test: Type.String(), alpha: Type.Number(),
});

export const RetentionResponse = grouped({
  customers: Type.Integer(),
  cohorts: Type.Array(Type.Object({
    cohort: Type.String(),
    customers: Type.Integer(),
    retained: Type.Array(Type.Object({ period: Type.Integer(), customers: Type.Integer(), rate: Type.Number() })),
  })),
}, { cohortBy: Type.String(), interval: Type.String(), periods: Type.Integer(), returnStep: NullableString });

export const StatusResponse = Type.Object({
  engine: Type.String(),
  events: Type.Integer(),
  aliases: Type.Integer(),
  position: Type.Object({ eventSeq: Type.Integer(), changeId: Type.Integer() }),
  sink: Type.Union([Type.Null(), Type.Object({
    running: Type.Boolean(),
    position: Type.Union([Type.Null(), Type.Object({ eventSeq: Type.Integer(), changeId: Type.Integer() })]),
    eventsCopied: Type.Integer(),
    changesApplied: Type.Integer(),
    compactions: Type.Integer(),
    lastError: NullableString,
  })]),
});
