import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, ServerProcess } from './server-process.ts';

const ADMIN = 'crash-admin';
const EVENTS = 100_000;
const BATCH = 100;
const SENDERS = 8;
/** Kill the server with SIGKILL when these shares of the batches have been acknowledged. */
const KILL_POINTS = [0.12, 0.3, 0.5, 0.68, 0.85];

const dataDir = mkdtempSync(join(tmpdir(), 'centric-crash-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function batchBody(index: number): string {
  const batch = [];
  for (let i = 0; i < BATCH; i++) {
    const n = index * BATCH + i;
    batch.push({
      type: n % 5 === 0 ? 'identify' : 'track',
      event: 'Product Viewed',
      messageId: `crash-${n}`,
      userId: `customer-${n % 7919}`,
      properties: { sku: `SKU-${n % 311}`, price: (n % 97) + 0.99 },
      traits: n % 5 === 0 ? { email: `c${n % 7919}@example.com` } : undefined,
    });
  }
  return JSON.stringify({ batch });
}

describe('durable acceptance', () => {
  it('loses no acknowledged event and stores none twice while the server is killed with SIGKILL again and again', async () => {
    const server = new ServerProcess({ dataDir, port: await freePort(), env: { CENTRIC_ADMIN_TOKEN: ADMIN } });
    await server.start();
    const source = (await (
      await fetch(`${server.url}/api/v1/sources`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'crash test' }),
      })
    ).json()) as { writeKey: string };
    const auth = `Basic ${Buffer.from(`${source.writeKey}:`).toString('base64')}`;

    const batches = EVENTS / BATCH;
    const acknowledged = new Set<number>();
    let next = 0;
    let failedAttempts = 0;
    let kills = 0;
    let restarting: Promise<void> | null = null;

    const crashAndRestart = async () => {
      await server.kill();
      kills += 1;
      await server.start();
    };

    const sender = async () => {
      while (next < batches) {
        const index = next++;
        const body = batchBody(index);
        // A retrying client: the same batch, the same messageIds, until it is acknowledged.
        for (;;) {
          try {
            const response = await fetch(`${server.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body });
            await response.arrayBuffer();
            if (response.status === 200) break;
            failedAttempts += 1;
          } catch {
            failedAttempts += 1;
          }
          await (restarting ?? new Promise((resolve) => setTimeout(resolve, 20)));
        }
        acknowledged.add(index);
        const due = KILL_POINTS[kills];
        if (due !== undefined && acknowledged.size >= due * batches && !restarting) {
          restarting = crashAndRestart().finally(() => (restarting = null));
        }
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    // Everything acknowledged is in the accepted log; the processor stores it (the last restart
    // started with a backlog of what earlier runs had accepted and not yet stored).
    for (;;) {
      const status = (await (await fetch(`${server.url}/api/v1/ingest/status`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { pendingRequests: number };
      if (status.pendingRequests === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await server.stop();

    expect(kills).toBe(KILL_POINTS.length);
    expect(failedAttempts).toBeGreaterThan(0);
    expect(acknowledged.size).toBe(batches);

    const db = new DatabaseSync(join(dataDir, 'state.sqlite'), { readOnly: true });
    const stored = (db.prepare('SELECT message_id FROM events').all() as Array<{ message_id: string }>).map((row) => row.message_id);
    db.close();
    const distinct = new Set(stored);
    const missing = Array.from({ length: EVENTS }, (_, n) => `crash-${n}`).filter((id) => !distinct.has(id));
    expect(missing).toEqual([]);
    expect(stored.length - distinct.size).toBe(0);
    expect(stored).toHaveLength(EVENTS);
  }, 240_000);
});
