import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Kysely } from 'kysely';
import type { StoredEvent } from '../../core/event-schema.ts';
import { CentricError } from '../../core/errors.ts';
import { DEFAULT_IDENTITY_RULES, type IdentityRules } from '../../core/identity-rules.ts';
import type { Identifier } from '../../identity/identifiers.ts';
import { resolveEventIdentity } from '../../identity/resolve-event.ts';
import { unmerge, type UnmergeResult } from '../../identity/unmerge.ts';
import type { SegmentCommit } from '../../segments/segment-port.ts';
import { encodeIdentifiers, eventFromRow, eventInsertValues, INSERT_EVENT_SQL, type EventRow } from '../event-rows.ts';
import { GroupCommitter } from '../group-committer.ts';
import { toProfileChange, toProfileView, type IdentityRow, type MergeRow, type ProfileChangeRow } from '../identity-rows.ts';
import { KyselySegmentQueries, type SegmentQueryCapabilities } from '../kysely-segment-queries.ts';
import type { StateQueryCapabilities, StateTables } from '../kysely-state-queries.ts';
import type {
  AppendRequest, AppendResult, ProfileChange, ProfileView, StateStore,
} from '../ports.ts';
import { logPositionKey } from '../settings-keys.ts';
import { createKysely } from './kysely-node-sqlite.ts';
import { migrate } from './migrations.ts';
import { prepareStatements, SqliteIdentityTx } from './sqlite-identity-tx.ts';
import { prepareSegmentCommit, sqliteSegmentCapabilities } from './sqlite-segment-commit.ts';
import { immediateTransaction } from './transaction.ts';

/** Warnings written by identity resolution, recomputed when profiles are rebuilt. */
const IDENTITY_WARNING = /(links nothing|was not used|was not added|a profile of its own)/;

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
export class SqliteStateStore extends KyselySegmentQueries implements StateStore {
  readonly engine = 'sqlite';
  protected readonly kysely: Kysely<StateTables>;
  protected readonly capabilities: StateQueryCapabilities & SegmentQueryCapabilities;
  private readonly db: DatabaseSync;
  private readonly committer: GroupCommitter<AppendRequest, AppendResult>;
  private readonly dedupWindowMs: number;
  private readonly now: () => number;
  private statements!: {
    claimMessageId: StatementSync;
    insertEvent: StatementSync;
    insertFailed: StatementSync;
    markReplayed: StatementSync;
    readLogPosition: StatementSync;
    saveLogPosition: StatementSync;
  };
  private identityStatements!: ReturnType<typeof prepareStatements>;
  private segmentCommit!: ReturnType<typeof prepareSegmentCommit>;
  private rules: IdentityRules = DEFAULT_IDENTITY_RULES;
  private readonly resolveIdentities: boolean;
  private pruneTimer: NodeJS.Timeout | null = null;
  private lastStamp = 0;
  /** Strictly increasing wall-clock milliseconds for identities and merges. */
  private readonly stamp = (): number => (this.lastStamp = Math.max(Date.now(), this.lastStamp + 1));

  constructor(options: SqliteStateStoreOptions) {
    super();
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new DatabaseSync(options.path);
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.synchronous ?? 'FULL'}; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -131072; PRAGMA wal_autocheckpoint = 10000;`);
    this.kysely = createKysely<StateTables>(this.db);
    this.capabilities = { booleansAsIntegers: true, sourceCreationOrder: 'rowid', prefixSearch: 'range', ...sqliteSegmentCapabilities(this.db) };
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
      readLogPosition: this.db.prepare("SELECT value FROM settings WHERE workspace_id = '' AND key = ?"),
      saveLogPosition: this.db.prepare(`INSERT INTO settings (workspace_id, key, value, updated_at) VALUES ('', ?, ?, ?)
        ON CONFLICT (workspace_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
    };
    this.identityStatements = prepareStatements(this.db);
    this.segmentCommit = prepareSegmentCommit(this.db);
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

  async commitSegments(commit: SegmentCommit): Promise<boolean> {
    return this.segmentCommit(commit);
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
    // Synchronous reads: no commit on this shared connection can fall between them and show half a merge.
    const exists = this.db.prepare('SELECT workspace_id FROM profiles WHERE id = ?').get(id) as { workspace_id: string } | undefined;
    if (!exists || exists.workspace_id !== workspaceId) return null;
    const tx = new SqliteIdentityTx(this.db, this.identityStatements, this.stamp);
    const root = tx.rootOf(id);
    const row = this.db.prepare('SELECT id, created_at, updated_at, state FROM profiles WHERE id = ?').get(root) as {
      id: string; created_at: number; updated_at: number; state: string;
    };
    const identities = this.db.prepare('SELECT type, value, added_at FROM identities WHERE profile_id = ? ORDER BY added_at, type, value').all(root) as unknown as IdentityRow[];
    const merges = this.db.prepare(`
      WITH RECURSIVE members(id) AS (SELECT ? UNION SELECT p.id FROM profiles p JOIN members m ON p.merged_into = m.id)
      SELECT * FROM merges WHERE survivor_id IN (SELECT id FROM members) OR absorbed_id IN (SELECT id FROM members) ORDER BY id`).all(root) as unknown as MergeRow[];
    return toProfileView(id, row, identities, merges);
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
    const row = this.statements.readLogPosition.get(logPositionKey(log)) as { value: string } | undefined;
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

  async readProfileChanges(afterId: number, limit: number): Promise<ProfileChange[]> {
    const rows = this.db.prepare('SELECT * FROM profile_changes WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as unknown as Array<
      ProfileChangeRow & { moved_event_seqs: string | null }
    >;
    return rows.map((row) => toProfileChange(row, () => JSON.parse(row.moved_event_seqs ?? '[]') as number[]));
  }
}
