import { randomBytes } from 'node:crypto';
import type { CompiledQuery, Generated, Kysely, Selectable } from 'kysely';
import { CentricError, type ErrorCode } from '../core/errors.ts';
import type { ProfileState } from '../identity/profile-state.ts';
import type {
  ComputationProgress, ComputedTraitRecord, MemberFilter, MembershipCause, MembershipChange, MembershipHistoryFilter, NewComputedTrait,
  NewSegment, ProfileSegmentState, SegmentEnginePosition, SegmentInput, SegmentPatch, SegmentRecord,
} from '../segments/segment-port.ts';
import { KyselyStateQueries, readInChunks, type ProfilesTable, type StateQueryCapabilities } from './kysely-state-queries.ts';
import type { Page } from './ports.ts';

/** A row of the segments table; definition and progress are JSON text. */
export interface SegmentsTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string | null;
  definition: string;
  revision: number;
  progress: string;
  created_at: number;
  updated_at: number;
}

/** A row of the computed_traits table: a segments row with the key the value has on profiles. */
export interface ComputedTraitsTable extends SegmentsTable {
  key: string;
}

/** A row of profile_segment_state; accumulators and computed are JSON text. */
export interface ProfileSegmentStateTable {
  profile_id: string;
  workspace_id: string;
  accumulators: string;
  computed: string;
  next_check_at: number | null;
  updated_at: number;
}

/** A row of segment_members: one profile in one segment now. */
export interface SegmentMembersTable {
  segment_id: string;
  profile_id: string;
  workspace_id: string;
  entered_at: number;
}

/** A row of segment_history; its id orders the membership feed. */
export interface SegmentHistoryTable {
  id: Generated<number>;
  workspace_id: string;
  segment_id: string;
  profile_id: string;
  change: string;
  at: number;
  cause: string;
}

interface SettingsTable {
  workspace_id: string;
  key: string;
  value: string;
  updated_at: number;
}

/** The tables the segment queries read and write, typed for Kysely. */
export interface SegmentTables {
  segments: SegmentsTable;
  computed_traits: ComputedTraitsTable;
  profile_segment_state: ProfileSegmentStateTable;
  segment_members: SegmentMembersTable;
  segment_history: SegmentHistoryTable;
  profiles: ProfilesTable;
  settings: SettingsTable;
}

/** What the segment queries need from the engine under them, beyond the state queries' flags. */
export interface SegmentQueryCapabilities {
  /** Whether a driver error is a unique-constraint violation (a segment name or trait key already taken). */
  isUniqueViolation(error: unknown): boolean;
  /** Runs the statements in one transaction and gives the rows each changed; on SQLite without awaiting inside it. */
  runInTransaction(queries: CompiledQuery[]): Promise<number[]>;
}

/** The two tables of definitions; they share every column but the computed trait's key. */
type DefinitionTable = 'segments' | 'computed_traits';

/** The engine position lives in the settings table (workspace ''), as JSON, under this key on every engine. */
export const SEGMENT_ENGINE_POSITION_KEY = 'segment_engine:position';

/** Where a segment or computed trait starts, and starts again after an edit of its definition. */
export function computingProgress(): ComputationProgress {
  return { status: 'computing', done: 0, total: 0, startedAt: null, finishedAt: null };
}

/** The stored position, or the start of both feeds when none is stored. */
export function parseEnginePosition(value: string | undefined): SegmentEnginePosition {
  if (value === undefined) return { eventSeq: 0, changeId: 0 };
  const position = JSON.parse(value) as SegmentEnginePosition;
  return { eventSeq: Number(position.eventSeq), changeId: Number(position.changeId) };
}

/** Whether two positions name the same place in both feeds. */
export function samePosition(a: SegmentEnginePosition, b: SegmentEnginePosition): boolean {
  return a.eventSeq === b.eventSeq && a.changeId === b.changeId;
}

/** JSON text for a value the segments domain owns; `undefined` is stored as null. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/**
 * The segment store port's definitions and reads, which are the same on every engine. An adapter
 * extends it (it extends the state queries in turn) and adds `commitSegments`, its engine's write path.
 */
export abstract class KyselySegmentQueries extends KyselyStateQueries {
  protected abstract override readonly capabilities: StateQueryCapabilities & SegmentQueryCapabilities;

  /**
   * The adapter's Kysely instance typed with the segment tables: the same connection, which the
   * migrations gave these tables too (Kysely's types are invariant in the table list, hence the cast).
   */
  private get segmentDb(): Kysely<SegmentTables> {
    return this.kysely as unknown as Kysely<SegmentTables>;
  }

  async createSegment(input: NewSegment): Promise<SegmentRecord> {
    const row = newDefinitionRow('seg', input);
    await this.refusingTaken('CENTRIC_ERR_SEGMENT_NAME_TAKEN', `a segment named "${input.name}" already exists`, () =>
      this.segmentDb.insertInto('segments').values(row).execute(),
    );
    return toSegment(row);
  }

  async listSegments(workspaceId: string): Promise<SegmentRecord[]> {
    return (await this.definitionRows('segments', workspaceId, null)).map(toSegment);
  }

  async getSegment(workspaceId: string, id: string): Promise<SegmentRecord | null> {
    const [row] = await this.definitionRows('segments', workspaceId, id);
    return row ? toSegment(row) : null;
  }

  async updateSegment(workspaceId: string, id: string, patch: SegmentPatch): Promise<SegmentRecord | null> {
    const updated = await this.refusingTaken('CENTRIC_ERR_SEGMENT_NAME_TAKEN', `a segment named "${patch.name}" already exists`, () =>
      this.patchDefinition('segments', workspaceId, id, patch),
    );
    return updated ? this.getSegment(workspaceId, id) : null;
  }

  async deleteSegment(workspaceId: string, id: string): Promise<boolean> {
    const [deleted] = await this.capabilities.runInTransaction([
      this.segmentDb.deleteFrom('segments').where('workspace_id', '=', workspaceId).where('id', '=', id).compile(),
      this.segmentDb.deleteFrom('segment_members').where('workspace_id', '=', workspaceId).where('segment_id', '=', id).compile(),
      this.segmentDb.deleteFrom('segment_history').where('workspace_id', '=', workspaceId).where('segment_id', '=', id).compile(),
    ]);
    return deleted! > 0;
  }

  async createComputedTrait(input: NewComputedTrait): Promise<ComputedTraitRecord> {
    const row = { ...newDefinitionRow('ctr', input), key: input.key };
    await this.refusingTaken('CENTRIC_ERR_COMPUTED_TRAIT_KEY_TAKEN', `a computed trait with the key "${input.key}" already exists`, () =>
      this.segmentDb.insertInto('computed_traits').values(row).execute(),
    );
    return toComputedTrait(row);
  }

  async listComputedTraits(workspaceId: string): Promise<ComputedTraitRecord[]> {
    return (await this.definitionRows('computed_traits', workspaceId, null)).map(toComputedTrait);
  }

  async getComputedTrait(workspaceId: string, id: string): Promise<ComputedTraitRecord | null> {
    const [row] = await this.definitionRows('computed_traits', workspaceId, id);
    return row ? toComputedTrait(row) : null;
  }

  async updateComputedTrait(workspaceId: string, id: string, patch: SegmentPatch): Promise<ComputedTraitRecord | null> {
    return (await this.patchDefinition('computed_traits', workspaceId, id, patch)) ? this.getComputedTrait(workspaceId, id) : null;
  }

  async deleteComputedTrait(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.segmentDb.deleteFrom('computed_traits').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** A workspace's segments by name or computed traits by key, or the one with `id`. */
  private async definitionRows<T extends DefinitionTable>(table: T, workspaceId: string, id: string | null): Promise<Array<Selectable<SegmentTables[T]>>> {
    const rows = await this.segmentDb.selectFrom(table as DefinitionTable)
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .$if(id !== null, (query) => query.where('id', '=', id!))
      .orderBy(table === 'segments' ? 'name' : 'key')
      .execute();
    // Kysely types rows of a table chosen at run time by the columns both tables share; selectAll gave them all.
    return rows as Array<Selectable<SegmentTables[T]>>;
  }

  /** Applies a patch; a new definition raises the revision. False when there is no such row. */
  private async patchDefinition(table: DefinitionTable, workspaceId: string, id: string, patch: SegmentPatch): Promise<boolean> {
    const result = await this.segmentDb.updateTable(table)
      .set(definitionChanges(patch))
      .$if(patch.definition !== undefined, (update) => update.set((eb) => ({ revision: eb('revision', '+', 1) })))
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async segmentEnginePosition(): Promise<SegmentEnginePosition> {
    const row = await this.segmentDb.selectFrom('settings').select('value').where('workspace_id', '=', '').where('key', '=', SEGMENT_ENGINE_POSITION_KEY).executeTakeFirst();
    return parseEnginePosition(row?.value);
  }

  async loadSegmentInputs(profileIds: string[]): Promise<SegmentInput[]> {
    return readInChunks(profileIds, (ids) => this.loadInputChunk(ids));
  }

  /** One chunk's inputs: each profile with its segment state in one read, its memberships alongside. */
  private async loadInputChunk(ids: string[]): Promise<SegmentInput[]> {
    const [rows, memberRows] = await Promise.all([
      this.segmentDb.selectFrom('profiles')
        .leftJoin('profile_segment_state as s', 's.profile_id', 'profiles.id')
        .select(['profiles.id', 'profiles.workspace_id', 'profiles.merged_into', 'profiles.state', 's.accumulators', 's.computed', 's.next_check_at'])
        .where('profiles.id', 'in', ids)
        .execute(),
      this.segmentDb.selectFrom('segment_members').select(['profile_id', 'segment_id', 'entered_at']).where('profile_id', 'in', ids).execute(),
    ]);
    const members = new Map<string, Record<string, number>>();
    for (const row of memberRows) {
      const entered = members.get(row.profile_id) ?? {};
      entered[row.segment_id] = Number(row.entered_at);
      members.set(row.profile_id, entered);
    }
    return rows.map((row): SegmentInput => {
      const entered = members.get(row.id);
      // accumulators is NOT NULL in the table: null here means the profile has no state row.
      const stored = row.accumulators !== null;
      const state: ProfileSegmentState | null = stored || entered ? {
        profileId: row.id,
        workspaceId: row.workspace_id,
        accumulators: stored ? JSON.parse(row.accumulators!) : null,
        computed: stored ? JSON.parse(row.computed!) : {},
        members: entered ?? {},
        nextCheckAt: row.next_check_at ?? null,
      } : null;
      return { profileId: row.id, workspaceId: row.workspace_id, live: row.merged_into === null, traits: plainTraits(row.state), state };
    });
  }

  async dueSegmentChecks(now: number, limit: number): Promise<string[]> {
    const rows = await this.segmentDb.selectFrom('profile_segment_state')
      .select('profile_id')
      .where('next_check_at', 'is not', null)
      .where('next_check_at', '<=', now)
      .orderBy('next_check_at')
      .limit(limit)
      .execute();
    return rows.map((row) => row.profile_id);
  }

  async listLiveProfileIds(workspaceId: string, afterId: string | null, limit: number): Promise<string[]> {
    let query = this.segmentDb.selectFrom('profiles').select('id').where('workspace_id', '=', workspaceId).where('merged_into', 'is', null);
    if (afterId !== null) query = query.where('id', '>', afterId);
    const rows = await query.orderBy('id').limit(limit).execute();
    return rows.map((row) => row.id);
  }

  async countLiveProfiles(workspaceId: string): Promise<number> {
    const row = await this.segmentDb.selectFrom('profiles')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('workspace_id', '=', workspaceId)
      .where('merged_into', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async listSegmentMembers(filter: MemberFilter): Promise<Page<{ profileId: string; enteredAt: number }>> {
    let query = this.segmentDb.selectFrom('segment_members').select(['profile_id', 'entered_at'])
      .where('workspace_id', '=', filter.workspaceId)
      .where('segment_id', '=', filter.segmentId);
    // The cursor is the last profile id of the page before.
    if (filter.cursor) query = query.where('profile_id', '>', filter.cursor);
    const rows = await query.orderBy('profile_id').limit(filter.limit + 1).execute();
    const items = rows.slice(0, filter.limit).map((row) => ({ profileId: row.profile_id, enteredAt: Number(row.entered_at) }));
    return { items, nextCursor: rows.length > filter.limit ? items[items.length - 1]!.profileId : null };
  }

  async countSegmentMembers(workspaceId: string, segmentId: string): Promise<number> {
    const row = await this.segmentDb.selectFrom('segment_members')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('workspace_id', '=', workspaceId)
      .where('segment_id', '=', segmentId)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async membershipHistory(filter: MembershipHistoryFilter): Promise<Page<MembershipChange>> {
    let query = this.segmentDb.selectFrom('segment_history').selectAll().where('workspace_id', '=', filter.workspaceId);
    if (filter.segmentId) query = query.where('segment_id', '=', filter.segmentId);
    if (filter.profileId) query = query.where('profile_id', '=', filter.profileId);
    if (filter.cursor) query = query.where('id', '<', Number(filter.cursor));
    const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
    const items = rows.slice(0, filter.limit).map(toMembershipChange);
    return { items, nextCursor: rows.length > filter.limit ? String(items[items.length - 1]!.id) : null };
  }

  async readMembershipChanges(afterId: number, limit: number): Promise<MembershipChange[]> {
    const rows = await this.segmentDb.selectFrom('segment_history').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map(toMembershipChange);
  }

  /** Runs a write whose only expected failure is a taken name or key, and reports that one as `code`. */
  private async refusingTaken<T>(code: ErrorCode, message: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (this.capabilities.isUniqueViolation(error)) throw new CentricError(code, message);
      throw error;
    }
  }
}

/** A new segments row (a computed trait adds its key): revision 1, computing from the start. */
function newDefinitionRow(prefix: 'seg' | 'ctr', input: NewSegment): SegmentsTable {
  const now = Date.now();
  return {
    // Readable in logs and URLs, like source and profile ids.
    id: input.id ?? `${prefix}_${randomBytes(9).toString('base64url')}`,
    workspace_id: input.workspaceId,
    name: input.name,
    description: input.description ?? null,
    definition: jsonText(input.definition),
    revision: 1,
    progress: jsonText(computingProgress()),
    created_at: now,
    updated_at: now,
  };
}

/** The columns a patch sets; a new definition also starts the computation again (the caller raises the revision). */
function definitionChanges(patch: SegmentPatch): Partial<Omit<SegmentsTable, 'id' | 'workspace_id' | 'revision'>> {
  const changes: Partial<Omit<SegmentsTable, 'id' | 'workspace_id' | 'revision'>> = { updated_at: Date.now() };
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.description !== undefined) changes.description = patch.description;
  if (patch.definition !== undefined) {
    changes.definition = jsonText(patch.definition);
    changes.progress = jsonText(computingProgress());
  }
  return changes;
}

function toSegment(row: Selectable<SegmentsTable>): SegmentRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    description: row.description,
    definition: JSON.parse(row.definition),
    revision: Number(row.revision),
    progress: JSON.parse(row.progress) as ComputationProgress,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toComputedTrait(row: Selectable<ComputedTraitsTable>): ComputedTraitRecord {
  return { ...toSegment(row), key: row.key };
}

function toMembershipChange(row: Selectable<SegmentHistoryTable>): MembershipChange {
  return {
    id: Number(row.id),
    workspaceId: row.workspace_id,
    segmentId: row.segment_id,
    profileId: row.profile_id,
    change: row.change as MembershipChange['change'],
    at: Number(row.at),
    cause: JSON.parse(row.cause) as MembershipCause,
  };
}

/** A profile's traits without their provenance: what segment conditions compare. */
function plainTraits(stateJson: string): Record<string, unknown> {
  const state = JSON.parse(stateJson) as ProfileState;
  // fromEntries defines own properties, so a trait named "__proto__" stays a trait.
  return Object.fromEntries(Object.entries(state.traits).map(([key, trait]) => [key, trait.value]));
}
