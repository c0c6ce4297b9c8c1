import { afterAll, beforeAll } from 'vitest';
import { stateStoreContract } from '../contract/state-store.contract.ts';
import { PostgresStateStore } from './postgres-state-store.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import pg from 'pg';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

stateStoreContract('postgres', {
  async open(options) {
    const store = new PostgresStateStore({ connectionString: database.url, poolSize: 4, ...options });
    await store.migrate();
    // Each test starts from an empty store: the schema stays, the rows go.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`TRUNCATE sources, events, message_ids, failed_events, profiles, identities, merges, kept_apart, settings, profile_changes RESTART IDENTITY`);
    await client.end();
    return store;
  },
  async reopen(store, options) {
    await store.close();
    const reopened = new PostgresStateStore({ connectionString: database.url, poolSize: 4, ...options });
    await reopened.migrate();
    return reopened;
  },
});
