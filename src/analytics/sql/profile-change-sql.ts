import type { ProfileChange } from '../../stores/ports.ts';
import type { SqlValue } from './sql-dialect.ts';
import { TABLES } from './analytics-sql.ts';

/**
 * How the analytics copy follows merges and unmerges, in SQL both engines run. An adapter gives a
 * way to run one statement inside its open transaction; these functions decide what to run.
 *
 * Two small tables carry the identity changes: `links` (absorbed -> the profile it was merged into:
 * the merge tree, needed to undo a merge) and `aliases` (absorbed -> its live profile: what queries
 * join). A merge touches only them. An unmerge rewrites the events it names, and the events of the
 * revived profile's subtree that stayed behind, both bounded by the customer's size.
 */
export interface ChangeRunner {
  run(sql: string, params: SqlValue[]): Promise<Array<Record<string, unknown>>>;
  /** `column IN <the list parameter $n>` in the engine's words. */
  inList(column: string, placeholder: string): string;
}

const text = (value: string): SqlValue => ({ type: 'text', value });

export async function applyProfileChange(db: ChangeRunner, change: ProfileChange): Promise<void> {
  if (change.kind === 'merge') await applyMerge(db, change.profileId, change.intoProfileId);
  else await applyUnmerge(db, change.workspaceId, change.profileId, change.fromProfileId, change.movedEventSeqs);
}

async function applyMerge(db: ChangeRunner, absorbed: string, into: string): Promise<void> {
  await db.run(`INSERT INTO ${TABLES.links} (absorbed_id, into_id) VALUES ($1, $2)
    ON CONFLICT (absorbed_id) DO UPDATE SET into_id = excluded.into_id`, [text(absorbed), text(into)]);
  const rows = await db.run(`SELECT root_id FROM ${TABLES.aliases} WHERE absorbed_id = $1`, [text(into)]);
  const root = rows.length > 0 ? String(rows[0]!.root_id) : into;
  // Profiles absorbed earlier into the absorbed one now live on where it goes.
  await db.run(`UPDATE ${TABLES.aliases} SET root_id = $1 WHERE root_id = $2`, [text(root), text(absorbed)]);
  await db.run(`INSERT INTO ${TABLES.aliases} (absorbed_id, root_id) VALUES ($1, $2)
    ON CONFLICT (absorbed_id) DO UPDATE SET root_id = excluded.root_id`, [text(absorbed), text(root)]);
}

async function applyUnmerge(db: ChangeRunner, workspaceId: string, revived: string, from: string, moved: number[]): Promise<void> {
  await db.run(`DELETE FROM ${TABLES.links} WHERE absorbed_id = $1`, [text(revived)]);
  await db.run(`DELETE FROM ${TABLES.aliases} WHERE absorbed_id = $1`, [text(revived)]);
  const subtree = (await db.run(`WITH RECURSIVE sub(id) AS (
      SELECT absorbed_id FROM ${TABLES.links} WHERE into_id = $1
      UNION SELECT l.absorbed_id FROM ${TABLES.links} l JOIN sub ON l.into_id = sub.id
    ) SELECT id FROM sub`, [text(revived)])).map((row) => String(row.id));
  const family = [revived, ...subtree];
  if (subtree.length > 0) {
    await db.run(`UPDATE ${TABLES.aliases} SET root_id = $1 WHERE ${db.inList('absorbed_id', '$2')}`, [text(revived), { type: 'text[]', value: subtree }]);
  }
  const seqs: SqlValue = { type: 'bigint[]', value: moved };
  if (moved.length > 0) {
    await db.run(`UPDATE ${TABLES.events} SET profile_id = $1 WHERE workspace_id = $2 AND ${db.inList('seq', '$3')}`, [text(revived), text(workspaceId), seqs]);
  }
  // Events of the revived profile's family that did not move back stay with the profile they lived on.
  await db.run(
    `UPDATE ${TABLES.events} SET profile_id = $1 WHERE workspace_id = $2 AND ${db.inList('profile_id', '$3')}${moved.length > 0 ? ` AND NOT ${db.inList('seq', '$4')}` : ''}`,
    moved.length > 0 ? [text(from), text(workspaceId), { type: 'text[]', value: family }, seqs] : [text(from), text(workspaceId), { type: 'text[]', value: family }],
  );
}

/** Folds every alias into the rows it serves, then forgets the aliases (links stay: unmerges need them). */
export async function compactAliases(db: ChangeRunner): Promise<number> {
  const rows = await db.run(`SELECT count(*) AS n FROM ${TABLES.events} e JOIN ${TABLES.aliases} a ON a.absorbed_id = e.profile_id`, []);
  const rewritten = Number(rows[0]?.n ?? 0);
  if (rewritten > 0) {
    await db.run(`UPDATE ${TABLES.events} SET profile_id = a.root_id FROM ${TABLES.aliases} a WHERE ${TABLES.events}.profile_id = a.absorbed_id`, []);
  }
  await db.run(`DELETE FROM ${TABLES.aliases}`, []);
  return rewritten;
}

/** Deletes the events of live profiles and of every profile absorbed into them, and their aliases and links. */
export async function eraseProfiles(db: ChangeRunner, workspaceId: string, profileIds: string[]): Promise<number> {
  const ids: SqlValue = { type: 'text[]', value: profileIds };
  const absorbed = (await db.run(`SELECT absorbed_id FROM ${TABLES.aliases} WHERE ${db.inList('root_id', '$1')}`, [ids])).map((row) => String(row.absorbed_id));
  const all: SqlValue = { type: 'text[]', value: [...profileIds, ...absorbed] };
  const counted = await db.run(`SELECT count(*) AS n FROM ${TABLES.events} WHERE workspace_id = $1 AND ${db.inList('profile_id', '$2')}`, [text(workspaceId), all]);
  await db.run(`DELETE FROM ${TABLES.events} WHERE workspace_id = $1 AND ${db.inList('profile_id', '$2')}`, [text(workspaceId), all]);
  await db.run(`DELETE FROM ${TABLES.aliases} WHERE ${db.inList('absorbed_id', '$1')}`, [all]);
  await db.run(`DELETE FROM ${TABLES.links} WHERE ${db.inList('absorbed_id', '$1')} OR ${db.inList('into_id', '$1')}`, [all]);
  return Number(counted[0]?.n ?? 0);
}
