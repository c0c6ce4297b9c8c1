import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsStoreContract } from '../contract/analytics-store.contract.ts';
import { PostgresAnalyticsStore } from './analytics-postgres-store.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

/** Each test starts from empty tables in the file's own database. */
async function dropTables(): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS analytics_events, analytics_profile_aliases, analytics_profile_links, analytics_sink_position, analytics_schema');
  } finally {
    await client.end();
  }
}

analyticsStoreContract('postgres', {
  async open() {
    await dropTables();
    const store = new PostgresAnalyticsStore({ connectionString: database.url });
    await store.migrate();
    return store;
  },
  async reopen(store) {
    await store.close();
    const reopened = new PostgresAnalyticsStore({ connectionString: database.url });
    await reopened.migrate();
    return reopened;
  },
});

describe('PostgreSQL analytics store', () => {
  it('survives the server closing its idle connections (a restart, an administrator) and answers on new ones', async () => {
    const store = new PostgresAnalyticsStore({ connectionString: database.url });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await store.migrate();
      const [aliases] = await Promise.all([store.aliasCount(), store.aliasCount()]);
      const killed = await admin.query<{ pid: number }>('SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      expect(killed.rowCount).toBeGreaterThan(0);
      // Once the server has let them go, the pool hears of it on its idle connections.
      const pids = killed.rows.map((row) => row.pid);
      while ((await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1)', [pids])).rowCount! > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await store.aliasCount()).toBe(aliases);
    } finally {
      await admin.end();
      await store.close();
    }
  });
});
