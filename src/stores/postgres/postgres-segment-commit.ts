import type { CompiledQuery } from 'kysely';
import type { Pool, PoolClient } from 'pg';
import type { NewMembershipChange, ProfileSegmentState, SegmentCommit } from '../../segments/segment-port.ts';
import { jsonText, parseEnginePosition, samePosition, SEGMENT_ENGINE_POSITION_KEY, type SegmentQueryCapabilities } from '../kysely-segment-queries.ts';
import { inTransaction, lockKey } from './transaction.ts';

/**
 * Names the lock every segment commit holds to its end: two engines cannot both move the position, and
 * membership history ids are taken in commit order, so a reader of the feed never passes over a row
 * that commits late.
 */
const SEGMENT_COMMIT_LOCK = lockKey('segment-engine', 'commit');

const PROGRESS_TABLES = { segment: 'segments', 'computed-trait': 'computed_traits' } as const;

/** Writes one segment engine commit in one transaction, a statement per kind of row; false when `from` no longer matches. */
export function commitSegments(pool: Pool, commit: SegmentCommit): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [String(SEGMENT_COMMIT_LOCK)]);
    if (commit.from) {
      const { rows } = await client.query<{ value: string }>("SELECT value FROM settings WHERE workspace_id = '' AND key = $1", [SEGMENT_ENGINE_POSITION_KEY]);
      if (!samePosition(parseEnginePosition(rows[0]?.value), commit.from)) return false;
    }
    const now = Date.now();
    await saveStates(client, commit.states, now);
    if (commit.dropped.length > 0) {
      await client.query('DELETE FROM profile_segment_state WHERE profile_id = ANY($1::text[])', [commit.dropped]);
      await client.query('DELETE FROM segment_members WHERE profile_id = ANY($1::text[])', [commit.dropped]);
    }
    await recordChanges(client, commit.changes);
    await saveProgress(client, commit.progress ?? []);
    if (commit.to) {
      await client.query(
        `INSERT INTO settings (workspace_id, key, value, updated_at) VALUES ('', $1, $2, $3)
         ON CONFLICT (workspace_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        [SEGMENT_ENGINE_POSITION_KEY, JSON.stringify(commit.to), now],
      );
    }
    return true;
  });
}

/** Upserts the states, the last one given per profile (one statement may not change a row twice), in profile order. */
async function saveStates(client: PoolClient, states: ProfileSegmentState[], now: number): Promise<void> {
  if (states.length === 0) return;
  const latest = [...new Map(states.map((state) => [state.profileId, state])).values()].sort((a, b) => (a.profileId < b.profileId ? -1 : 1));
  await client.query(
    `INSERT INTO profile_segment_state (profile_id, workspace_id, accumulators, computed, next_check_at, updated_at)
     SELECT p, w, a, c, n, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS u(p, w, a, c, n)
     ON CONFLICT (profile_id) DO UPDATE SET workspace_id = excluded.workspace_id, accumulators = excluded.accumulators,
       computed = excluded.computed, next_check_at = excluded.next_check_at, updated_at = excluded.updated_at`,
    [
      latest.map((state) => state.profileId), latest.map((state) => state.workspaceId), latest.map((state) => jsonText(state.accumulators)),
      latest.map((state) => jsonText(state.computed)), latest.map((state) => state.nextCheckAt), now,
    ],
  );
}

/** Appends the changes to the history in the order given and brings the member rows to where they lead. */
async function recordChanges(client: PoolClient, changes: NewMembershipChange[]): Promise<void> {
  if (changes.length === 0) return;
  await client.query(
    `INSERT INTO segment_history (workspace_id, segment_id, profile_id, change, at, cause)
     SELECT w, s, p, c, a, x FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[]) WITH ORDINALITY AS u(w, s, p, c, a, x, n)
     WHERE EXISTS (SELECT 1 FROM segments g WHERE g.id = u.s)
     ORDER BY n`,
    [
      changes.map((change) => change.workspaceId), changes.map((change) => change.segmentId), changes.map((change) => change.profileId),
      changes.map((change) => change.change), changes.map((change) => change.at), changes.map((change) => jsonText(change.cause)),
    ],
  );
  const { removed, entered } = netMembership(changes);
  if (removed.length > 0) {
    await client.query(
      'DELETE FROM segment_members m USING unnest($1::text[], $2::text[]) AS u(s, p) WHERE m.segment_id = u.s AND m.profile_id = u.p',
      [removed.map((key) => key.segmentId), removed.map((key) => key.profileId)],
    );
  }
  if (entered.length > 0) {
    await client.query(
      `INSERT INTO segment_members (segment_id, profile_id, workspace_id, entered_at)
       SELECT s, p, w, a FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(s, p, w, a)
       WHERE EXISTS (SELECT 1 FROM segments g WHERE g.id = u.s)
       ON CONFLICT (segment_id, profile_id) DO NOTHING`,
      [entered.map((change) => change.segmentId), entered.map((change) => change.profileId), entered.map((change) => change.workspaceId), entered.map((change) => change.at)],
    );
  }
}

/**
 * What applying the changes one by one does to the member rows, as one delete and one insert: a
 * membership that exited at some point is deleted, and one that ends entered is inserted (kept when
 * present) with the time of its first entry after its last exit.
 */
function netMembership(changes: NewMembershipChange[]): { removed: Array<{ segmentId: string; profileId: string }>; entered: NewMembershipChange[] } {
  const byKey = new Map<string, { exited: boolean; entry: NewMembershipChange | null }>();
  for (const change of changes) {
    const key = `${change.segmentId}\u0000${change.profileId}`;
    const net = byKey.get(key) ?? { exited: false, entry: null };
    if (change.change === 'exited') {
      net.exited = true;
      net.entry = null;
    } else {
      net.entry ??= change;
    }
    byKey.set(key, net);
  }
  const removed: Array<{ segmentId: string; profileId: string }> = [];
  const entered: NewMembershipChange[] = [];
  for (const [key, net] of byKey) {
    const [segmentId, profileId] = key.split('\u0000') as [string, string];
    if (net.exited) removed.push({ segmentId, profileId });
    if (net.entry) entered.push(net.entry);
  }
  return { removed, entered };
}

/** Records progress only on rows still at the revision computed: an edit during a computation wins. */
async function saveProgress(client: PoolClient, progress: NonNullable<SegmentCommit['progress']>): Promise<void> {
  for (const [kind, table] of Object.entries(PROGRESS_TABLES)) {
    // The last entry per row, since one UPDATE changes a row once.
    const entries = [...new Map(progress.filter((entry) => entry.kind === kind).map((entry) => [entry.id, entry])).values()];
    if (entries.length === 0) continue;
    await client.query(
      `UPDATE ${table} t SET progress = u.p FROM unnest($1::text[], $2::int[], $3::text[]) AS u(i, r, p) WHERE t.id = u.i AND t.revision = u.r`,
      [entries.map((entry) => entry.id), entries.map((entry) => entry.revision), entries.map((entry) => jsonText(entry.progress))],
    );
  }
}

/** The segment queries' engine hooks for PostgreSQL. */
export function postgresSegmentCapabilities(pool: Pool): SegmentQueryCapabilities {
  return {
    isUniqueViolation: (error) => (error as { code?: string }).code === '23505',
    runInTransaction: (queries: CompiledQuery[]) => inTransaction(pool, async (client) => {
      // Waits for an engine commit in hand, so a deleted segment's members cannot be written back after it.
      await client.query('SELECT pg_advisory_xact_lock($1)', [String(SEGMENT_COMMIT_LOCK)]);
      const changed: number[] = [];
      for (const query of queries) changed.push((await client.query(query.sql, query.parameters as unknown[])).rowCount ?? 0);
      return changed;
    }),
  };
}
