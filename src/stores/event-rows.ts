import type { StoredEvent } from '../core/event-schema.ts';
import { identifierKey, type Identifier } from '../identity/identifiers.ts';
import type { EventRecord } from './ports.ts';

/** A row of the events table: the envelope's fields, JSON columns as text. */
export interface EventRow {
  seq: number;
  envelope_version: number;
  workspace_id: string;
  source_id: string;
  message_id: string;
  type: string;
  event: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  channel: string;
  touchpoint: string;
  department: string;
  timestamp: number;
  original_timestamp: number | null;
  sent_at: number | null;
  received_at: number;
  warnings: string | null;
  payload: string;
  profile_id: string | null;
  /** Identifiers as carried: [type, value], with a third element 0 when a guard dropped it. */
  identifiers: string | null;
}

type StoredIdentifiers = Array<[string, string] | [string, string, 0]>;

export const INSERT_EVENT_SQL = `
  INSERT INTO events (envelope_version, workspace_id, source_id, message_id, type, event, user_id, anonymous_id,
    channel, touchpoint, department, timestamp, original_timestamp, sent_at, received_at, warnings, payload,
    profile_id, identifiers)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The values for INSERT_EVENT_SQL, in its order. */
export function eventInsertValues(event: StoredEvent, profileId: string | null, identifiers: string | null): Array<string | number | null> {
  return [
    event.envelopeVersion, event.workspaceId, event.sourceId, event.messageId, event.type, event.event, event.userId,
    event.anonymousId, event.channel, event.touchpoint, event.department, event.timestamp, event.originalTimestamp,
    event.sentAt, event.receivedAt, event.warnings.length > 0 ? JSON.stringify(event.warnings) : null,
    JSON.stringify(event.payload), profileId, identifiers,
  ];
}

/** An events row as the stored envelope, JSON columns parsed. */
export function eventFromRow(row: EventRow): StoredEvent {
  return {
    envelopeVersion: 1,
    workspaceId: row.workspace_id,
    sourceId: row.source_id,
    messageId: row.message_id,
    type: row.type as StoredEvent['type'],
    event: row.event,
    userId: row.user_id,
    anonymousId: row.anonymous_id,
    channel: row.channel,
    touchpoint: row.touchpoint,
    department: row.department,
    timestamp: row.timestamp,
    originalTimestamp: row.original_timestamp,
    sentAt: row.sent_at,
    receivedAt: row.received_at,
    warnings: row.warnings ? JSON.parse(row.warnings) : [],
    payload: JSON.parse(row.payload),
  };
}

/** An events row as the port's record: the envelope with its seq, profile and identifiers. */
export function eventRecordFromRow(row: EventRow): EventRecord {
  return { ...eventFromRow(row), seq: row.seq, profileId: row.profile_id, identifiers: decodeIdentifiers(row.identifiers) };
}

/** The identifiers column: every identifier carried, those a guard dropped marked with 0. */
export function encodeIdentifiers(carried: Identifier[], kept: Identifier[]): string {
  const keptKeys = new Set(kept.map(identifierKey));
  const encoded: StoredIdentifiers = carried.map((identifier) =>
    keptKeys.has(identifierKey(identifier)) ? [identifier.type, identifier.value] : [identifier.type, identifier.value, 0],
  );
  return JSON.stringify(encoded);
}

/** The identifiers column read back, dropped ones flagged. */
export function decodeIdentifiers(json: string | null): Array<Identifier & { dropped?: true }> {
  if (!json) return [];
  return (JSON.parse(json) as StoredIdentifiers).map((entry) =>
    entry.length === 3 ? { type: entry[0], value: entry[1], dropped: true as const } : { type: entry[0], value: entry[1] },
  );
}

/** The identifiers an event linked by: those no guard dropped. */
export function keptIdentifiers(json: string | null): Identifier[] {
  return decodeIdentifiers(json).filter((identifier) => !identifier.dropped).map(({ type, value }) => ({ type, value }));
}
