import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../stores/postgres/test-database.ts';
import { leadWhileLocked } from './scale-out-engines.ts';
import type { ScaleOutConfig } from './scale-out-config.ts';

const KEY = 424_242;

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error('condition not reached in 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('leading while holding a PostgreSQL session lock', () => {
  it('runs one leader at a time, stops it when its session is lost, and a leader takes over', async () => {
    const config = { postgresUrl: database.url } as ScaleOutConfig;
    const log: string[] = [];
    const leader = (name: string) => leadWhileLocked(config, KEY, async () => {
      log.push(`${name} started`);
      return { stop: async () => void log.push(`${name} stopped`) };
    }, () => undefined, 50);
    const first = leader('first');
    await until(() => log.includes('first started'));
    const second = leader('second');
    // The second keeps trying while the first holds the lock.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(log).toEqual(['first started']);

    // The first worker's session dies (a network cut, a server restart of the backend).
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted", [KEY]);
    await admin.end();
    await until(() => log.includes('first stopped') && log.filter((entry) => entry.endsWith('started')).length === 2);
    // PostgreSQL frees the lock the moment the session dies, so the next leader may start before the
    // first hears of it; what matters is that the first does stop, and does not run on beside it.
    expect(log.filter((entry) => entry === 'first stopped')).toHaveLength(1);
    await second.close();
    await first.close();
    const running = log.reduce((count, entry) => count + (entry.endsWith('started') ? 1 : -1), 0);
    expect(running).toBe(0);
  });
});
