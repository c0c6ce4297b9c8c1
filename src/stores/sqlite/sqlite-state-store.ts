import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Kysely, Selectable } from 'kysely';
import type { StoredEvent } from '../../core/event-schema.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { GroupCommitter } from '../group-committer.ts';
import { newSourceId, newWriteKey } from '../ids.ts';
import type {
  AppendRequest, AppendResult, EventFilter, EventRecord, FailedEvent, FailedEventFilter, NewSource, Page, ProfileEventFilter,
  ProfileChange, ProfileHit, ProfileSearch, ProfileView, Source, SourcePatch, StateStore,
} from '../ports.ts';
import { DEFAULT_IDENTITY_RULES, type IdentityRules } from '../../core/identity-rules.ts';
import { resolveEventIdentity } from '../../identity/resolve-event.ts';
import { createKysely } from './kysely-node-sqlite.ts';
import { immediateTransaction } from './transaction.ts';
import {
  prepareStatements, SqliteIdentityTx, toMergeRecord, type MergeRow,
} from './sqlite-identity-tx.ts';
import {
  encodeIdentifiers, eventFromRow, eventInsertValues, eventRecordFromRow, INSERT_EVENT_SQL, type EventRow,
} from './event-rows.ts';
import { CentricError } from '../../core/errors.ts';
import type { Identifier } from '../../identity/identifiers.ts';
import { displayName, type ProfileState } from '../../identity/profile-state.ts';
import { unmerge, type UnmergeResult } from '../../identity/unmerge.ts';

/** Warnings written by identity resolution, recomputed when profiles are rebuilt. */
const IDENTITY_WARNING = /(links nothing|was not used|was not added|a profile of its own)/;
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

interface Schema {
  sources: SourcesTable;
  failed_events: FailedEventsTable;
  events: EventRow;
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
  /** Resolve each new event to a profile as it is stored (the default); off only to measure its cost. */
  resolveIdentities?: boolean;
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
    saveLogPosition: StatementSync;
  };
  private identityStatements!: ReturnType<typeof prepareStatements>;
  private rules: IdentityRules = DEFAULT_IDENTITY_RULES;
  private readonly resolveIdentities: boolean;
  private pruneTimer: NodeJS.Timeout | null = null;
  private lastStamp = 0;
  /** Strictly increasing wall-clock milliseconds for identities and merges. */
  private readonly stamp = (): number => (this.lastStamp = Math.max(Date.now(), this.lastStamp + 1));

  constructor(options: SqliteStateStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new DatabaseSync(options.path);
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.synchronous ?? 'FULL'}; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -131072; PRAGMA wal_autocheckpoint = 10000;`);
    this.kysely = createKysely<Schema>(this.db);
    this.dedupWindowMs = options.dedupWindowMs;
    this.now = options.now ?? Date.now;
    this.resolveIdentities = options.resolveIdentities ?? true;
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
      insertEvent: this.db.prepare(INSERT_EVENT_SQL),
      insertFailed: this.db.prepare(`
        INSERT INTO failed_events (workspace_id, source_id, received_at, code, message, field, payload)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      markReplayed: this.db.prepare(
        'UPDATE failed_events SET replayed_at = ?, replayed_message_id = ? WHERE id = ? AND replayed_at IS NULL',
      ),
      saveLogPosition: this.db.prepare(`INSERT INTO settings (workspace_id, key, value, updated_at) VALUES ('', ?, ?, ?)
        ON CONFLICT (workspace_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
    };
    this.identityStatements = prepareStatements(this.db);
    const latest = this.db.prepare('SELECT max(coalesce((SELECT max(added_at) FROM identities), 0), coalesce((SELECT max(created_at) FROM merges), 0)) AS t').get() as { t: number };
    this.lastStamp = Number(latest.t);
    this.rules = this.loadIdentityRules();
    if (this.resolveIdentities && this.db.prepare('SELECT 1 FROM events WHERE profile_id IS NULL LIMIT 1').get()) {
      // Events stored before profiles existed (or with resolution off) get theirs now.
      this.rebuildProfiles();
    }
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
    const tx = new SqliteIdentityTx(this.db, this.identityStatements, this.stamp);
    immediateTransaction(this.db, () => {
      for (const request of requests) {
        if (request.logPosition && request.logPosition.seq <= this.readLogPosition(request.logPosition.log)) {
          // Redelivered from a log whose later entries are already stored: applied once, never twice.
          results.push({ stored: 0, duplicates: request.events.length, duplicateFlags: request.events.map(() => true) });
          continue;
        }
        const duplicateFlags: boolean[] = [];
        let stored = 0;
        for (const event of request.events) {
          const claimed = claimMessageId.run(event.workspaceId, event.messageId, now, now - this.dedupWindowMs);
          const isNew = claimed.changes > 0;
          duplicateFlags.push(!isNew);
          if (!isNew) continue;
          this.storeEvent(tx, insertEvent, event);
          stored += 1;
        }
        for (const failed of request.failed) {
          insertFailed.run(
            failed.workspaceId, failed.sourceId, failed.receivedAt, failed.code, failed.message, failed.field,
            JSON.stringify(failed.payload) ?? 'null',
          );
        }
        for (const replay of request.replayed ?? []) markReplayed.run(now, replay.messageId, replay.failedEventId);
        if (request.logPosition) this.statements.saveLogPosition.run(logPositionKey(request.logPosition.log), String(request.logPosition.seq), now);
        results.push({ stored, duplicates: request.events.length - stored, duplicateFlags });
      }
      tx.flush();
    });
    return results;
  }

  /** Resolves the event's profile (unless resolution is off), stores it and folds it into the profile. */
  private storeEvent(tx: SqliteIdentityTx, insertEvent: StatementSync, event: StoredEvent): void {
    if (!this.resolveIdentities) {
      insertEvent.run(...eventInsertValues(event, null, null));
      return;
    }
    const { profileId, identifiers } = this.resolveEvent(tx, event);
    const result = insertEvent.run(...eventInsertValues(event, profileId, identifiers));
    tx.applyEvent(profileId, event, Number(result.lastInsertRowid));
  }

  /** Finds the event's profile, adding resolution's warnings to the event; identifiers come encoded for the row. */
  private resolveEvent(tx: SqliteIdentityTx, event: StoredEvent): { profileId: string; identifiers: string } {
    const identity = resolveEventIdentity(tx, this.rules, event);
    if (identity.warnings.length > 0) event.warnings = [...event.warnings, ...identity.warnings];
    return { profileId: identity.profileId, identifiers: encodeIdentifiers(identity.carried, identity.kept) };
  }

  /**
   * Forgets every profile, identity and merge and resolves all stored events again in arrival order.
   * Unmerges are forgotten too: their profiles are rebuilt as the events link them.
   */
  rebuildProfiles(onProgress?: (done: number, total: number) => void): { events: number; profiles: number } {
    const total = Number((this.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n);
    immediateTransaction(this.db, () =>
      this.db.exec('DELETE FROM profiles; DELETE FROM identities; DELETE FROM merges; DELETE FROM kept_apart; UPDATE events SET profile_id = NULL, identifiers = NULL;'),
    );
    const page = this.db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT 5000');
    const update = this.db.prepare('UPDATE events SET profile_id = ?, identifiers = ?, warnings = ? WHERE seq = ?');
    let after = 0;
    let done = 0;
    for (;;) {
      const rows = page.all(after) as unknown as EventRow[];
      if (rows.length === 0) break;
      const tx = new SqliteIdentityTx(this.db, this.identityStatements, this.stamp);
      immediateTransaction(this.db, () => {
        for (const row of rows) {
          const event = eventFromRow(row);
          event.warnings = event.warnings.filter((warning) => !IDENTITY_WARNING.test(warning));
          const { profileId, identifiers } = this.resolveEvent(tx, event);
          update.run(profileId, identifiers, event.warnings.length > 0 ? JSON.stringify(event.warnings) : null, row.seq);
          tx.applyEvent(profileId, event, row.seq);
        }
        tx.flush();
      });
      after = rows[rows.length - 1]!.seq;
      done += rows.length;
      onProgress?.(done, total);
    }
    const profiles = Number((this.db.prepare('SELECT count(*) AS n FROM profiles WHERE merged_into IS NULL').get() as { n: number }).n);
    return { events: done, profiles };
  }

  async findProfileByIdentifier(workspaceId: string, identifier: Identifier): Promise<string | null> {
    return new SqliteIdentityTx(this.db, this.identityStatements, this.stamp).ownerOf(workspaceId, identifier);
  }

  async getProfile(workspaceId: string, id: string): Promise<{ profile: ProfileView; mergedFrom: string | null } | null> {
    const exists = this.db.prepare('SELECT workspace_id FROM profiles WHERE id = ?').get(id) as { workspace_id: string } | undefined;
    if (!exists || exists.workspace_id !== workspaceId) return null;
    const tx = new SqliteIdentityTx(this.db, this.identityStatements, this.stamp);
    const root = tx.rootOf(id);
    const row = this.db.prepare('SELECT id, created_at, updated_at, state FROM profiles WHERE id = ?').get(root) as {
      id: string; created_at: number; updated_at: number; state: string;
    };
    const state = JSON.parse(row.state) as ProfileState;
    const identifiers = (this.db.prepare('SELECT type, value, added_at FROM identities WHERE profile_id = ? ORDER BY added_at, type, value').all(root) as Array<{
      type: string; value: string; added_at: number;
    }>).map((identity) => ({ type: identity.type, value: identity.value, addedAt: identity.added_at }));
    const merges = (this.db.prepare(`
      WITH RECURSIVE members(id) AS (SELECT ? UNION SELECT p.id FROM profiles p JOIN members m ON p.merged_into = m.id)
      SELECT * FROM merges WHERE survivor_id IN (SELECT id FROM members) OR absorbed_id IN (SELECT id FROM members) ORDER BY id`).all(root) as unknown as MergeRow[]).map(toMergeRecord);
    return {
      mergedFrom: root === id ? null : id,
      profile: { ...state, id: root, createdAt: row.created_at, updatedAt: row.updated_at, displayName: displayName(state), identifiers, merges },
    };
  }

  async listProfileEvents(filter: ProfileEventFilter): Promise<Page<EventRecord>> {
    let query = this.kysely.selectFrom('events').selectAll().where('workspace_id', '=', filter.workspaceId).where('profile_id', '=', filter.profileId);
    if (filter.departments?.length) query = query.where('department', 'in', filter.departments);
    if (filter.channels?.length) query = query.where('channel', 'in', filter.channels);
    if (filter.types?.length) query = query.where('type', 'in', filter.types);
    if (filter.from !== undefined) query = query.where('timestamp', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('timestamp', '<', filter.to);
    if (filter.cursor) {
      const [time, seq] = filter.cursor.split(':').map(Number) as [number, number];
      query = query.where((eb) => eb.or([eb('timestamp', '<', time), eb.and([eb('timestamp', '=', time), eb('seq', '<', seq)])]));
    }
    const rows = await query.orderBy('timestamp', 'desc').orderBy('seq', 'desc').limit(filter.limit + 1).execute();
    const items = rows.slice(0, filter.limit).map(eventRecordFromRow);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > filter.limit && last ? `${last.timestamp}:${last.seq}` : null };
  }

  async searchProfiles(search: ProfileSearch): Promise<ProfileHit[]> {
    const found = new Map<string, string>();
    const tx = new SqliteIdentityTx(this.db, this.identityStatements, this.stamp);
    const add = (profileId: string, matched: string) => {
      if (found.size < search.limit && !found.has(profileId)) found.set(profileId, matched);
    };
    if (search.phone) {
      const owner = tx.ownerOf(search.workspaceId, { type: 'phone', value: search.phone });
      if (owner) add(owner, `phone ${search.phone}`);
    }
    const text = search.text.trim();
    if (text !== '') {
      for (const prefix of new Set([text, text.toLowerCase()])) {
        const rows = this.db.prepare('SELECT type, value, profile_id FROM identities WHERE workspace_id = ? AND value >= ? AND value < ? ORDER BY value LIMIT ?')
          .all(search.workspaceId, prefix, `${prefix}\uffff`, search.limit) as Array<{ type: string; value: string; profile_id: string }>;
        for (const row of rows) add(row.profile_id, `${row.type} ${row.value}`);
      }
      const like = text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
      const names = this.db.prepare(`SELECT id, search_name FROM profiles WHERE workspace_id = ? AND merged_into IS NULL
        AND (search_name LIKE ? ESCAPE '\\' OR search_name LIKE ? ESCAPE '\\') ORDER BY search_name LIMIT ?`)
        .all(search.workspaceId, `${like}%`, `% ${like}%`, search.limit) as Array<{ id: string; search_name: string }>;
      for (const row of names) add(row.id, `name ${row.search_name}`);
    }
    // Identities and the name index point at live profiles only, so no merge chain needs following.
    const profileState = this.db.prepare('SELECT state FROM profiles WHERE id = ?');
    const hits: ProfileHit[] = [];
    for (const [id, matched] of found) {
      const row = profileState.get(id) as { state: string } | undefined;
      if (!row) continue;
      const state = JSON.parse(row.state) as ProfileState;
      const identifiers = tx.identifiersOf(id);
      hits.push({
        id,
        displayName: displayName(state),
        email: identifiers.find((identifier) => identifier.type === 'email')?.value ?? null,
        phone: identifiers.find((identifier) => identifier.type === 'phone')?.value ?? null,
        lastSeen: state.lastSeen,
        matched,
      });
    }
    return hits;
  }

  async unmerge(workspaceId: string, profileId: string, mergeId: number): Promise<UnmergeResult> {
    const tx = new SqliteIdentityTx(this.db, this.identityStatements, this.stamp);
    // The check reads inside the transaction, so a merge committed by the processing thread in between cannot slip past it.
    return immediateTransaction(this.db, () => {
      const merge = tx.mergeRecord(workspaceId, mergeId);
      const root = tx.rootOf(profileId);
      if (!merge || (tx.rootOf(merge.survivorId) !== root && merge.absorbedId !== profileId)) {
        throw new CentricError('CENTRIC_ERR_MERGE_NOT_FOUND', `profile ${profileId} has no merge with id ${mergeId}`);
      }
      const at = this.now();
      const result = unmerge(tx, this.rules, workspaceId, mergeId, at);
      tx.recordUnmerge(workspaceId, result.restoredProfileId, result.survivingProfileId, at);
      return result;
    });
  }

  /** Every identity of a workspace with its profile, streamed (for rebuild checks and exports). */
  *listIdentities(workspaceId: string): Generator<{ type: string; value: string; profile: string }> {
    const statement = this.db.prepare('SELECT type, value, profile_id AS profile FROM identities WHERE workspace_id = ?');
    yield* statement.iterate(workspaceId) as Iterable<{ type: string; value: string; profile: string }>;
  }

  async logPosition(log: string): Promise<number> {
    return this.readLogPosition(log);
  }

  private readLogPosition(log: string): number {
    const row = this.db.prepare("SELECT value FROM settings WHERE workspace_id = '' AND key = ?").get(logPositionKey(log)) as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }

  identityRules(): IdentityRules {
    return this.rules;
  }

  async setIdentityRules(workspaceId: string, rules: IdentityRules): Promise<void> {
    this.db.prepare(`INSERT INTO settings (workspace_id, key, value, updated_at) VALUES (?, 'identity_rules', ?, ?)
      ON CONFLICT (workspace_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`).run(
      workspaceId, JSON.stringify(rules), Date.now(),
    );
    this.rules = rules;
  }

  /** Reads the rules again after another connection changed them. */
  reloadIdentityRules(): void {
    this.rules = this.loadIdentityRules();
  }

  private loadIdentityRules(): IdentityRules {
    const row = this.db.prepare("SELECT value FROM settings WHERE workspace_id = 'default' AND key = 'identity_rules'").get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as IdentityRules) : DEFAULT_IDENTITY_RULES;
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
    const items = rows.slice(0, filter.limit).map(eventRecordFromRow);
    return { items, nextCursor: rows.length > filter.limit ? String(items[items.length - 1]!.seq) : null };
  }

  async readEventsAfter(afterSeq: number, limit: number): Promise<EventRecord[]> {
    const rows = await this.kysely.selectFrom('events').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map(eventRecordFromRow);
  }

  async readProfileChanges(afterId: number, limit: number): Promise<ProfileChange[]> {
    const rows = this.db.prepare('SELECT * FROM profile_changes WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Array<{
      id: number; workspace_id: string; kind: string; profile_id: string; other_profile_id: string; moved_event_seqs: string | null; at: number;
    }>;
    return rows.map((row): ProfileChange => row.kind === 'merge'
      ? { id: row.id, workspaceId: row.workspace_id, kind: 'merge', profileId: row.profile_id, intoProfileId: row.other_profile_id, at: row.at }
      : { id: row.id, workspaceId: row.workspace_id, kind: 'unmerge', profileId: row.profile_id, fromProfileId: row.other_profile_id,
        movedEventSeqs: JSON.parse(row.moved_event_seqs ?? '[]') as number[], at: row.at });
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

/** Log positions live in the settings table under one key per log. */
function logPositionKey(log: string): string {
  return `log_position:${log}`;
}
