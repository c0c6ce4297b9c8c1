import { Compile } from 'typebox/compile';
import { CentricError } from '../errors.ts';
import {
  ComputedCondition, ComputedTraitDefinition, MemberCondition, OccurrenceCondition, PerformedCondition, TraitCondition,
  type Condition, type SegmentDefinition,
} from './segment-definition.ts';
import { isTimeZone, parseZonedDate } from './zoned-dates.ts';

/**
 * Checks definitions before they are stored and says exactly what is wrong and where (`condition.conditions[1].count.op`).
 * The schemas check shapes; these checks add what a schema cannot: operators that need a value or days,
 * dates that parse, known time zones, references to segments and computed traits that exist, and no cycles.
 */

const leafCheckers = {
  trait: Compile(TraitCondition),
  computed: Compile(ComputedCondition),
  performed: Compile(PerformedCondition),
  occurrence: Compile(OccurrenceCondition),
  segment: Compile(MemberCondition),
};
const traitChecker = Compile(ComputedTraitDefinition);

/** What the definition may refer to. */
export interface DefinitionContext {
  /** Segment ids that exist, each with the ids its condition names (to find cycles). */
  segments: Map<string, Set<string>>;
  computedKeys: Set<string>;
  /** The segment being edited, if any: it may not name itself, even through others. */
  selfId?: string;
}

function invalid(code: 'CENTRIC_ERR_SEGMENT_INVALID_DEFINITION' | 'CENTRIC_ERR_COMPUTED_TRAIT_INVALID_DEFINITION', field: string, message: string): never {
  throw new CentricError(code, `${field}: ${message}`, { field });
}

function schemaError(found: Iterable<{ instancePath: string; keyword?: string; message?: string; params?: unknown }>, base: string): { field: string; message: string } {
  const errors = [...found];
  const first = errors[0];
  const path = (first?.instancePath ?? '').split('/').filter(Boolean).map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join('');
  // A choice between literals fails once per literal: name them all instead of "must be equal to constant".
  const allowed = errors
    .filter((error) => error.instancePath === first?.instancePath && error.keyword === 'const')
    .map((error) => JSON.stringify((error.params as { allowedValue?: unknown }).allowedValue));
  if (allowed.length > 0) return { field: `${base}${path}`, message: `must be one of ${allowed.join(', ')}` };
  const params = first?.params as { additionalProperties?: string[]; requiredProperties?: string[] } | undefined;
  const extra = params?.additionalProperties ? ` (${params.additionalProperties.join(', ')})` : params?.requiredProperties ? ` (${params.requiredProperties.join(', ')})` : '';
  return { field: `${base}${path}`, message: `${first?.message ?? 'is not valid'}${extra}` };
}

/** A checked segment definition, or a CENTRIC_ERR_SEGMENT_INVALID_DEFINITION naming the field. */
export function checkSegmentDefinition(input: unknown, context: DefinitionContext): SegmentDefinition {
  const code = 'CENTRIC_ERR_SEGMENT_INVALID_DEFINITION';
  if (typeof input !== 'object' || input === null || Array.isArray(input)) invalid(code, 'definition', 'must be an object');
  const definition = input as Record<string, unknown>;
  if (definition.version !== 1) invalid(code, 'definition.version', 'must be 1');
  for (const key of Object.keys(definition)) if (!['version', 'timeZone', 'condition'].includes(key)) invalid(code, `definition.${key}`, 'is not a field of a segment definition');
  const zone = definition.timeZone ?? 'UTC';
  if (typeof zone !== 'string' || !isTimeZone(zone)) invalid(code, 'definition.timeZone', `${JSON.stringify(zone)} is not a known IANA time zone`);
  const refs = new Set<string>();
  checkCondition(definition.condition, 'definition.condition', zone, context, refs, 0);
  if (context.selfId) {
    // Would the edited segment reach itself through the segments it names?
    const seen = new Set<string>();
    const stack = [...refs];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (id === context.selfId) invalid(code, 'definition.condition', 'names this segment through its own conditions (a cycle)');
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(context.segments.get(id) ?? []));
    }
  }
  return definition as unknown as SegmentDefinition;
}

/** Every condition of a definition that is not and, or, not: what the tree finally asks. */
function* leafConditions(condition: Condition): Generator<Exclude<Condition, { kind: 'and' | 'or' | 'not' }>> {
  if (condition.kind === 'and' || condition.kind === 'or') for (const child of condition.conditions) yield* leafConditions(child as Condition);
  else if (condition.kind === 'not') yield* leafConditions(condition.condition as Condition);
  else yield condition;
}

/** The segment ids a definition's conditions name. */
export function segmentRefs(definition: SegmentDefinition): Set<string> {
  return new Set([...leafConditions(definition.condition)].flatMap((condition) => (condition.kind === 'segment' ? [condition.segmentId] : [])));
}

/** The computed-trait keys a definition's conditions read. */
export function computedKeysOf(definition: SegmentDefinition): Set<string> {
  return new Set([...leafConditions(definition.condition)].flatMap((condition) => (condition.kind === 'computed' ? [condition.key] : [])));
}

function checkCondition(input: unknown, field: string, zone: string, context: DefinitionContext, refs: Set<string>, depth: number): void {
  const code = 'CENTRIC_ERR_SEGMENT_INVALID_DEFINITION';
  if (depth > 20) invalid(code, field, 'nests more than 20 levels deep');
  if (typeof input !== 'object' || input === null || Array.isArray(input)) invalid(code, field, 'must be a condition object with a kind');
  const condition = input as Record<string, unknown>;
  const kind = condition.kind;
  if (kind === 'and' || kind === 'or') {
    for (const key of Object.keys(condition)) if (key !== 'kind' && key !== 'conditions') invalid(code, `${field}.${key}`, `is not a field of an ${kind} condition`);
    const children = condition.conditions;
    if (!Array.isArray(children) || children.length === 0 || children.length > 50) invalid(code, `${field}.conditions`, 'must be a list of 1 to 50 conditions');
    children.forEach((child, index) => checkCondition(child, `${field}.conditions[${index}]`, zone, context, refs, depth + 1));
    return;
  }
  if (kind === 'not') {
    for (const key of Object.keys(condition)) if (key !== 'kind' && key !== 'condition') invalid(code, `${field}.${key}`, 'is not a field of a not condition');
    checkCondition(condition.condition, `${field}.condition`, zone, context, refs, depth + 1);
    return;
  }
  if (typeof kind !== 'string' || !(kind in leafCheckers)) {
    invalid(code, `${field}.kind`, `must be one of and, or, not, ${Object.keys(leafCheckers).join(', ')}`);
  }
  const checker = leafCheckers[kind as keyof typeof leafCheckers];
  if (!checker.Check(condition)) {
    const error = schemaError(checker.Errors(condition), field);
    invalid(code, error.field, error.message);
  }
  if (kind === 'trait' || kind === 'computed') checkComparison(condition, field, zone, code);
  if (kind === 'computed' && !context.computedKeys.has(condition.key as string)) {
    invalid(code, `${field}.key`, `no computed trait has the key ${JSON.stringify(condition.key)}`);
  }
  if (kind === 'occurrence') checkComparison(condition, field, zone, code);
  if (kind === 'performed' || kind === 'occurrence') checkWhere(condition, field, code);
  if (kind === 'performed') checkWindow(condition.window, `${field}.window`, zone, code);
  if (kind === 'segment') {
    const id = condition.segmentId as string;
    if (id === context.selfId) invalid(code, `${field}.segmentId`, 'a segment cannot contain itself');
    if (!context.segments.has(id)) invalid(code, `${field}.segmentId`, `no segment has the id ${JSON.stringify(id)}`);
    refs.add(id);
  }
}

function checkComparison(condition: Record<string, unknown>, field: string, zone: string, code: 'CENTRIC_ERR_SEGMENT_INVALID_DEFINITION'): void {
  const op = condition.op as string;
  const value = condition.value;
  if (op === 'exists' || op === 'not_exists') {
    if (value !== undefined) invalid(code, `${field}.value`, `${op} takes no value`);
    return;
  }
  if (op === 'within_last' || op === 'more_than_ago' || op === 'within_next') {
    if (condition.days === undefined) invalid(code, `${field}.days`, `${op} needs days`);
    return;
  }
  if (op === 'before' || op === 'after') {
    if (typeof value !== 'string' || parseZonedDate(value, zone) === null) invalid(code, `${field}.value`, `${op} needs a date such as 2026-03-01 or 2026-03-01T09:00:00+01:00`);
    return;
  }
  if (value === undefined) invalid(code, `${field}.value`, `${op} needs a value`);
  if ((op === 'in' || op === 'not_in') !== Array.isArray(value)) invalid(code, `${field}.value`, op === 'in' || op === 'not_in' ? `${op} needs a list` : `${op} needs a single value, not a list`);
  if (['gt', 'gte', 'lt', 'lte'].includes(op) && typeof value !== 'number') invalid(code, `${field}.value`, `${op} compares numbers; give a number`);
}

function checkWhere(condition: Record<string, unknown>, field: string, code: 'CENTRIC_ERR_SEGMENT_INVALID_DEFINITION' | 'CENTRIC_ERR_COMPUTED_TRAIT_INVALID_DEFINITION'): void {
  const where = (condition.where ?? []) as Array<Record<string, unknown>>;
  where.forEach((filter, index) => {
    const op = filter.op as string;
    const at = `${field}.where[${index}].value`;
    if (op === 'exists' || op === 'not_exists') {
      if (filter.value !== undefined) invalid(code, at, `${op} takes no value`);
    } else if (filter.value === undefined) invalid(code, at, `${op} needs a value`);
    else if ((op === 'in' || op === 'not_in') !== Array.isArray(filter.value)) invalid(code, at, op === 'in' || op === 'not_in' ? `${op} needs a list` : `${op} needs a single value`);
  });
}

function checkWindow(window: unknown, field: string, zone: string, code: 'CENTRIC_ERR_SEGMENT_INVALID_DEFINITION' | 'CENTRIC_ERR_COMPUTED_TRAIT_INVALID_DEFINITION'): void {
  if (window === undefined || 'lastDays' in (window as object)) return;
  const { from, to } = window as { from?: string; to?: string };
  if (from === undefined && to === undefined) invalid(code, field, 'needs lastDays, or from and/or to');
  const start = from === undefined ? null : parseZonedDate(from, zone);
  const end = to === undefined ? null : parseZonedDate(to, zone);
  if (from !== undefined && start === null) invalid(code, `${field}.from`, 'is not a date');
  if (to !== undefined && end === null) invalid(code, `${field}.to`, 'is not a date');
  if (start !== null && end !== null && start >= end) invalid(code, `${field}.to`, 'must be after from');
}

/** A checked computed-trait definition, or a CENTRIC_ERR_COMPUTED_TRAIT_INVALID_DEFINITION naming the field. */
export function checkComputedTraitDefinition(input: unknown): ComputedTraitDefinition {
  const code = 'CENTRIC_ERR_COMPUTED_TRAIT_INVALID_DEFINITION';
  if (typeof input !== 'object' || input === null || Array.isArray(input)) invalid(code, 'definition', 'must be an object');
  if (!traitChecker.Check(input)) {
    const error = schemaError(traitChecker.Errors(input), 'definition');
    invalid(code, error.field, error.message);
  }
  const definition = input as ComputedTraitDefinition;
  const zone = definition.timeZone ?? 'UTC';
  if (!isTimeZone(zone)) invalid(code, 'definition.timeZone', `${JSON.stringify(zone)} is not a known IANA time zone`);
  const needsValue = !['count', 'days_since_last'].includes(definition.aggregate);
  if (needsValue && !definition.property && !definition.field) invalid(code, 'definition.property', `${definition.aggregate} needs a property (or a field: event, channel, touchpoint, department)`);
  if (definition.property && definition.field) invalid(code, 'definition.field', 'give a property or a field, not both');
  checkWhere(definition as unknown as Record<string, unknown>, 'definition', code);
  checkWindow(definition.window, 'definition.window', zone, code);
  return definition;
}
