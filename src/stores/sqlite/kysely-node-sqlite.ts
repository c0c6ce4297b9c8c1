import type { DatabaseSync } from 'node:sqlite';
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';

/**
 * Lets Kysely's SQLite dialect drive `node:sqlite`. The dialect expects better-sqlite3's
 * statement shape; the only missing piece is `reader`, which node:sqlite tells through `columns()`.
 */
export function createKysely<DB>(db: DatabaseSync): Kysely<DB> {
  const database: SqliteDatabase = {
    close: () => {
      // The store owns the connection and closes it itself.
    },
    prepare(sql: string): SqliteStatement {
      const statement = db.prepare(sql);
      const reader = statement.columns().length > 0;
      return {
        reader,
        all: (parameters) => statement.all(...(parameters as never[])),
        run: (parameters) => {
          const result = statement.run(...(parameters as never[]));
          return { changes: result.changes, lastInsertRowid: result.lastInsertRowid };
        },
        iterate: (parameters) => statement.iterate(...(parameters as never[])) as IterableIterator<unknown>,
      };
    },
  };
  return new Kysely<DB>({ dialect: new SqliteDialect({ database }) });
}
