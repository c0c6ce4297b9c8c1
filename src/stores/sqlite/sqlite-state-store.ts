import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Kysely, Selectable } from 'kysely';
import type { StoredEvent } from '../../core/event-schema.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { GroupCommitter } from '../group-committer.ts';
import { newSourceId, newWriteKey } from '../ids.ts';
import type {
  AppendRequest, AppendResult, EventFilter, EventRecord, FailedEvent, FailedEventFilter, NewSource, Page, Source,
  SourcePatch, StateStore,
} from '../ports.ts';
import { createKysely } from './kysely-node-sqlite.ts';
import { migrate } from './migrations.ts';

interface SourcesTable {
  id: string;
  workspace_id: string;
  name: string;
  write_key: string;
  channel: string | null;
  touchpoint: string | null;
  department: string | null;
  enabled: number;
  created_at: number;
  updated_at: number;
}

interface FailedEventsTable {
  id: number;
  workspace_id: string;
  source_id: string;
  received_at: number;
  code: string;
  message: string;
  field: string | null;
  payload: string;
  replayed_at: number | null;
  replayed_message_id: string | null;
}

interface EventsTable {
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
}

interface Schema {
  sources: SourcesTable;
  failed_events: FailedEventsTable;
  events: EventsTable;
}

export interface SqliteStateStoreOptions {
  /** A file path, or ':memory:' for tests. */
  path: string;
  /** How long a messageId is remembered for deduplication. */
  dedupWindowMs: number;
  /** FULL waits for the disk on every commit (the default); NORMAL survives process crashes but not power loss. */
  synchronous?: 'FULL' | 'NORMAL';
  /** The clock for dedup windows; tests move it. */
  now?: () => number;
}

/** The embedded state store: one SQLite file in WAL mode, with commits shared between requests. */
export class SqliteStateStore implements StateStore {
  readonly engine = 'sqlite';
  private readonly db: DatabaseSync;
  private readonly kysely: Kysely<Schema>;
  private readonly committer: GroupCommitter<AppendRequest, AppendResult>;
  private readonly dedupWindowMs: number;
  private readonly now: () => number;
  private statements!: {
    claimMessageId: StatementSync;
    insertEvent: StatementSync;
    insertFailed: StatementSync;
    markReplayed: StatementSync;
  };
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(options: SqliteStateStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new DatabaseSync(options.path);
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.synchronous ?? 'FULL'}; PRAGMA busy_timeout = 10000;`);
    this.kysely = createKysely<Schema>(this.db);
    this.dedupWindowMs = options.dedupWindowMs;
    this.now = options.now ?? Date.now;
    this.committer = new GroupCommitter((requests) => this.commitGroup(requests));
  }

  async migrate(): Promise<void> {
    migrate(this.db);
    this.statements = {
      // A messageId seen within the window is a duplicate: the upsert then changes nothing.
      claimMessageId: this.db.prepare(`
        INSERT INTO message_ids (workspace_id, message_id, seen_at) VALUES (?, ?, ?)
        ON CONFLICT (workspace_id, message_id) DO UPDATE SET seen_at = excluded.seen_at
        WHERE message_ids.seen_at < ?`),
      insertEvent: this.db.prepare(`
        INSERT INTO events (envelope_version, workspace_id, source_id, message_id, type, event, user_id, anonymous_id,
          channel, touchpoint, department, timestamp, original_timestamp, sent_at, received_at, warnings, payload)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertFailed: this.db.prepare(`
        INSERT INTO failed_events (workspace_id, source_id, received_at, code, message, field, payload)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      markReplayed: this.db.prepare(
        'UPDATE failed_events SET replayed_at = ?, replayed_message_id = ? WHERE id = ? AND replayed_at IS NULL',
      ),
    };
    this.pruneMessageIds();
    this.pruneTimer = setInterval(() => this.pruneMessageIds(), 60 * 60 * 1000);
    this.pruneTimer.unref();
  }

  async close(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.kysely.destroy();
    if (this.db.isOpen) this.db.close();
  }

  appendEvents(request: AppendRequest): Promise<AppendResult> {
    return this.committer.submit(request);
  }

  private commitGroup(requests: AppendRequest[]): AppendResult[] {
    const { claimMessageId, insertEvent, insertFailed, markReplayed } = this.statements;
    const now = this.now();
    const results: AppendResult[] = [];
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const request of requests) {
        const duplicateFlags: boolean[] = [];
        let stored = 0;
        for (const event of request.events) {
          const claimed = claimMessageId.run(event.workspaceId, event.messageId, now, now - this.dedupWindowMs);
          const isNew = claimed.changes > 0;
          duplicateFlags.push(!isNew);
          if (!isNew) continue;
          insertEvent.run(...eventRow(event));
          stored += 1;
        }
        for (const failed of request.failed) {
          insertFailed.run(
            failed.workspaceId, failed.sourceId, failed.receivedAt, failed.code, failed.message, failed.field,
            JSON.stringify(failed.payload) ?? 'null',
          );
        }
        for (const replay of request.replayed ?? []) markReplayed.run(now, replay.messageId, replay.failedEventId);
        results.push({ stored, duplicates: request.events.length - stored, duplicateFlags });
      }
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
    return results;
  }

  private pruneMessageIds(): void {
    this.db.prepare('DELETE FROM message_ids WHERE seen_at < ?').run(this.now() - this.dedupWindowMs);
  }

  async createSource(input: NewSource): Promise<Source> {
    const now = Date.now();
    const row: SourcesTable = {
      id: newSourceId(),
      workspace_id: input.workspaceId,
      name: input.name,
      write_key: newWriteKey(),
      channel: input.channel ?? null,
      touchpoint: input.touchpoint ?? null,
      department: input.department ?? null,
      enabled: 1,
      created_at: now,
      updated_at: now,
    };
    await this.kysely.insertInto('sources').values(row).execute();
    return toSource(row);
  }

  async listSources(workspaceId: string): Promise<Source[]> {
    const rows = await this.kysely.selectFrom('sources').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').execute();
    return rows.map(toSource);
  }

  async getSource(workspaceId: string, id: string): Promise<Source | null> {
    const row = await this.kysely.selectFrom('sources').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return row ? toSource(row) : null;
  }

  async findSourceByName(workspaceId: string, name: string): Promise<Source | null> {
    const row = await this.kysely.selectFrom('sources').selectAll().where('workspace_id', '=', workspaceId).where('name', '=', name).executeTakeFirst();
    return row ? toSource(row) : null;
  }

  async findSourceByWriteKey(writeKey: string): Promise<Source | null> {
    const row = await this.kysely.selectFrom('sources').selectAll().where('write_key', '=', writeKey).executeTakeFirst();
    return row ? toSource(row) : null;
  }

  async updateSource(workspaceId: string, id: string, patch: SourcePatch): Promise<Source | null> {
    const changes: Partial<SourcesTable> = { updated_at: Date.now() };
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.channel !== undefined) changes.channel = patch.channel;
    if (patch.touchpoint !== undefined) changes.touchpoint = patch.touchpoint;
    if (patch.department !== undefined) changes.department = patch.department;
    if (patch.enabled !== undefined) changes.enabled = patch.enabled ? 1 : 0;
    await this.kysely.updateTable('sources').set(changes).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
    return this.getSource(workspaceId, id);
  }

  async rotateWriteKey(workspaceId: string, id: string): Promise<Source | null> {
    await this.kysely
      .updateTable('sources')
      .set({ write_key: newWriteKey(), updated_at: Date.now() })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .execute();
    return this.getSource(workspaceId, id);
  }

  async listEvents(filter: EventFilter): Promise<Page<EventRecord>> {
    let query = this.kysely.selectFrom('events').selectAll().where('workspace_id', '=', filter.workspaceId);
    if (filter.sourceId) query = query.where('source_id', '=', filter.sourceId);
    if (filter.cursor) query = query.where('seq', '<', Number(filter.cursor));
    const rows = await query.orderBy('seq', 'desc').limit(filter.limit + 1).execute();
    const items = rows.slice(0, filter.limit).map(toEventRecord);
    return { items, nextCursor: rows.length > filter.limit ? String(items[items.length - 1]!.seq) : null };
  }

  async countEvents(workspaceId: string): Promise<number> {
    const row = await this.kysely
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async listFailedEvents(filter: FailedEventFilter): Promise<Page<FailedEvent>> {
    let query = this.kysely.selectFrom('failed_events').selectAll().where('workspace_id', '=', filter.workspaceId);
    if (filter.sourceId) query = query.where('source_id', '=', filter.sourceId);
    if (filter.code) query = query.where('code', '=', filter.code);
    if (!filter.includeReplayed) query = query.where('replayed_at', 'is', null);
    if (filter.cursor) query = query.where('id', '<', Number(filter.cursor));
    const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
    const items = rows.slice(0, filter.limit).map(toFailedEvent);
    return { items, nextCursor: rows.length > filter.limit ? String(items[items.length - 1]!.id) : null };
  }

  async getFailedEvent(workspaceId: string, id: number): Promise<FailedEvent | null> {
    const row = await this.kysely
      .selectFrom('failed_events')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toFailedEvent(row) : null;
  }
}

function eventRow(event: StoredEvent): Array<string | number | null> {
  return [
    event.envelopeVersion, event.workspaceId, event.sourceId, event.messageId, event.type, event.event, event.userId,
    event.anonymousId, event.channel, event.touchpoint, event.department, event.timestamp, event.originalTimestamp,
    event.sentAt, event.receivedAt, event.warnings.length > 0 ? JSON.stringify(event.warnings) : null,
    JSON.stringify(event.payload),
  ];
}

function toSource(row: Selectable<SourcesTable>): Source {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    writeKey: row.write_key,
    channel: row.channel ?? undefined,
    touchpoint: row.touchpoint ?? undefined,
    department: row.department ?? undefined,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toFailedEvent(row: Selectable<FailedEventsTable>): FailedEvent {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    sourceId: row.source_id,
    receivedAt: row.received_at,
    code: row.code as ErrorCode,
    message: row.message,
    field: row.field,
    payload: JSON.parse(row.payload),
    replayedAt: row.replayed_at,
    replayedMessageId: row.replayed_message_id,
  };
}

function toEventRecord(row: Selectable<EventsTable>): EventRecord {
  return {
    seq: row.seq,
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
