import type { DatabaseSync } from 'node:sqlite';

/** One schema change. Applied migrations are recorded and never edited; add a new one instead. */
interface Migration {
  version: number;
  name: string;
  sql: string;
}

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
];

/** Brings the schema up to date inside one transaction; a failure leaves it as it was. */
export function migrate(db: DatabaseSync): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((row) => row.version),
  );
  const pending = migrations.filter((migration) => !applied.has(migration.version));
  if (pending.length === 0) return [];
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const migration of pending) {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
  return pending.map((migration) => migration.version);
}
