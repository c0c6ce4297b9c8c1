import { Kysely, PostgresDialect } from 'kysely';
import pg, { type Pool, type PoolClient, type PoolConfig } from 'pg';
import type { StoredEvent } from '../../core/event-schema.ts';
import { CentricError } from '../../core/errors.ts';
import { DEFAULT_IDENTITY_RULES, type IdentityRules } from '../../core/identity-rules.ts';
import { extractIdentifiers, identityKey, type Identifier } from '../../identity/identifiers.ts';
import type { ProfileEvent } from '../../identity/identity-port.ts';
import { resolveEventIdentity, type EventIdentity } from '../../identity/resolve-event.ts';
import { unmerge, type UnmergeResult } from '../../identity/unmerge.ts';
import type { SegmentCommit } from '../../segments/segment-port.ts';
// node-postgres is set up (see TYPES) to give the events row the same shape as SQLite does, so one codec serves both.
import { encodeIdentifiers, eventFromRow, eventInsertValues, keptIdentifiers, type EventRow } from '../event-rows.ts';
import { searchName, toMergeRecord, toProfileChange, toProfileView, type IdentityRow, type MergeRow, type ProfileChangeRow } from '../identity-rows.ts';
import { KyselySegmentQueries, type SegmentQueryCapabilities } from '../kysely-segment-queries.ts';
import type { StateQueryCapabilities, StateTables } from '../kysely-state-queries.ts';
import type {
  AppendRequest, AppendResult, ProfileChange, ProfileView, StateStore,
} from '../ports.ts';
import { logPositionKey } from '../settings-keys.ts';
import { AsyncGroupCommitter } from './async-group-committer.ts';
import {
  insertProfileChanges, lockIdentityGraph, lockProfiles, takeMergeIds, writeIdentities, writeMerges, writeProfiles, type NewProfileChange,
} from './identity-io.ts';
import { IdentitySnapshot, type SnapshotData } from './identity-snapshot.ts';
import { migrate } from './migrations.ts';
import { commitSegments, postgresSegmentCapabilities } from './postgres-segment-commit.ts';
import { connect, inTransaction, lockInOrder, lockKey } from './transaction.ts';

export interface PostgresStateStoreOptions {
  /** postgres://user@host:port/database */
  connectionString: string;
  /** Connections this store may open (default 10); commits use at most `commitConcurrency` of them. */
  poolSize?: number;
  /** Further node-postgres pool settings (ssl, timeouts); the store sets its own type parsers. */
  pool?: Omit<PoolConfig, 'connectionString' | 'max' | 'types'>;
  /** How long a messageId is remembered for deduplication. */
  dedupWindowMs: number;
  /** The clock for dedup windows; tests move it. */
  now?: () => number;
  /** Resolve each new event to a profile as it is stored (the default); off only to measure its cost. */
  resolveIdentities?: boolean;
  /** Group commits that may run at once, each in its own transaction (default 2). */
  commitConcurrency?: number;
  /** Events one group commit takes at most (default 1000); bounds the locks one transaction holds. */
  maxGroupEvents?: number;
  /**
   * Advisory locks one transaction takes at most for new identifiers (default 256); they share the
   * server's lock table (max_locks_per_transaction x max_connections), and past them the store relies
   * on the identities primary key and runs a transaction that lost a race again.
   */
  maxIdentityLocks?: number;
  /** How often identity rules changed by another process are read again (default 5000 ms; 0: only on commits). */
  rulesRefreshMs?: number;
}

/** Names the lock that puts event seqs and profile change ids in commit order. */
const FEED_LOCK = lockKey('feed', 'events and profile changes');
const OID = { int8: 20, json: 114 };

/**
 * node-postgres gives bigints as strings and parses json; the store reads bigints as numbers (times
 * and seqs stay far below 2^53) and json as text, so rows have the same shape as the SQLite store's.
 */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === OID.int8) return (value: string) => Number(value);
    if (oid === OID.json) return (value: string) => value;
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

/**
 * The server state store: PostgreSQL through a pool of its own. Several processes may write at once:
 * identity work locks the customers it touches (see lockIdentityGraph), and each commit's events and
 * profile changes get their seqs under one short lock, so seq order is commit order and readers of the
 * feeds never skip a row that commits late.
 */
export class PostgresStateStore extends KyselySegmentQueries implements StateStore {
  readonly engine = 'postgres';
  protected readonly kysely: Kysely<StateTables>;
  protected readonly capabilities: StateQueryCapabilities & SegmentQueryCapabilities;
  private readonly pool: Pool;
  private readonly committer: AsyncGroupCommitter<AppendRequest, AppendResult>;
  private readonly dedupWindowMs: number;
  private readonly now: () => number;
  private readonly resolveIdentities: boolean;
  private rules: IdentityRules = DEFAULT_IDENTITY_RULES;
  private rulesUpdatedAt = -1;
  private readonly rulesRefreshMs: number;
  private readonly maxIdentityLocks: number;
  private timers: NodeJS.Timeout[] = [];
  private lastStamp = 0;
  /** Strictly increasing wall-clock milliseconds for identities and merges; raised past every locked profile's last stamp. */
  private readonly stamp = (): number => (this.lastStamp = Math.max(Date.now(), this.lastStamp + 1));

  constructor(options: PostgresStateStoreOptions) {
    super();
    this.pool = new pg.Pool({ ...options.pool, connectionString: options.connectionString, max: options.poolSize ?? 10, types: TYPES });
    // An idle connection that breaks is dropped by the pool and the next query opens another; without
    // a listener the error would end the process.
    this.pool.on('error', () => undefined);
    this.kysely = new Kysely<StateTables>({ dialect: new PostgresDialect({ pool: this.pool }) });
    this.capabilities = { booleansAsIntegers: false, sourceCreationOrder: 'seq', prefixSearch: 'like', ...postgresSegmentCapabilities(this.pool) };
    this.dedupWindowMs = options.dedupWindowMs;
    this.now = options.now ?? Date.now;
    this.resolveIdentities = options.resolveIdentities ?? true;
    this.rulesRefreshMs = options.rulesRefreshMs ?? 5000;
    this.maxIdentityLocks = options.maxIdentityLocks ?? 256;
    this.committer = new AsyncGroupCommitter((requests) => this.commitGroup(requests), {
      concurrency: options.commitConcurrency ?? 2,
      maxWeight: options.maxGroupEvents ?? 1000,
      weight: (request) => request.events.length + request.failed.length,
      isolate: (error) => error instanceof CentricError && error.code === 'CENTRIC_ERR_EVENT_INVALID_FIELD',
    });
  }

  async migrate(): Promise<void> {
    await migrate(this.pool);
    await this.reloadIdentityRules();
    await this.pruneMessageIds();
    // Both are retried at the next tick when the server is away for a moment.
    this.timers.push(setInterval(() => void this.pruneMessageIds().catch(() => undefined), 60 * 60 * 1000));
    // Commits read the rules anyway; this keeps lookups on nodes that only read (API nodes) up to date.
    if (this.rulesRefreshMs > 0) this.timers.push(setInterval(() => void this.reloadIdentityRules().catch(() => undefined), this.rulesRefreshMs));
    for (const timer of this.timers) timer.unref();
  }

  /** Waits for nothing in flight: stop handing it appends and await them first. Ends the pool. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.pool.end();
  }

  appendEvents(request: AppendRequest): Promise<AppendResult> {
    return this.committer.submit(request);
  }

  commitSegments(commit: SegmentCommit): Promise<boolean> {
    return commitSegments(this.pool, commit);
  }

  /** One transaction for a group of requests (inTransaction runs it again if it loses a deadlock); text PostgreSQL refuses becomes a coded error. */
  private async commitGroup(requests: AppendRequest[]): Promise<AppendResult[]> {
    try {
      return await this.commitGroupOnce(requests);
    } catch (error) {
      const code = (error as { code?: string }).code;
      // SQLite keeps any text; PostgreSQL refuses a NUL character in a text value (JSON keeps it escaped).
      if (code === '22021' || code === '22P05') {
        throw new CentricError('CENTRIC_ERR_EVENT_INVALID_FIELD', `an event holds text PostgreSQL cannot store (a NUL character, "\\u0000"): ${(error as Error).message}`);
      }
      throw error;
    }
  }

  private commitGroupOnce(requests: AppendRequest[]): Promise<AppendResult[]> {
    return inTransaction(this.pool, async (client) => {
      const now = this.now();
      const applies = await this.checkLogPositions(client, requests, now);
      const { duplicateFlags, fresh } = await this.claimMessageIds(client, requests, applies, now);
      await this.storeFailed(client, requests, applies, now);

      let snapshot: IdentitySnapshot | null = null;
      let identities: EventIdentity[] = [];
      if (this.resolveIdentities && fresh.length > 0) {
        const rules = await this.currentRules(client);
        ({ snapshot, identities } = await this.resolve(client, rules, fresh));
        await writeMerges(client, snapshot.merges, snapshot.keptApartMoved);
        await writeIdentities(client, snapshot);
      }

      // From here to the commit, one transaction at a time: seqs and change ids are taken in commit order.
      await client.query('SELECT pg_advisory_xact_lock($1)', [String(FEED_LOCK)]);
      const stored = fresh.map((event, index) => {
        const identity = identities[index];
        if (!identity) return { event, profileId: null, identifiers: null };
        // A copy: a transaction that is run again must start from the events as sent.
        const withWarnings = identity.warnings.length > 0 ? { ...event, warnings: [...event.warnings, ...identity.warnings] } : event;
        return { event: withWarnings, profileId: snapshot!.liveId(identity.profileId), identifiers: encodeIdentifiers(identity.carried, identity.kept) };
      });
      const seqs = await insertEvents(client, stored);
      if (snapshot) {
        stored.forEach((entry, index) => snapshot.applyEvent(entry.profileId!, entry.event, seqs[index]!));
        await writeProfiles(client, snapshot.changedProfiles(), this.lastStamp, Date.now());
        await insertProfileChanges(client, snapshot.merges.map((merge): NewProfileChange => ({
          workspaceId: merge.workspaceId, kind: 'merge', profileId: merge.absorbedId, otherProfileId: merge.survivorId, movedEventSeqs: null, at: merge.at,
        })));
      }
      return requests.map((request, index): AppendResult => {
        const flags = duplicateFlags[index]!;
        const count = flags.filter((duplicate) => !duplicate).length;
        return { stored: count, duplicates: request.events.length - count, duplicateFlags: flags };
      });
    });
  }

  /**
   * Which requests to apply: one from a log position the store already holds was applied before.
   * Each log's position is locked for the transaction, so a request redelivered to two processes at
   * once is applied by one of them only. Saves the new positions.
   */
  private async checkLogPositions(client: PoolClient, requests: AppendRequest[], now: number): Promise<boolean[]> {
    const logs = [...new Set(requests.flatMap((request) => (request.logPosition ? [request.logPosition.log] : [])))];
    if (logs.length === 0) return requests.map(() => true);
    await lockInOrder(client, logs.map((log) => lockKey('log', log)));
    const { rows } = await client.query<{ key: string; value: string }>(
      "SELECT key, value FROM settings WHERE workspace_id = '' AND key = ANY($1::text[])",
      [logs.map(logPositionKey)],
    );
    const positions = new Map(rows.map((row) => [row.key, Number(row.value)]));
    const advanced = new Set<string>();
    const applies = requests.map((request) => {
      if (!request.logPosition) return true;
      const key = logPositionKey(request.logPosition.log);
      if (request.logPosition.seq <= (positions.get(key) ?? 0)) return false;
      positions.set(key, request.logPosition.seq);
      advanced.add(key);
      return true;
    });
    if (advanced.size > 0) {
      await client.query(
        `INSERT INTO settings (workspace_id, key, value, updated_at) SELECT '', k, v, $3 FROM unnest($1::text[], $2::text[]) AS u(k, v)
         ON CONFLICT (workspace_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        [[...advanced], [...advanced].map((key) => String(positions.get(key))), now],
      );
    }
    return applies;
  }

  /**
   * Claims the messageIds of the applied requests in one statement: a messageId seen within the
   * window is a duplicate, and so is its second appearance in this group. Returns per request the
   * duplicate flags, and the new events in order.
   */
  private async claimMessageIds(client: PoolClient, requests: AppendRequest[], applies: boolean[], now: number) {
    const firstInGroup = new Set<string>();
    const claims: Array<{ workspaceId: string; messageId: string }> = [];
    for (const [index, request] of requests.entries()) {
      if (!applies[index]) continue;
      for (const event of request.events) {
        const key = messageKey(event.workspaceId, event.messageId);
        if (firstInGroup.has(key)) continue;
        firstInGroup.add(key);
        claims.push({ workspaceId: event.workspaceId, messageId: event.messageId });
      }
    }
    const claimed = new Set<string>();
    if (claims.length > 0) {
      // In key order, so two transactions claiming the same ids wait on each other in one direction only.
      claims.sort((a, b) => (a.workspaceId < b.workspaceId ? -1 : a.workspaceId > b.workspaceId ? 1 : a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
      const { rows } = await client.query<{ workspace_id: string; message_id: string }>(
        `INSERT INTO message_ids (workspace_id, message_id, seen_at) SELECT w, m, $3 FROM unnest($1::text[], $2::text[]) AS u(w, m)
         ON CONFLICT (workspace_id, message_id) DO UPDATE SET seen_at = excluded.seen_at WHERE message_ids.seen_at < $4
         RETURNING workspace_id, message_id`,
        [claims.map((claim) => claim.workspaceId), claims.map((claim) => claim.messageId), now, now - this.dedupWindowMs],
      );
      for (const row of rows) claimed.add(messageKey(row.workspace_id, row.message_id));
    }
    const fresh: StoredEvent[] = [];
    const duplicateFlags = requests.map((request, index) => request.events.map((event) => {
      const key = messageKey(event.workspaceId, event.messageId);
      if (!applies[index] || !claimed.has(key)) return true;
      claimed.delete(key);
      fresh.push(event);
      return false;
    }));
    return { duplicateFlags, fresh };
  }

  private async storeFailed(client: PoolClient, requests: AppendRequest[], applies: boolean[], now: number): Promise<void> {
    const failed = requests.flatMap((request, index) => (applies[index] ? request.failed : []));
    if (failed.length > 0) {
      await client.query(
        `INSERT INTO failed_events (workspace_id, source_id, received_at, code, message, field, payload)
         SELECT w, s, r, c, m, f, p::json FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(w, s, r, c, m, f, p)`,
        [
          failed.map((entry) => entry.workspaceId), failed.map((entry) => entry.sourceId), failed.map((entry) => entry.receivedAt),
          failed.map((entry) => entry.code), failed.map((entry) => entry.message), failed.map((entry) => entry.field),
          failed.map((entry) => JSON.stringify(entry.payload) ?? 'null'),
        ],
      );
    }
    const replayed = requests.flatMap((request, index) => (applies[index] ? request.replayed ?? [] : []));
    if (replayed.length > 0) {
      await client.query(
        `UPDATE failed_events f SET replayed_at = $3, replayed_message_id = u.m FROM unnest($1::bigint[], $2::text[]) AS u(id, m)
         WHERE f.id = u.id AND f.replayed_at IS NULL`,
        [replayed.map((replay) => replay.failedEventId), replayed.map((replay) => replay.messageId), now],
      );
    }
  }

  /**
   * Locks and reads the identities the events carry, then runs the synchronous resolver over that
   * snapshot. Merges need ids from the sequence: a run that made more merges than it had ids is run
   * again with enough (resolution is cheap next to a round trip, and most groups merge nothing).
   */
  private async resolve(client: PoolClient, rules: IdentityRules, events: StoredEvent[]): Promise<{ snapshot: IdentitySnapshot; identities: EventIdentity[] }> {
    const wanted = new Map<string, { workspaceId: string; identifier: Identifier }>();
    const want = (workspaceId: string, identifier: Identifier) => wanted.set(identityKey(workspaceId, identifier), { workspaceId, identifier });
    const extracted = events.map((event) => extractIdentifiers(event.payload, rules));
    for (const [index, event] of events.entries()) {
      const { identifiers, previousId } = extracted[index]!;
      for (const identifier of identifiers) want(event.workspaceId, identifier);
      if (previousId !== undefined) {
        // The resolver asks for an alias's previousId as a user_id and, if unknown, as an anonymous_id.
        want(event.workspaceId, { type: 'user_id', value: previousId });
        want(event.workspaceId, { type: 'anonymous_id', value: previousId });
      }
    }
    const { data, stampFloor } = await lockIdentityGraph(client, [...wanted.values()], this.maxIdentityLocks);
    this.lastStamp = Math.max(this.lastStamp, stampFloor);
    let mergeIds: number[] = [];
    for (;;) {
      const snapshot = new IdentitySnapshot(data, this.stamp, mergeIds);
      const identities = events.map((event, index) => resolveEventIdentity(snapshot, rules, event, extracted[index]));
      if (snapshot.placeholderMerges === 0) return { snapshot, identities };
      mergeIds = [...mergeIds, ...(await takeMergeIds(client, snapshot.placeholderMerges))];
    }
  }

  /** The workspace rules, read again when another process changed them. */
  private async currentRules(client: PoolClient): Promise<IdentityRules> {
    const { rows } = await client.query<{ value: string; updated_at: number }>(
      "SELECT value, updated_at FROM settings WHERE workspace_id = 'default' AND key = 'identity_rules'",
    );
    const row = rows[0];
    if (row && row.updated_at !== this.rulesUpdatedAt) {
      this.rules = JSON.parse(row.value) as IdentityRules;
      this.rulesUpdatedAt = row.updated_at;
    }
    return this.rules;
  }

  /** Reads the rules again after another process changed them. */
  async reloadIdentityRules(): Promise<void> {
    const client = await connect(this.pool);
    try {
      await this.currentRules(client);
    } finally {
      client.release();
    }
  }

  identityRules(): IdentityRules {
    return this.rules;
  }

  async setIdentityRules(workspaceId: string, rules: IdentityRules): Promise<void> {
    const updatedAt = Date.now();
    await this.pool.query(
      `INSERT INTO settings (workspace_id, key, value, updated_at) VALUES ($1, 'identity_rules', $2, $3)
       ON CONFLICT (workspace_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [workspaceId, JSON.stringify(rules), updatedAt],
    );
    this.rules = rules;
    if (workspaceId === 'default') this.rulesUpdatedAt = updatedAt;
  }

  async unmerge(workspaceId: string, profileId: string, mergeId: number): Promise<UnmergeResult> {
    return inTransaction(this.pool, async (client) => {
      const rules = await this.currentRules(client);
      // Locking the merge row makes two unmerges of one merge take turns; the second finds it undone.
      const { rows: [mergeRow] } = await client.query<MergeRow>('SELECT * FROM merges WHERE workspace_id = $1 AND id = $2 FOR UPDATE', [workspaceId, mergeId]);
      const notFound = () => new CentricError('CENTRIC_ERR_MERGE_NOT_FOUND', `profile ${profileId} has no merge with id ${mergeId}`);
      if (!mergeRow) throw notFound();
      const merge = toMergeRecord(mergeRow);

      // Lock the live ends of the chains (and the absorbed profile), then read the chains again until nothing moved.
      const locked = new Set<string>();
      let chains: Map<string, string | null>;
      for (;;) {
        chains = await readChains(client, [profileId, merge.survivorId, merge.absorbedId]);
        const need = [rootIn(chains, merge.survivorId), rootIn(chains, merge.absorbedId), rootIn(chains, profileId), merge.absorbedId]
          .filter((id): id is string => id !== null && !locked.has(id));
        if (need.length === 0) break;
        for (const profile of await lockProfiles(client, [...new Set(need)])) locked.add(profile.id);
        for (const id of need) locked.add(id);
      }
      const root = rootIn(chains, merge.survivorId);
      if (!root || (root !== rootIn(chains, profileId) && merge.absorbedId !== profileId)) throw notFound();

      const { rows: identityRows } = await client.query<{ type: string; value: string; added_at: number }>(
        'SELECT type, value, added_at FROM identities WHERE workspace_id = $1 AND profile_id = $2 ORDER BY added_at, type, value',
        [workspaceId, root],
      );
      const { rows: eventRows } = await client.query<EventRow>('SELECT * FROM events WHERE profile_id = $1 ORDER BY seq', [root]);
      const data: SnapshotData = {
        identities: new Map(), profiles: new Map(), keptApart: [],
        unmerge: {
          merge,
          mergedInto: chains,
          identifiers: new Map([[root, identityRows.map((row) => ({ type: row.type, value: row.value, addedAt: row.added_at }))]]),
          events: new Map([[root, eventRows.map((row): ProfileEvent => ({ seq: row.seq, event: eventFromRow(row), identifiers: keptIdentifiers(row.identifiers) }))]]),
        },
      };
      const snapshot = new IdentitySnapshot(data, this.stamp);
      const at = this.now();
      const result = unmerge(snapshot, rules, workspaceId, mergeId, at);
      const movedBack = await writeUnmerge(client, snapshot, workspaceId);
      await client.query('SELECT pg_advisory_xact_lock($1)', [String(FEED_LOCK)]);
      await insertProfileChanges(client, [{
        workspaceId, kind: 'unmerge', profileId: result.restoredProfileId, otherProfileId: result.survivingProfileId,
        movedEventSeqs: movedBack.get(result.restoredProfileId) ?? [], at,
      }]);
      return result;
    });
  }

  async findProfileByIdentifier(workspaceId: string, identifier: Identifier): Promise<string | null> {
    const { rows } = await this.pool.query<{ profile_id: string }>(
      'SELECT profile_id FROM identities WHERE workspace_id = $1 AND type = $2 AND value = $3',
      [workspaceId, identifier.type, identifier.value],
    );
    return rows[0]?.profile_id ?? null;
  }

  async getProfile(workspaceId: string, id: string): Promise<{ profile: ProfileView; mergedFrom: string | null } | null> {
    // One read-only snapshot, so a merge committed between the reads cannot show half a profile.
    return inTransaction(this.pool, async (client) => {
      const chains = await readChains(client, [id]);
      const root = rootIn(chains, id);
      if (!root) return null;
      const { rows: [row] } = await client.query<{ id: string; workspace_id: string; created_at: number; updated_at: number; state: string }>(
        'SELECT id, workspace_id, created_at, updated_at, state FROM profiles WHERE id = $1',
        [root],
      );
      if (!row || row.workspace_id !== workspaceId) return null;
      const { rows: identities } = await client.query<IdentityRow>(
        'SELECT type, value, added_at FROM identities WHERE workspace_id = $1 AND profile_id = $2 ORDER BY added_at, type, value',
        [workspaceId, root],
      );
      const { rows: merges } = await client.query<MergeRow>(
        `WITH RECURSIVE members(id) AS (SELECT $1::text UNION SELECT p.id FROM profiles p JOIN members m ON p.merged_into = m.id)
         SELECT * FROM merges WHERE survivor_id IN (SELECT id FROM members) OR absorbed_id IN (SELECT id FROM members) ORDER BY id`,
        [root],
      );
      return toProfileView(id, row, identities, merges);
    }, { readOnly: true });
  }

  async logPosition(log: string): Promise<number> {
    const { rows } = await this.pool.query<{ value: string }>("SELECT value FROM settings WHERE workspace_id = '' AND key = $1", [logPositionKey(log)]);
    return rows[0] ? Number(rows[0].value) : 0;
  }

  async readProfileChanges(afterId: number, limit: number): Promise<ProfileChange[]> {
    const { rows } = await this.pool.query<ProfileChangeRow & { moved_event_seqs: string[] | null }>(
      'SELECT * FROM profile_changes WHERE id > $1 ORDER BY id LIMIT $2',
      [afterId, limit],
    );
    // node-postgres gives a bigint[] as strings.
    return rows.map((row) => toProfileChange(row, () => (row.moved_event_seqs ?? []).map(Number)));
  }

  private async pruneMessageIds(): Promise<void> {
    await this.pool.query('DELETE FROM message_ids WHERE seen_at < $1', [this.now() - this.dedupWindowMs]);
  }
}

/** Inserts the group's events in one statement; returns their seqs in the order given. */
async function insertEvents(client: PoolClient, stored: Array<{ event: StoredEvent; profileId: string | null; identifiers: string | null }>): Promise<number[]> {
  if (stored.length === 0) return [];
  const columns: Array<Array<string | number | null>> = Array.from({ length: 19 }, () => []);
  for (const entry of stored) {
    eventInsertValues(entry.event, entry.profileId, entry.identifiers).forEach((value, column) => columns[column]!.push(value));
  }
  const { rows } = await client.query<{ seq: number; workspace_id: string; message_id: string }>(
    `INSERT INTO events (envelope_version, workspace_id, source_id, message_id, type, event, user_id, anonymous_id, channel, touchpoint,
       department, timestamp, original_timestamp, sent_at, received_at, warnings, payload, profile_id, identifiers)
     SELECT ev, w, s, m, ty, e, u, a, c, tp, d, ts, ot, sa, ra, wa::json, p::json, pr, i::json
     FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
       $11::text[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::text[], $17::text[], $18::text[], $19::text[])
       AS u(ev, w, s, m, ty, e, u, a, c, tp, d, ts, ot, sa, ra, wa, p, pr, i)
     RETURNING seq, workspace_id, message_id`,
    columns,
  );
  // A group holds each (workspace, messageId) once, so the pair finds each event's seq whatever order rows come back in.
  const seqs = new Map(rows.map((row) => [messageKey(row.workspace_id, row.message_id), row.seq]));
  return stored.map((entry) => seqs.get(messageKey(entry.event.workspaceId, entry.event.messageId))!);
}

/** What deduplication tells events apart by: the messageId within its workspace. */
function messageKey(workspaceId: string, messageId: string): string {
  return `${workspaceId}\u0000${messageId}`;
}

/** Writes what an unmerge changed, in the order unmerge made the changes; returns the seqs moved to each profile. */
async function writeUnmerge(client: PoolClient, snapshot: IdentitySnapshot, workspaceId: string): Promise<Map<string, number[]>> {
  const changes = snapshot.unmergeChanges;
  const now = Date.now();
  if (changes.revived.length > 0) {
    await client.query('UPDATE profiles SET merged_into = NULL, updated_at = $2 WHERE id = ANY($1::text[])', [changes.revived, now]);
  }
  if (changes.owners.length > 0) {
    await client.query(
      `UPDATE identities i SET profile_id = u.p FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(w, t, v, p)
       WHERE i.workspace_id = u.w AND i.type = u.t AND i.value = u.v`,
      [
        changes.owners.map((owner) => owner.workspaceId), changes.owners.map((owner) => owner.identifier.type),
        changes.owners.map((owner) => owner.identifier.value), changes.owners.map((owner) => owner.profileId),
      ],
    );
  }
  const moved = new Map<string, number[]>();
  for (const move of changes.movedEvents) {
    if (move.seqs.length > 0) await client.query('UPDATE events SET profile_id = $1 WHERE seq = ANY($2::bigint[])', [move.profileId, move.seqs]);
    moved.set(move.profileId, [...(moved.get(move.profileId) ?? []), ...move.seqs]);
  }
  for (const { profileId, state } of changes.states) {
    // The counts follow the identities as they are now, after the moves above.
    await client.query(
      `UPDATE profiles SET state = $2::json, search_name = $3, updated_at = $4,
         identifier_counts = (SELECT coalesce(jsonb_object_agg(type, n), '{}'::jsonb) FROM
           (SELECT type, count(*) AS n FROM identities WHERE workspace_id = $5 AND profile_id = $1 GROUP BY type) AS counts)
       WHERE id = $1`,
      [profileId, JSON.stringify(state), searchName(state), now, workspaceId],
    );
  }
  for (const undone of changes.undone) await client.query('UPDATE merges SET undone_at = $1 WHERE id = $2', [undone.at, undone.mergeId]);
  for (const pair of changes.keptApart) {
    await client.query('INSERT INTO kept_apart (workspace_id, a, b, merge_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [pair.workspaceId, pair.a, pair.b, pair.mergeId]);
  }
  return moved;
}

/** merged_into along the chains that start at `ids`, up to their live ends. */
async function readChains(client: PoolClient, ids: string[]): Promise<Map<string, string | null>> {
  const { rows } = await client.query<{ id: string; merged_into: string | null }>(
    `WITH RECURSIVE chain(id, merged_into) AS (
       SELECT id, merged_into FROM profiles WHERE id = ANY($1::text[])
       UNION SELECT p.id, p.merged_into FROM profiles p JOIN chain c ON p.id = c.merged_into
     ) SELECT id, merged_into FROM chain`,
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.merged_into]));
}

/** The live end of a chain read by readChains, or null when the profile does not exist. */
function rootIn(chains: Map<string, string | null>, id: string): string | null {
  let current = id;
  for (let hops = 0; hops <= chains.size; hops += 1) {
    if (!chains.has(current)) return null;
    const next = chains.get(current)!;
    if (next === null) return current;
    current = next;
  }
  throw new Error(`merge chain from ${id} does not end`);
}
