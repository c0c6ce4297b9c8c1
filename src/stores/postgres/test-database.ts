import pg from 'pg';

/** A database of its own for one test file (or benchmark run), dropped afterwards. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates `centric_test_<random>` on the server named by CENTRIC_POSTGRES_URL (default: the local
 * test server), through its `postgres` database, so runs never see each other's data.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = new URL(process.env.CENTRIC_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  const name = `centric_test_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new URL(server);
  admin.pathname = '/postgres';
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
