import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { segmentStoreContract } from '../contract/segment-store.contract.ts';
import { stateStoreContract, eventFixture, type StateStoreHarness } from '../contract/state-store.contract.ts';
import { SqliteStateStore } from './sqlite-state-store.ts';

let dir = '';

const harness: StateStoreHarness = {
  async open(options) {
    dir = mkdtempSync(join(tmpdir(), 'centric-sqlite-'));
    const store = new SqliteStateStore({ path: join(dir, 'state.sqlite'), ...options });
    await store.migrate();
    return store;
  },
  async reopen(store, options) {
    await store.close();
    const reopened = new SqliteStateStore({ path: join(dir, 'state.sqlite'), ...options });
    await reopened.migrate();
    return reopened;
  },
  async cleanup() {
    rmSync(dir, { recursive: true, force: true });
  },
};

stateStoreContract('sqlite', harness);
segmentStoreContract('sqlite', harness);

describe('SqliteStateStore', () => {
  it('stores every event of many appends made at the same moment', async () => {
    const store = new SqliteStateStore({ path: ':memory:', dedupWindowMs: 1000 });
    await store.migrate();
    const appends = Array.from({ length: 20 }, (_, batch) =>
      store.appendEvents({ events: Array.from({ length: 50 }, (_, i) => eventFixture(`b${batch}-${i}`)), failed: [] }),
    );
    const results = await Promise.all(appends);
    expect(results.every((result) => result.stored === 50)).toBe(true);
    expect(await store.countEvents('default')).toBe(1000);
    await store.close();
  });
});
