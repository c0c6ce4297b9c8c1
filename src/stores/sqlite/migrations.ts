import type { DatabaseSync } from 'node:sqlite';
import { immediateTransaction } from './transaction.ts';
import { pendingMigrations, type Migration } from '../migration.ts';

/** The SQLite schema, oldest change first; the same logical schema as the PostgreSQL store. */
export const migrations: Migration[] = [
  {
    version: 1,
    name: 'sources, events, dedup and failed events',
    sql: `
      CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        name TEXT NOT NULL,
        write_key TEXT NOT NULL UNIQUE,
        channel TEXT,
        touchpoint TEXT,
        department TEXT,
        enabled INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (workspace_id, name)
      );
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        envelope_version INTEGER NOT NULL,
        workspace_id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        type TEXT NOT NULL,
        event TEXT,
        user_id TEXT,
        anonymous_id TEXT,
        channel TEXT NOT NULL,
        touchpoint TEXT NOT NULL,
        department TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        original_timestamp INTEGER,
        sent_at INTEGER,
        received_at INTEGER NOT NULL,
        warnings TEXT,
        payload TEXT NOT NULL
      );
      CREATE TABLE message_ids (
        workspace_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        seen_at INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, message_id)
      ) WITHOUT ROWID;
      CREATE INDEX message_ids_seen_at ON message_ids (seen_at);
      CREATE TABLE failed_events (
        id INTEGER PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        field TEXT,
        payload TEXT NOT NULL,
        replayed_at INTEGER,
        replayed_message_id TEXT
      );
      CREATE INDEX failed_events_open ON failed_events (workspace_id, replayed_at, id);
    `,
  },
  {
    version: 2,
    name: 'profiles, identities, merge log',
    sql: `
      ALTER TABLE events ADD COLUMN profile_id TEXT;
      ALTER TABLE events ADD COLUMN identifiers TEXT;
      CREATE INDEX events_profile_time ON events (profile_id, timestamp, seq);
      CREATE TABLE profiles (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        merged_into TEXT,
        state TEXT NOT NULL,
        identifier_counts TEXT NOT NULL DEFAULT '{}',
        search_name TEXT
      );
      CREATE INDEX profiles_search_name ON profiles (workspace_id, search_name) WHERE merged_into IS NULL;
      CREATE INDEX profiles_merged_into ON profiles (merged_into) WHERE merged_into IS NOT NULL;
      CREATE TABLE identities (
        workspace_id TEXT NOT NULL,
        type TEXT NOT NULL,
        value TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        added_at INTEGER NOT NULL,
        conflicts INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (workspace_id, type, value)
      ) WITHOUT ROWID;
      CREATE INDEX identities_profile ON identities (profile_id);
      CREATE INDEX identities_value ON identities (workspace_id, value);
      CREATE TABLE merges (
        id INTEGER PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        survivor_id TEXT NOT NULL,
        absorbed_id TEXT NOT NULL,
        absorbed_identifiers TEXT NOT NULL,
        linking_identifiers TEXT NOT NULL,
        message_id TEXT NOT NULL,
        rule TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        undone_at INTEGER
      );
      CREATE INDEX merges_survivor ON merges (survivor_id);
      CREATE INDEX merges_absorbed ON merges (absorbed_id);
      CREATE TABLE kept_apart (
        workspace_id TEXT NOT NULL,
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        merge_id INTEGER NOT NULL,
        PRIMARY KEY (a, b)
      ) WITHOUT ROWID;
      CREATE TABLE settings (
        workspace_id TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (workspace_id, key)
      );
    `,
  },
  {
    version: 3,
    name: 'named log positions, profile change feed for analytics',
    sql: `
      UPDATE settings SET key = 'log_position:accepted' WHERE workspace_id = '' AND key = 'accepted_log_seq';
      CREATE TABLE profile_changes (
        id INTEGER PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        other_profile_id TEXT NOT NULL,
        moved_event_seqs TEXT,
        at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'segments, computed traits, per-profile segment state, members and membership history',
    sql: `
      CREATE TABLE segments (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        definition TEXT NOT NULL,
        revision INTEGER NOT NULL,
        progress TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (workspace_id, name)
      );
      CREATE TABLE computed_traits (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        key TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        definition TEXT NOT NULL,
        revision INTEGER NOT NULL,
        progress TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (workspace_id, key)
      );
      CREATE TABLE profile_segment_state (
        profile_id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        accumulators TEXT NOT NULL,
        computed TEXT NOT NULL,
        next_check_at INTEGER,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX profile_segment_state_due ON profile_segment_state (next_check_at) WHERE next_check_at IS NOT NULL;
      CREATE TABLE segment_members (
        segment_id TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        entered_at INTEGER NOT NULL,
        PRIMARY KEY (segment_id, profile_id)
      ) WITHOUT ROWID;
      CREATE INDEX segment_members_profile ON segment_members (profile_id);
      -- AUTOINCREMENT: deleting a segment deletes its history, and a reused id would hide later rows from feed readers.
      CREATE TABLE segment_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        workspace_id TEXT NOT NULL,
        segment_id TEXT NOT NULL,
        profile_id TEXT NOT NULL,
        change TEXT NOT NULL CHECK (change IN ('entered', 'exited')),
        at INTEGER NOT NULL,
        cause TEXT NOT NULL
      );
      CREATE INDEX segment_history_workspace ON segment_history (workspace_id, id);
      CREATE INDEX segment_history_segment ON segment_history (segment_id, id);
      CREATE INDEX segment_history_profile ON segment_history (profile_id, id);
      CREATE INDEX profiles_live ON profiles (workspace_id, id) WHERE merged_into IS NULL;
    `,
  },
];

/** Brings the schema up to date inside one transaction; a failure leaves it as it was. */
export function migrate(db: DatabaseSync): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((row) => row.version);
  const pending = pendingMigrations(migrations, applied);
  if (pending.length === 0) return [];
  immediateTransaction(db, () => {
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of pending) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }
  });
  return pending.map((migration) => migration.version);
}
