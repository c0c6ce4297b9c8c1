import type { EventType } from '../core/event-schema.ts';
import type { RowRejection } from './import-report.ts';

/** Spec fields a CSV column may fill directly: by `--map`, or by a header of the same name. */
export const SPEC_FIELDS = [
  'type', 'event', 'userId', 'anonymousId', 'messageId', 'timestamp', 'originalTimestamp', 'sentAt', 'name', 'category',
  'groupId', 'previousId',
] as const;

/** Objects of the spec a dotted target or header (`properties.revenue`, `context.page.url`) fills. */
const NESTED_ROOTS = ['properties', 'traits', 'context', 'integrations'] as const;

const VALUE_KINDS = ['string', 'number', 'boolean'] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];

/** One `--map target=column[:kind]`: the event field to fill, the CSV column it comes from and how to read it. */
export interface MapRule {
  target: string[];
  column: string;
  kind: ValueKind;
}

/** How rows become events: explicit rules first, then headers that name spec fields, then the rest. */
export interface CsvMappingOptions {
  rules: MapRule[];
  /** The call type of rows without a type column or value. */
  defaultType: EventType;
  /** The event name of rows without one. */
  defaultEvent?: string;
}

export type RowResult = { ok: true; event: Record<string, unknown> } | ({ ok: false } & RowRejection);

/** Turns one CSV record (its values in header order) into a Segment spec event, or says why it cannot. */
export type RowMapper = (values: string[]) => RowResult;

/**
 * Reads `--map target=column`, with an optional `:number`, `:boolean` or `:string` suffix.
 * Throws a message meant for the person typing the command.
 */
export function parseMapRule(spec: string): MapRule {
  const equals = spec.indexOf('=');
  if (equals <= 0 || equals === spec.length - 1) {
    throw new Error(`--map "${spec}" must look like target=column, for example --map userId=customer_no or --map properties.revenue=amount:number`);
  }
  const targetText = spec.slice(0, equals).trim();
  let column = spec.slice(equals + 1).trim();
  let kind: ValueKind = 'string';
  const colon = column.lastIndexOf(':');
  if (colon > 0 && (VALUE_KINDS as readonly string[]).includes(column.slice(colon + 1).trim())) {
    kind = column.slice(colon + 1).trim() as ValueKind;
    column = column.slice(0, colon).trim();
  }
  const target = parseTarget(targetText);
  if (!target) {
    throw new Error(
      `--map "${spec}": "${targetText}" is not a field an event can hold; use one of ${SPEC_FIELDS.join(', ')}, ` +
        `or a path under ${NESTED_ROOTS.join(', ')} such as properties.revenue`,
    );
  }
  if (column === '') throw new Error(`--map "${spec}" names no column after "="`);
  return { target, column, kind };
}

/** A spec field as a one-part path, `properties.x.y` as a path of parts, anything else null. */
export function parseTarget(text: string): string[] | null {
  if ((SPEC_FIELDS as readonly string[]).includes(text)) return [text];
  const parts = text.split('.');
  if (parts.length < 2 || !(NESTED_ROOTS as readonly string[]).includes(parts[0]!)) return null;
  if (parts.some((part) => part.trim() === '' || part === '__proto__' || part === 'constructor' || part === 'prototype')) return null;
  return parts;
}

interface Assignment {
  index: number;
  path: string[];
  kind: ValueKind;
}

/**
 * Works out once, from the header, where each column goes, so each row costs one pass over its
 * values. Throws a message for the command line when a rule names a missing column or two columns
 * would fill the same field.
 */
export function compileCsvMapping(header: string[], options: CsvMappingOptions): RowMapper {
  const names = header.map((name, index) => (name.trim() === '' ? `column${index + 1}` : name.trim()));
  const columnIndex = new Map<string, number>();
  names.forEach((name, index) => {
    const earlier = columnIndex.get(name);
    if (earlier !== undefined) {
      throw new Error(`the header names column "${name}" twice (columns ${earlier + 1} and ${index + 1}); rename one of them`);
    }
    columnIndex.set(name, index);
  });

  const assignments: Assignment[] = [];
  const mapped = new Set<number>();
  for (const rule of options.rules) {
    const index = columnIndex.get(rule.column);
    if (index === undefined) {
      throw new Error(`--map ${rule.target.join('.')}=${rule.column}: the file has no column "${rule.column}"; its columns are ${listColumns(names)}`);
    }
    assignments.push({ index, path: rule.target, kind: rule.kind });
    mapped.add(index);
  }

  // A header that names a spec field or a dotted path fills it, unless a rule already fills that field.
  const free: Array<{ index: number; key: string }> = [];
  names.forEach((name, index) => {
    if (mapped.has(index)) return;
    if (name === '__proto__') throw new Error(`column ${index + 1} is named "__proto__", which no event field may be called; map it with --map`);
    const path = parseTarget(name);
    if (path && !assignments.some((assignment) => samePath(assignment.path, path))) {
      assignments.push({ index, path, kind: 'string' });
    } else {
      free.push({ index, key: name });
    }
  });
  checkConflicts(assignments, free, names);

  const { defaultType, defaultEvent } = options;
  return function mapRow(values) {
    if (values.length !== names.length) {
      return {
        ok: false,
        code: 'CENTRIC_ERR_IMPORT_CSV_FIELD_COUNT',
        message: `row has ${values.length} fields; the header has ${names.length}`,
      };
    }
    const event: Record<string, unknown> = {};
    for (const assignment of assignments) {
      const text = values[assignment.index]!.trim();
      if (text === '') continue;
      const value = convert(text, assignment.kind);
      if (value === undefined) {
        const field = assignment.path.join('.');
        return {
          ok: false,
          code: 'CENTRIC_ERR_EVENT_INVALID_FIELD',
          message: `column "${names[assignment.index]}" is ${JSON.stringify(text.slice(0, 60))}; field "${field}" needs ${describeKind(assignment.kind)}`,
          field,
        };
      }
      setPath(event, assignment.path, value);
    }
    if (event.type === undefined) event.type = defaultType;
    if (event.event === undefined && defaultEvent !== undefined) event.event = defaultEvent;
    if (free.length > 0) {
      const root = event.type === 'identify' || event.type === 'group' ? 'traits' : 'properties';
      for (const column of free) {
        const text = values[column.index]!.trim();
        if (text !== '') setPath(event, [root, column.key], text);
      }
    }
    return { ok: true, event };
  };
}

/** Two columns filling the same field, or one filling a field inside another's, would lose data: refuse. */
function checkConflicts(assignments: Assignment[], free: Array<{ index: number; key: string }>, names: string[]): void {
  const claims = [
    ...assignments.map((assignment) => ({ index: assignment.index, paths: [assignment.path] })),
    ...free.map((column) => ({ index: column.index, paths: [['properties', column.key], ['traits', column.key]] })),
  ];
  for (let a = 0; a < claims.length; a += 1) {
    for (let b = a + 1; b < claims.length; b += 1) {
      for (const pathA of claims[a]!.paths) {
        for (const pathB of claims[b]!.paths) {
          if (isPrefix(pathA, pathB) || isPrefix(pathB, pathA)) {
            const [first, second] = [claims[a]!.index, claims[b]!.index].sort((x, y) => x - y) as [number, number];
            throw new Error(
              `columns "${names[first]}" and "${names[second]}" would both fill ${[pathA, pathB].sort((x, y) => x.length - y.length)[0]!.join('.')}; ` +
                'map one of them elsewhere with --map',
            );
          }
        }
      }
    }
  }
}

function convert(text: string, kind: ValueKind): unknown {
  switch (kind) {
    case 'string':
      return text;
    case 'number':
      return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : undefined;
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === 'yes' || lower === '1') return true;
      if (lower === 'false' || lower === 'no' || lower === '0') return false;
      return undefined;
    }
  }
}

function describeKind(kind: ValueKind): string {
  return kind === 'number' ? 'a number such as 42 or 19.99 (a dot before the decimals)' : 'true, false, yes, no, 1 or 0';
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next === 'object' && next !== null) {
      node = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    }
  }
  node[path[path.length - 1]!] = value;
}

function samePath(a: string[], b: string[]): boolean {
  return a.length === b.length && isPrefix(a, b);
}

function isPrefix(prefix: string[], path: string[]): boolean {
  return prefix.length <= path.length && prefix.every((part, index) => part === path[index]);
}

function listColumns(names: string[]): string {
  const shown = names.slice(0, 20).map((name) => `"${name}"`).join(', ');
  return names.length > 20 ? `${shown} and ${names.length - 20} more` : shown;
}
