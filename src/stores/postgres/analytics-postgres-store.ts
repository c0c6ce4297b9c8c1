import pg from 'pg';
import type { AnalyticsStats, AnalyticsStore, SinkBatch, SinkPosition } from '../../analytics/analytics-port.ts';
import { SinkPositionConflict } from '../../analytics/analytics-port.ts';
import { TABLES, type BuiltQuery } from '../../analytics/sql/analytics-sql.ts';
import { SqlAnalyticsQuestions } from '../../analytics/sql/sql-analytics-questions.ts';
import { applyProfileChange, compactAliases, eraseProfiles, type ChangeRunner } from '../../analytics/sql/profile-change-sql.ts';
import { postgresDialect, type SqlValue } from '../../analytics/sql/sql-dialect.ts';
import type { AnalyticsEvent } from '../../core/analytics/analytics-model.ts';
import { pendingMigrations, type Migration } from '../migration.ts';
import { inTransaction } from './transaction.ts';

/** The database to use and how much each question may take. */
export interface PostgresAnalyticsStoreOptions {
  connectionString: string;
  poolSize?: number;
  /** Memory each sort or hash of a question may use before spilling to disk (PostgreSQL's work_mem). */
  workMem?: string;
}

const OID = { int8: 20, numeric: 1700 };

/** Counts and seqs arrive as numbers (they stay far below 2^53), as in every other store. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === OID.int8 || oid === OID.numeric) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

/** Schema changes in order; applied ones are recorded and never edited. */
const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'events, profile aliases and links, sink position',
    sql: `
      CREATE TABLE ${TABLES.events} (
        seq bigint PRIMARY KEY,
        workspace_id text NOT NULL,
        profile_id text,
        ts bigint NOT NULL,
        type text NOT NULL,
        event text NOT NULL,
        channel text NOT NULL,
        touchpoint text NOT NULL,
        department text NOT NULL,
        source_id text NOT NULL,
        properties jsonb,
        traits jsonb
      );
      CREATE INDEX analytics_events_workspace_ts ON ${TABLES.events} (workspace_id, ts);
      CREATE INDEX analytics_events_profile ON ${TABLES.events} (profile_id);
      CREATE TABLE ${TABLES.aliases} (absorbed_id text PRIMARY KEY, root_id text NOT NULL);
      CREATE INDEX analytics_profile_aliases_root ON ${TABLES.aliases} (root_id);
      CREATE TABLE ${TABLES.links} (absorbed_id text PRIMARY KEY, into_id text NOT NULL);
      CREATE INDEX analytics_profile_links_into ON ${TABLES.links} (into_id);
      CREATE TABLE ${TABLES.position} (id integer PRIMARY KEY, event_seq bigint NOT NULL, change_id bigint NOT NULL);
      INSERT INTO ${TABLES.position} VALUES (1, 0, 0);
    `,
  },
];

/** Names the advisory lock migrations run under, so nodes starting together migrate once. */
const MIGRATION_LOCK = 0x616e616c; // "anal"

/**
 * The analytics store for scale-out installs, in PostgreSQL next to the state store (its tables are
 * prefixed analytics_). The same questions as the embedded store, in the same SQL; the position row
 * is locked in each copy transaction, so two sinks never apply one batch twice. Transactions run through
 * the state store's `inTransaction`, so one chosen as a deadlock victim runs again from the start.
 */
export class PostgresAnalyticsStore extends SqlAnalyticsQuestions implements AnalyticsStore {
  protected readonly dialect = postgresDialect;
  readonly engine = 'postgres';
  private readonly pool: pg.Pool;

  constructor(options: PostgresAnalyticsStoreOptions) {
    super();
    const workMem = options.workMem ?? '64MB';
    if (!/^\d+(kB|MB|GB)$/.test(workMem)) throw new Error(`workMem must be a size such as 64MB, not "${workMem}"`);
    // Set for each connection at its start, so no query waits behind a SET.
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 4, types: TYPES, options: `-c work_mem=${workMem}` });
    // As in the state store: an idle connection that breaks is dropped by the pool and the next query
    // opens another; without a listener the error would end the process.
    this.pool.on('error', () => undefined);
  }

  async migrate(): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS analytics_schema (version integer NOT NULL)');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM analytics_schema');
      for (const migration of pendingMigrations(MIGRATIONS, rows.map((row) => row.version))) {
        await client.query(migration.sql);
        await client.query('INSERT INTO analytics_schema VALUES ($1)', [migration.version]);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async position(): Promise<SinkPosition> {
    const { rows } = await this.pool.query<{ event_seq: number; change_id: number }>(`SELECT event_seq, change_id FROM ${TABLES.position} WHERE id = 1`);
    return { eventSeq: rows[0]!.event_seq, changeId: rows[0]!.change_id };
  }

  async apply(batch: SinkBatch): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ event_seq: number; change_id: number }>(`SELECT event_seq, change_id FROM ${TABLES.position} WHERE id = 1 FOR UPDATE`);
      const stored = { eventSeq: rows[0]!.event_seq, changeId: rows[0]!.change_id };
      if (stored.eventSeq !== batch.from.eventSeq || stored.changeId !== batch.from.changeId) throw new SinkPositionConflict(stored, batch.from);
      if (batch.events.length > 0) await insertEvents(client, batch.events);
      const runner = changeRunner(client);
      for (const change of batch.changes) await applyProfileChange(runner, change);
      await client.query(`UPDATE ${TABLES.position} SET event_seq = $1, change_id = $2 WHERE id = 1`, [batch.to.eventSeq, batch.to.changeId]);
    });
  }

  async compact(): Promise<{ rewritten: number }> {
    return inTransaction(this.pool, async (client) => {
      // Holding the position row keeps a sink's batch from landing between the rewrite and the alias removal.
      await client.query(`SELECT 1 FROM ${TABLES.position} WHERE id = 1 FOR UPDATE`);
      return { rewritten: await compactAliases(changeRunner(client)) };
    });
  }

  async erase(workspaceId: string, profileIds: string[]): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      await client.query(`SELECT 1 FROM ${TABLES.position} WHERE id = 1 FOR UPDATE`);
      return eraseProfiles(changeRunner(client), workspaceId, profileIds);
    });
  }

  async stats(): Promise<AnalyticsStats> {
    const { rows } = await this.pool.query<{ events: number; aliases: number }>(
      `SELECT (SELECT count(*) FROM ${TABLES.events}) AS events, (SELECT count(*) FROM ${TABLES.aliases}) AS aliases`,
    );
    return { events: rows[0]!.events, aliases: rows[0]!.aliases, position: await this.position() };
  }

  async aliasCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${TABLES.aliases}`);
    return rows[0]!.n;
  }

  /** Runs SQL against the store's tables (benchmarks load data with it). */
  async runSql(sql: string, params: SqlValue[] = []): Promise<Array<Record<string, unknown>>> {
    const { rows } = await this.pool.query(sql, params.map((param) => param.value));
    return rows as Array<Record<string, unknown>>;
  }

  protected async read<T>(query: BuiltQuery<T>): Promise<T> {
    const { rows } = await this.pool.query(query.sql, query.params.map((param) => param.value));
    return query.decode(rows as Array<Record<string, unknown>>);
  }
}

/** One INSERT per batch: each column as an array, unnested into rows. */
async function insertEvents(client: pg.PoolClient, events: AnalyticsEvent[]): Promise<void> {
  const column = <T>(read: (event: AnalyticsEvent) => T) => events.map(read);
  await client.query(
    `INSERT INTO ${TABLES.events} (seq, workspace_id, profile_id, ts, type, event, channel, touchpoint, department, source_id, properties, traits)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
       $10::text[], $11::jsonb[], $12::jsonb[])`,
    [
      column((event) => event.seq), column((event) => event.workspaceId), column((event) => event.profileId), column((event) => event.ts),
      column((event) => event.type), column((event) => event.event), column((event) => event.channel), column((event) => event.touchpoint),
      column((event) => event.department), column((event) => event.sourceId), column((event) => JSON.stringify(event.properties)),
      column((event) => (event.traits === null ? null : JSON.stringify(event.traits))),
    ],
  );
}

function changeRunner(client: pg.PoolClient): ChangeRunner {
  return {
    async run(sql, params) {
      const { rows } = await client.query(sql, params.map((param) => param.value));
      return rows as Array<Record<string, unknown>>;
    },
    inList: (column, placeholder) => `${column} = ANY(${placeholder})`,
  };
}
