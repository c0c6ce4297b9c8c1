import { describe, expect, it } from 'vitest';
import { eventFixture } from '../../stores/contract/state-store.contract.ts';
import { SqliteAcceptedLog } from './sqlite-accepted-log.ts';

describe('SqliteAcceptedLog', () => {
  it('numbers entries in acceptance order and never reuses a number after release', async () => {
    const log = new SqliteAcceptedLog({ path: ':memory:' });
    await log.append({ events: [eventFixture('a')], failed: [] });
    const [first] = await log.read(0, 100);
    await log.release(first!.seq);
    expect(log.pending()).toEqual({ requests: 0, events: 0 });
    await Promise.all([log.append({ events: [eventFixture('b'), eventFixture('c')], failed: [] }), log.append({ events: [eventFixture('d')], failed: [] })]);
    const entries = await log.read(first!.seq, 100);
    expect(entries.map((entry) => entry.seq)).toEqual([first!.seq + 1, first!.seq + 2]);
    expect(entries[0]!.request.events.map((event) => event.messageId)).toEqual(['b', 'c']);
    expect(log.pending()).toEqual({ requests: 2, events: 3 });
    expect((await log.read(first!.seq, 1)).map((entry) => entry.seq)).toEqual([first!.seq + 1]);
    await log.close();
  });
});
