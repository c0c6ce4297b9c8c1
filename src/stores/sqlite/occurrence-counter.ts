import { DatabaseSync } from 'node:sqlite';

/** Counts how often each content hash has been seen in one file: 1 the first time, 2 the second, ... */
export interface OccurrenceCounter {
  next(hash: Buffer): number;
  close(): void;
}

/**
 * Keeps the counts in a temporary SQLite database on disk (deleted when closed), so a file of
 * any number of distinct rows needs no more memory than SQLite's page cache.
 */
export function createOccurrenceCounter(): OccurrenceCounter {
  // An empty path is SQLite's private temporary database: on disk, removed on close.
  const db = new DatabaseSync('');
  db.exec(`
    PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -16384;
    CREATE TABLE seen (hash BLOB PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;`);
  const bump = db.prepare('INSERT INTO seen (hash, count) VALUES (?, 1) ON CONFLICT (hash) DO UPDATE SET count = count + 1 RETURNING count');
  let pendingWrites = 0;
  return {
    next(hash) {
      // Nothing here needs to survive a crash; grouping writes into transactions makes each one cheap.
      if (pendingWrites === 0) db.exec('BEGIN');
      const row = bump.get(hash.subarray(0, 16)) as { count: number };
      pendingWrites += 1;
      if (pendingWrites === 10_000) {
        db.exec('COMMIT');
        pendingWrites = 0;
      }
      return Number(row.count);
    },
    close() {
      if (db.isOpen) db.close();
    },
  };
}
