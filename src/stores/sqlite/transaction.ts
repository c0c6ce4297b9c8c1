import type { DatabaseSync } from 'node:sqlite';

/**
 * Runs `work` in one write transaction, taking the write lock at once (so a busy database waits here,
 * not halfway through); commits what it did, or rolls everything back if it throws.
 */
export function immediateTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
