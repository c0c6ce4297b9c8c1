import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
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
