import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  BIGINT, DOUBLE, DuckDBInstance, LIST, listValue, VARCHAR, type DuckDBConnection, type DuckDBType, type DuckDBValue,
} from '@duckdb/node-api';
import type { AnalyticsStats, AnalyticsStore, SinkBatch, SinkPosition } from '../../analytics/analytics-port.ts';
import { SinkPositionConflict } from '../../analytics/analytics-port.ts';
import { TABLES, type BuiltQuery } from '../../analytics/sql/analytics-sql.ts';
import { SqlAnalyticsQuestions } from '../../analytics/sql/sql-analytics-questions.ts';
import { applyProfileChange, compactAliases, eraseProfiles, type ChangeRunner } from '../../analytics/sql/profile-change-sql.ts';
import { duckDbDialect, type SqlValue } from '../../analytics/sql/sql-dialect.ts';
import type { AnalyticsEvent } from '../../core/analytics/analytics-model.ts';
import { pendingMigrations, type Migration } from '../migration.ts';

/** Where the DuckDB file lives and what DuckDB may use. */
export interface DuckDbAnalyticsStoreOptions {
  /** A file path (the data directory's analytics.duckdb), or ':memory:' for tests. */
  path: string;
  /** Worker threads for queries; DuckDB's default is one per core. */
  threads?: number;
  /** Such as '4GB'; DuckDB's default is 80% of the machine's memory. */
  memoryLimit?: string;
}

/** Schema changes in order; applied ones are recorded and never edited. */
const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'events, profile aliases and links, sink position',
    sql: `
      CREATE TABLE ${TABLES.events} (
        seq BIGINT NOT NULL,
        workspace_id VARCHAR NOT NULL,
        profile_id VARCHAR,
        ts BIGINT NOT NULL,
        type VARCHAR NOT NULL,
        event VARCHAR NOT NULL,
        channel VARCHAR NOT NULL,
        touchpoint VARCHAR NOT NULL,
        department VARCHAR NOT NULL,
        source_id VARCHAR NOT NULL,
        properties JSON,
        traits JSON
      );
      CREATE TABLE ${TABLES.aliases} (absorbed_id VARCHAR PRIMARY KEY, root_id VARCHAR NOT NULL);
      CREATE TABLE ${TABLES.links} (absorbed_id VARCHAR PRIMARY KEY, into_id VARCHAR NOT NULL);
      CREATE TABLE ${TABLES.position} (id INTEGER PRIMARY KEY, event_seq BIGINT NOT NULL, change_id BIGINT NOT NULL);
      INSERT INTO ${TABLES.position} VALUES (1, 0, 0);
    `,
  },
];

/**
 * The embedded analytics store: one DuckDB file in the data directory holding a columnar copy of the
 * event history. The sink writes through one connection; each question runs on a connection of its
 * own, so questions run side by side and never wait for the copy.
 */
export class DuckDbAnalyticsStore extends SqlAnalyticsQuestions implements AnalyticsStore {
  protected readonly dialect = duckDbDialect;
  readonly engine = 'duckdb';
  private readonly options: DuckDbAnalyticsStoreOptions;
  private instance: DuckDBInstance | null = null;
  private writer: DuckDBConnection | null = null;

  constructor(options: DuckDbAnalyticsStoreOptions) {
    super();
    this.options = options;
  }

  async migrate(): Promise<void> {
    if (this.options.path !== ':memory:') mkdirSync(dirname(this.options.path), { recursive: true });
    const settings: Record<string, string> = {};
    if (this.options.threads) settings.threads = String(this.options.threads);
    if (this.options.memoryLimit) settings.memory_limit = this.options.memoryLimit;
    this.instance = await DuckDBInstance.create(this.options.path, settings);
    this.writer = await this.instance.connect();
    await this.writer.run('CREATE TABLE IF NOT EXISTS analytics_schema (version INTEGER NOT NULL)');
    const applied = (await this.writer.runAndReadAll('SELECT version FROM analytics_schema')).getRowObjectsJS().map((row) => Number(row.version));
    for (const migration of pendingMigrations(MIGRATIONS, applied)) {
      await this.transaction(async () => {
        await this.writer!.run(migration.sql);
        await this.writer!.run(`INSERT INTO analytics_schema VALUES (${migration.version})`);
      });
    }
  }

  async close(): Promise<void> {
    this.writer?.closeSync();
    this.instance?.closeSync();
    this.writer = null;
    this.instance = null;
  }

  async position(): Promise<SinkPosition> {
    return readPosition(this.connection());
  }

  async apply(batch: SinkBatch): Promise<void> {
    const writer = this.connection();
    await this.transaction(async () => {
      const stored = await readPosition(writer);
      if (stored.eventSeq !== batch.from.eventSeq || stored.changeId !== batch.from.changeId) throw new SinkPositionConflict(stored, batch.from);
      if (batch.events.length > 0) await appendEvents(writer, batch.events);
      const runner = changeRunner(writer);
      for (const change of batch.changes) await applyProfileChange(runner, change);
      await writer.run(`UPDATE ${TABLES.position} SET event_seq = $1, change_id = $2 WHERE id = 1`, [BigInt(batch.to.eventSeq), BigInt(batch.to.changeId)]);
    });
  }

  async compact(): Promise<{ rewritten: number }> {
    let rewritten = 0;
    await this.transaction(async () => {
      rewritten = await compactAliases(changeRunner(this.connection()));
    });
    return { rewritten };
  }

  async erase(workspaceId: string, profileIds: string[]): Promise<number> {
    let erased = 0;
    await this.transaction(async () => {
      erased = await eraseProfiles(changeRunner(this.connection()), workspaceId, profileIds);
    });
    return erased;
  }

  async stats(): Promise<AnalyticsStats> {
    const rows = await this.read({
      sql: `SELECT (SELECT count(*) FROM ${TABLES.events}) AS events, (SELECT count(*) FROM ${TABLES.aliases}) AS aliases`,
      params: [],
      decode: (result) => result[0]!,
    });
    return { events: Number(rows.events), aliases: Number(rows.aliases), position: await this.position() };
  }

  async aliasCount(): Promise<number> {
    return this.read({ sql: `SELECT count(*) AS n FROM ${TABLES.aliases}`, params: [], decode: (rows) => Number(rows[0]!.n) });
  }

  /** Runs SQL written by hand against the store's tables (benchmarks compare it with the questions). */
  async runSql(sql: string, params: SqlValue[] = []): Promise<Array<Record<string, unknown>>> {
    return this.read({ sql, params, decode: (rows) => rows });
  }

  /** Runs a question on a connection of its own. */
  protected async read<T>(query: BuiltQuery<T>): Promise<T> {
    if (!this.instance) throw new Error('the analytics store is closed');
    const connection = await this.instance.connect();
    try {
      const { values, types } = bind(query.params);
      const reader = await connection.runAndReadAll(query.sql, values, types);
      return query.decode(reader.getRowObjectsJS() as Array<Record<string, unknown>>);
    } finally {
      connection.closeSync();
    }
  }

  private connection(): DuckDBConnection {
    if (!this.writer) throw new Error('the analytics store is closed');
    return this.writer;
  }

  /** One write transaction at a time on the writer connection. */
  private writing: Promise<unknown> = Promise.resolve();

  private transaction(work: () => Promise<void>): Promise<void> {
    const run = async () => {
      const writer = this.connection();
      await writer.run('BEGIN TRANSACTION');
      try {
        await work();
        await writer.run('COMMIT');
      } catch (error) {
        await writer.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    };
    const next = this.writing.then(run, run);
    this.writing = next.catch(() => undefined);
    return next;
  }
}

async function readPosition(connection: DuckDBConnection): Promise<SinkPosition> {
  const row = (await connection.runAndReadAll(`SELECT event_seq, change_id FROM ${TABLES.position} WHERE id = 1`)).getRowObjectsJS()[0]!;
  return { eventSeq: Number(row.event_seq), changeId: Number(row.change_id) };
}

/** Appends through DuckDB's appender, inside the open transaction: the rows commit with the position or not at all. */
async function appendEvents(connection: DuckDBConnection, events: AnalyticsEvent[]): Promise<void> {
  const appender = await connection.createAppender(TABLES.events);
  try {
    for (const event of events) {
      appender.appendBigInt(BigInt(event.seq));
      appender.appendVarchar(event.workspaceId);
      if (event.profileId === null) appender.appendNull();
      else appender.appendVarchar(event.profileId);
      appender.appendBigInt(BigInt(event.ts));
      appender.appendVarchar(event.type);
      appender.appendVarchar(event.event);
      appender.appendVarchar(event.channel);
      appender.appendVarchar(event.touchpoint);
      appender.appendVarchar(event.department);
      appender.appendVarchar(event.sourceId);
      appender.appendVarchar(JSON.stringify(event.properties));
      if (event.traits === null) appender.appendNull();
      else appender.appendVarchar(JSON.stringify(event.traits));
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

function changeRunner(connection: DuckDBConnection): ChangeRunner {
  return {
    async run(sql, params) {
      const { values, types } = bind(params);
      return (await connection.runAndReadAll(sql, values, types)).getRowObjectsJS() as Array<Record<string, unknown>>;
    },
    inList: (column, placeholder) => `${column} IN (SELECT unnest(${placeholder}))`,
  };
}

/** Parameters as DuckDB values with explicit types, so BIGINT columns compare with BIGINTs. */
function bind(params: SqlValue[]): { values: DuckDBValue[]; types: DuckDBType[] } {
  const values: DuckDBValue[] = [];
  const types: DuckDBType[] = [];
  for (const param of params) {
    switch (param.type) {
      case 'text': values.push(param.value); types.push(VARCHAR); break;
      case 'bigint': values.push(BigInt(param.value)); types.push(BIGINT); break;
      case 'double': values.push(param.value); types.push(DOUBLE); break;
      case 'text[]': values.push(listValue(param.value)); types.push(LIST(VARCHAR)); break;
      case 'bigint[]': values.push(listValue(param.value.map(BigInt))); types.push(LIST(BIGINT)); break;
    }
  }
  return { values, types };
}
