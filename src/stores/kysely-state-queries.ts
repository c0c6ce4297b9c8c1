import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import type { ErrorCode } from '../core/errors.ts';
import type { Identifier } from '../identity/identifiers.ts';
import { displayName, type ProfileState } from '../identity/profile-state.ts';
import { eventRecordFromRow, type EventRow } from './event-rows.ts';
import { escapeLike, searchNamePatterns } from './identity-rows.ts';
import { newSourceId, newWriteKey } from './ids.ts';
import type {
  EventFilter, EventRecord, FailedEvent, FailedEventFilter, NewSource, Page, ProfileEventFilter, ProfileHit, ProfileSearch, ProfileSummary, Source, SourcePatch,
} from './ports.ts';

/** A row of the sources table as either engine stores it. */
export interface SourcesTable {
  /** Creation order; PostgreSQL only (see `sourceCreationOrder`). */
  seq: Generated<number>;
  id: string;
  workspace_id: string;
  name: string;
  write_key: string;
  channel: string | null;
  touchpoint: string | null;
  department: string | null;
  /** 0/1 on SQLite, true/false on PostgreSQL (see `booleansAsIntegers`). */
  enabled: number | boolean;
  created_at: number;
  updated_at: number;
}

/** A row of the failed_events table, JSON payload as text. */
export interface FailedEventsTable {
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

/** The columns of profiles the shared reads use (the identity code writes the table). */
export interface ProfilesTable {
  id: string;
  workspace_id: string;
  merged_into: string | null;
  /** The ProfileState as JSON text. */
  state: string;
  search_name: string | null;
}

/** The columns of identities the shared reads use: which profile owns an identifier, since when. */
export interface IdentitiesTable {
  workspace_id: string;
  type: string;
  value: string;
  profile_id: string;
  added_at: number;
}

/** The tables the shared queries read and write, typed for Kysely. */
export interface StateTables {
  sources: SourcesTable;
  failed_events: FailedEventsTable;
  events: EventRow;
  profiles: ProfilesTable;
  identities: IdentitiesTable;
}

/** What the shared queries need to know about the engine under them. */
export interface StateQueryCapabilities {
  /** The engine has no boolean type and keeps booleans as 0/1 integers (SQLite). */
  booleansAsIntegers: boolean;
  /** What lists sources in creation order, ties within one millisecond included: `seq` on PostgreSQL, SQLite's `rowid`. */
  sourceCreationOrder: 'seq' | 'rowid';
  /**
   * How a prefix search reaches the index on identity values: `like` on PostgreSQL, whose
   * text_pattern_ops index serves LIKE whatever the collation; a `range` on SQLite, whose LIKE ignores
   * case and so cannot use the index.
   */
  prefixSearch: 'like' | 'range';
}

/**
 * The state store port's sources, event listings, failed events and profile search, which read the
 * same on every engine: an adapter extends it with its Kysely instance and capabilities and adds its
 * own write path.
 */
export abstract class KyselyStateQueries {
  protected abstract readonly kysely: Kysely<StateTables>;
  protected abstract readonly capabilities: StateQueryCapabilities;

  /** The profile owning an identifier; each adapter answers it with its own prepared lookup. */
  abstract findProfileByIdentifier(workspaceId: string, identifier: Identifier): Promise<string | null>;

  async createSource(input: NewSource): Promise<Source> {
    const now = Date.now();
    const row = {
      id: newSourceId(),
      workspace_id: input.workspaceId,
      name: input.name,
      write_key: newWriteKey(),
      channel: input.channel ?? null,
      touchpoint: input.touchpoint ?? null,
      department: input.department ?? null,
      enabled: this.storedBoolean(true),
      created_at: now,
      updated_at: now,
    };
    await this.kysely.insertInto('sources').values(row).execute();
    return toSource(row);
  }

  async listSources(workspaceId: string): Promise<Source[]> {
    const rows = await this.kysely
      .selectFrom('sources')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy(sql.ref(this.capabilities.sourceCreationOrder))
      .execute();
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
    const changes: Partial<Omit<SourcesTable, 'seq'>> = { updated_at: Date.now() };
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.channel !== undefined) changes.channel = patch.channel;
    if (patch.touchpoint !== undefined) changes.touchpoint = patch.touchpoint;
    if (patch.department !== undefined) changes.department = patch.department;
    if (patch.enabled !== undefined) changes.enabled = this.storedBoolean(patch.enabled);
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

  async listProfileEvents(filter: ProfileEventFilter): Promise<Page<EventRecord>> {
    let query = this.kysely.selectFrom('events').selectAll().where('workspace_id', '=', filter.workspaceId).where('profile_id', '=', filter.profileId);
    if (filter.departments?.length) query = query.where('department', 'in', filter.departments);
    if (filter.channels?.length) query = query.where('channel', 'in', filter.channels);
    if (filter.types?.length) query = query.where('type', 'in', filter.types);
    if (filter.from !== undefined) query = query.where('timestamp', '>=', filter.from);
    if (filter.to !== undefined) query = query.where('timestamp', '<', filter.to);
    if (filter.cursor) {
      // The cursor is the last item's "timestamp:seq"; the next page starts strictly after it in (timestamp, seq) order.
      const [time, seq] = filter.cursor.split(':').map(Number) as [number, number];
      query = query.where((eb) => eb.or([eb('timestamp', '<', time), eb.and([eb('timestamp', '=', time), eb('seq', '<', seq)])]));
    }
    const rows = await query.orderBy('timestamp', 'desc').orderBy('seq', 'desc').limit(filter.limit + 1).execute();
    const items = rows.slice(0, filter.limit).map(eventRecordFromRow);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > filter.limit && last ? `${last.timestamp}:${last.seq}` : null };
  }

  async listEventsOfProfiles(workspaceId: string, profileIds: string[], uptoSeq: number): Promise<EventRecord[]> {
    return readInChunks(profileIds, async (ids) => {
      const rows = await this.kysely.selectFrom('events').selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('profile_id', 'in', ids)
        .where('seq', '<=', uptoSeq)
        .orderBy('seq')
        .execute();
      return rows.map(eventRecordFromRow);
    });
  }

  async profileSummaries(workspaceId: string, profileIds: string[]): Promise<ProfileSummary[]> {
    return readInChunks(profileIds, async (ids) => {
      const [profiles, contacts] = await Promise.all([
        this.kysely.selectFrom('profiles').select(['id', 'state']).where('workspace_id', '=', workspaceId).where('id', 'in', ids).execute(),
        this.kysely.selectFrom('identities').select(['profile_id', 'type', 'value'])
          .where('workspace_id', '=', workspaceId).where('profile_id', 'in', ids).where('type', 'in', ['email', 'user_id'])
          .orderBy('added_at').orderBy('value').execute(),
      ]);
      return profiles.map((profile): ProfileSummary => {
        // The first identifier of each type the profile got, as the profile view lists them.
        const first = (type: string) => contacts.find((contact) => contact.profile_id === profile.id && contact.type === type)?.value ?? null;
        return { id: profile.id, displayName: displayName(JSON.parse(profile.state) as ProfileState), email: first('email'), userId: first('user_id') };
      });
    });
  }

  async readEventsAfter(afterSeq: number, limit: number): Promise<EventRecord[]> {
    const rows = await this.kysely.selectFrom('events').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map(eventRecordFromRow);
  }

  async countEvents(workspaceId: string): Promise<number> {
    const row = await this.kysely
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    // PostgreSQL counts are bigints; SQLite's are numbers already.
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

  async searchProfiles(search: ProfileSearch): Promise<ProfileHit[]> {
    const found = new Map<string, string>();
    const add = (profileId: string, matched: string) => {
      if (found.size < search.limit && !found.has(profileId)) found.set(profileId, matched);
    };
    if (search.phone) {
      const owner = await this.findProfileByIdentifier(search.workspaceId, { type: 'phone', value: search.phone });
      if (owner) add(owner, `phone ${search.phone}`);
    }
    const text = search.text.trim();
    if (text !== '') {
      for (const prefix of new Set([text, text.toLowerCase()])) {
        const rows = await this.kysely.selectFrom('identities').select(['type', 'value', 'profile_id'])
          .where('workspace_id', '=', search.workspaceId)
          .where((eb) => this.capabilities.prefixSearch === 'like'
            ? sql<boolean>`value LIKE ${`${escapeLike(prefix)}%`} ESCAPE '\\'`
            : eb.and([eb('value', '>=', prefix), eb('value', '<', `${prefix}\uffff`)]))
          .orderBy('value')
          .limit(search.limit)
          .execute();
        for (const row of rows) add(row.profile_id, `${row.type} ${row.value}`);
      }
      const [nameStart, wordStart] = searchNamePatterns(text);
      const names = await this.kysely.selectFrom('profiles').select(['id', 'search_name'])
        .where('workspace_id', '=', search.workspaceId)
        .where('merged_into', 'is', null)
        .where(sql<boolean>`(search_name LIKE ${nameStart} ESCAPE '\\' OR search_name LIKE ${wordStart} ESCAPE '\\')`)
        .orderBy('search_name')
        .limit(search.limit)
        .execute();
      for (const row of names) add(row.id, `name ${row.search_name}`);
    }
    if (found.size === 0) return [];
    // Identities and the name index point at live profiles only, so no merge chain needs following.
    const ids = [...found.keys()];
    const [profiles, contacts] = await Promise.all([
      this.kysely.selectFrom('profiles').select(['id', 'state']).where('id', 'in', ids).execute(),
      this.kysely.selectFrom('identities').select(['profile_id', 'type', 'value'])
        .where('workspace_id', '=', search.workspaceId)
        .where('profile_id', 'in', ids)
        .where('type', 'in', ['email', 'phone'])
        .orderBy('added_at').orderBy('type').orderBy('value')
        .execute(),
    ]);
    const states = new Map(profiles.map((row) => [row.id, JSON.parse(row.state) as ProfileState]));
    const hits: ProfileHit[] = [];
    for (const [id, matched] of found) {
      const state = states.get(id);
      if (!state) continue;
      const first = (type: string) => contacts.find((contact) => contact.profile_id === id && contact.type === type)?.value ?? null;
      hits.push({ id, displayName: displayName(state), email: first('email'), phone: first('phone'), lastSeen: state.lastSeen, matched });
    }
    return hits;
  }

  private storedBoolean(value: boolean): number | boolean {
    if (!this.capabilities.booleansAsIntegers) return value;
    return value ? 1 : 0;
  }
}

/** How many ids one `IN (...)` list holds at most: well inside either engine's parameter limit. */
const IN_LIST_CHUNK = 500;

/**
 * Reads for the distinct ids an `IN` list's worth at a time and joins the results in chunk order.
 * The results are appended one by one: a chunk may give more rows than a spread's arguments can hold.
 */
export async function readInChunks<T>(ids: string[], read: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const distinct = [...new Set(ids)];
  const results: T[] = [];
  for (let start = 0; start < distinct.length; start += IN_LIST_CHUNK) {
    for (const result of await read(distinct.slice(start, start + IN_LIST_CHUNK))) results.push(result);
  }
  return results;
}

/** A sources row as a Source; reads `enabled` from either engine's form. */
function toSource(row: Omit<Selectable<SourcesTable>, 'seq'>): Source {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    writeKey: row.write_key,
    channel: row.channel ?? undefined,
    touchpoint: row.touchpoint ?? undefined,
    department: row.department ?? undefined,
    enabled: row.enabled === true || row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A failed_events row as a FailedEvent, its payload parsed. */
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
