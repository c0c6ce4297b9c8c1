import type { DatabaseSync } from 'node:sqlite';
import type { CompiledQuery } from 'kysely';
import type { SegmentCommit } from '../../segments/segment-port.ts';
import { jsonText, parseEnginePosition, samePosition, SEGMENT_ENGINE_POSITION_KEY, type SegmentQueryCapabilities } from '../kysely-segment-queries.ts';
import { immediateTransaction } from './transaction.ts';

/**
 * Prepares the segment engine's statements once (call it after the migrations) and gives the function
 * that writes one commit. The function is synchronous: other code shares the connection, and nothing
 * can run between its BEGIN and COMMIT.
 */
export function prepareSegmentCommit(db: DatabaseSync): (commit: SegmentCommit) => boolean {
  const statements = {
    readPosition: db.prepare("SELECT value FROM settings WHERE workspace_id = '' AND key = ?"),
    savePosition: db.prepare(`INSERT INTO settings (workspace_id, key, value, updated_at) VALUES ('', ?, ?, ?)
      ON CONFLICT (workspace_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`),
    saveState: db.prepare(`INSERT INTO profile_segment_state (profile_id, workspace_id, accumulators, computed, next_check_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (profile_id) DO UPDATE SET workspace_id = excluded.workspace_id, accumulators = excluded.accumulators,
        computed = excluded.computed, next_check_at = excluded.next_check_at, updated_at = excluded.updated_at`),
    dropState: db.prepare('DELETE FROM profile_segment_state WHERE profile_id = ?'),
    dropMemberships: db.prepare('DELETE FROM segment_members WHERE profile_id = ?'),
    // A change to a segment deleted since the engine read its definitions is dropped, not written back.
    recordChange: db.prepare(`INSERT INTO segment_history (workspace_id, segment_id, profile_id, change, at, cause)
      SELECT ?, id, ?, ?, ?, ? FROM segments WHERE id = ?`),
    enter: db.prepare(`INSERT INTO segment_members (segment_id, profile_id, workspace_id, entered_at)
      SELECT id, ?, ?, ? FROM segments WHERE id = ?
      ON CONFLICT (segment_id, profile_id) DO NOTHING`),
    exit: db.prepare('DELETE FROM segment_members WHERE segment_id = ? AND profile_id = ?'),
    // Only for the revision computed: an edit made during the computation started a new one.
    progress: {
      segment: db.prepare('UPDATE segments SET progress = ? WHERE id = ? AND revision = ?'),
      'computed-trait': db.prepare('UPDATE computed_traits SET progress = ? WHERE id = ? AND revision = ?'),
    },
  };

  return (commit) => immediateTransaction(db, () => {
    if (commit.from) {
      const row = statements.readPosition.get(SEGMENT_ENGINE_POSITION_KEY) as { value: string } | undefined;
      if (!samePosition(parseEnginePosition(row?.value), commit.from)) return false;
    }
    const now = Date.now();
    for (const state of commit.states) {
      statements.saveState.run(state.profileId, state.workspaceId, jsonText(state.accumulators), jsonText(state.computed), state.nextCheckAt, now);
    }
    for (const profileId of commit.dropped) {
      statements.dropState.run(profileId);
      statements.dropMemberships.run(profileId);
    }
    for (const change of commit.changes) {
      statements.recordChange.run(change.workspaceId, change.profileId, change.change, change.at, jsonText(change.cause), change.segmentId);
      if (change.change === 'entered') statements.enter.run(change.profileId, change.workspaceId, change.at, change.segmentId);
      else statements.exit.run(change.segmentId, change.profileId);
    }
    for (const entry of commit.progress ?? []) statements.progress[entry.kind].run(jsonText(entry.progress), entry.id, entry.revision);
    if (commit.to) statements.savePosition.run(SEGMENT_ENGINE_POSITION_KEY, JSON.stringify(commit.to), now);
    return true;
  });
}

/** The segment queries' engine hooks for SQLite. */
export function sqliteSegmentCapabilities(db: DatabaseSync): SegmentQueryCapabilities {
  return {
    // SQLITE_CONSTRAINT_UNIQUE; a primary key clash (SQLITE_CONSTRAINT_PRIMARYKEY) is a different code.
    isUniqueViolation: (error) => (error as { errcode?: number }).errcode === 2067,
    runInTransaction: async (queries: CompiledQuery[]) =>
      immediateTransaction(db, () => queries.map((query) => Number(db.prepare(query.sql).run(...(query.parameters as never[])).changes))),
  };
}
