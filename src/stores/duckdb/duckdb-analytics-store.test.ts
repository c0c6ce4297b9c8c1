import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyticsStoreContract } from '../contract/analytics-store.contract.ts';
import { DuckDbAnalyticsStore } from './duckdb-analytics-store.ts';

let dir = '';

analyticsStoreContract('duckdb', {
  async open() {
    dir = mkdtempSync(join(tmpdir(), 'centric-duckdb-'));
    const store = new DuckDbAnalyticsStore({ path: join(dir, 'analytics.duckdb'), threads: 2 });
    await store.migrate();
    return store;
  },
  async reopen(store) {
    await store.close();
    const reopened = new DuckDbAnalyticsStore({ path: join(dir, 'analytics.duckdb'), threads: 2 });
    await reopened.migrate();
    return reopened;
  },
  async cleanup() {
    rmSync(dir, { recursive: true, force: true });
  },
});
