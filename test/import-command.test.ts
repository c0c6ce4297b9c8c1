import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCentric, type CliResult } from './server-process.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../src/stores/sqlite/sqlite-state-store.ts';


const dir = mkdtempSync(join(tmpdir(), 'centric-import-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `centric ...` as a real child process, as a user would run it. */
function centric(args: string[], nodeFlags: string[] = []): Promise<CliResult> {
  return runCentric(dir, args, nodeFlags);
}

async function withStore<T>(dataDir: string, use: (store: SqliteStateStore) => Promise<T>): Promise<T> {
  const store = new SqliteStateStore({ path: join(dataDir, 'state.sqlite'), dedupWindowMs: 7 * 24 * 3_600_000 });
  await store.migrate();
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

function reportLines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
}

describe('centric import', () => {
  it('imports a CSV export with a column mapping into a new source, and stores nothing new when run again', async () => {
    const dataDir = join(dir, 'csv-data');
    const csv = join(dir, 'store-purchases.csv');
    writeFileSync(
      csv,
      [
        'customer_no,action,date,amount,mail,branch',
        'C-1001,Order Completed,2024-03-01T10:15:00Z,19.99,anna@example.com,berlin-mitte',
        'C-1002,Order Completed,2024-03-02,5.50,ben@example.com,hamburg',
        'C-1003,Order Completed,2024-03-02,lots,cleo@example.com,hamburg',
        'C-1001,Order Completed,2024-03-01T10:15:00Z,19.99,anna@example.com,berlin-mitte',
      ].join('\n') + '\n',
    );
    const args = [
      'import', csv, '--source', 'store purchases', '--channel', 'store', '--department', 'sales', '--data-dir', dataDir,
      '--map', 'userId=customer_no', '--map', 'event=action', '--map', 'timestamp=date', '--map', 'properties.revenue=amount:number',
      '--map', 'traits.email=mail',
    ];

    const first = await centric(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Created source "store purchases"');
    expect(first.stdout).toMatch(/rows read\s+4\n\s+stored\s+3 +new events\n\s+duplicates\s+0 +already imported\n\s+rejected\s+1 +see .*store-purchases\.csv\.rejected\.jsonl/);

    const report = reportLines(`${csv}.rejected.jsonl`);
    expect(report).toEqual([
      {
        line: 4,
        code: 'CENTRIC_ERR_EVENT_INVALID_FIELD',
        message: expect.stringContaining('column "amount" is "lots"'),
        field: 'properties.revenue',
        row: { customer_no: 'C-1003', action: 'Order Completed', date: '2024-03-02', amount: 'lots', mail: 'cleo@example.com', branch: 'hamburg' },
      },
    ]);

    const stored = await withStore(dataDir, async (store) => {
      const source = (await store.findSourceByName('default', 'store purchases'))!;
      expect(source).toMatchObject({ channel: 'store', department: 'sales' });
      const events = (await store.listEvents({ workspaceId: 'default', limit: 100 })).items.reverse();
      expect(events.map((event) => event.sourceId)).toEqual([source.id, source.id, source.id]);
      return events;
    });
    expect(stored.map((event) => ({ type: event.type, event: event.event, userId: event.userId, at: new Date(event.timestamp).toISOString(), channel: event.channel, department: event.department }))).toEqual([
      { type: 'track', event: 'Order Completed', userId: 'C-1001', at: '2024-03-01T10:15:00.000Z', channel: 'store', department: 'sales' },
      { type: 'track', event: 'Order Completed', userId: 'C-1002', at: '2024-03-02T00:00:00.000Z', channel: 'store', department: 'sales' },
      { type: 'track', event: 'Order Completed', userId: 'C-1001', at: '2024-03-01T10:15:00.000Z', channel: 'store', department: 'sales' },
    ]);
    expect(stored[1]!.payload).toMatchObject({ properties: { revenue: 5.5, branch: 'hamburg' }, traits: { email: 'ben@example.com' } });

    const second = await centric(args);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('Created source');
    expect(second.stdout).toMatch(/stored\s+0 +new events\n\s+duplicates\s+3 +already imported/);
    expect(await withStore(dataDir, (store) => store.countEvents('default'))).toBe(3);
  });

  it('imports JSON lines, writes a bad line to the report with its line number, and stores nothing new when run again', async () => {
    const dataDir = join(dir, 'jsonl-data');
    const jsonl = join(dir, 'hotline.jsonl');
    writeFileSync(
      jsonl,
      [
        JSON.stringify({ type: 'identify', userId: 'C-1001', traits: { email: 'anna@example.com', plan: 'gold' } }),
        JSON.stringify({ type: 'track', userId: 'C-1001', event: 'Call Completed', timestamp: '2024-04-02T09:30:00Z', properties: { minutes: 7 } }),
        '',
        '{"type": "track", "userId": "C-1002", "event": "Call Completed",',
        JSON.stringify({ type: 'track', userId: 'C-1002', event: 'Call Completed', messageId: 'call-55', context: { touchpoint: { department: 'complaints' } } }),
      ].join('\n'),
    );
    const report = join(dir, 'hotline-rejects.jsonl');
    const args = ['import', jsonl, '--source', 'hotline', '--channel', 'phone', '--department', 'service', '--data-dir', dataDir, '--report', report];

    const first = await centric(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/rows read\s+4\n\s+stored\s+3 +new events/);
    expect(reportLines(report)).toEqual([
      { line: 4, code: 'CENTRIC_ERR_REQUEST_INVALID_JSON', message: expect.stringContaining('not valid JSON'), row: '{"type": "track", "userId": "C-1002", "event": "Call Completed",' },
    ]);
    const events = await withStore(dataDir, async (store) => (await store.listEvents({ workspaceId: 'default', limit: 100 })).items.reverse());
    expect(events.map((event) => [event.type, event.userId, event.channel, event.department])).toEqual([
      ['identify', 'C-1001', 'phone', 'service'],
      ['track', 'C-1001', 'phone', 'service'],
      ['track', 'C-1002', 'phone', 'complaints'],
    ]);
    expect(events[0]!.payload.traits).toEqual({ email: 'anna@example.com', plan: 'gold' });
    expect(events[1]!.timestamp).toBe(Date.parse('2024-04-02T09:30:00Z'));
    expect(events[2]!.messageId).toBe('call-55');

    const second = await centric(args);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/stored\s+0 +new events\n\s+duplicates\s+3 +already imported\n\s+rejected\s+1/);
    expect(await withStore(dataDir, (store) => store.countEvents('default'))).toBe(3);
  });

  it('exits non-zero with a clear message for a missing file, an unknown format or a bad --map', async () => {
    const csv = join(dir, 'tiny.csv');
    writeFileSync(csv, 'userId,event\nu1,A\n');
    writeFileSync(join(dir, 'tiny.txt'), 'userId,event\nu1,A\n');
    const dataDir = join(dir, 'usage-data');
    const cases: Array<[string[], RegExp]> = [
      [['import', join(dir, 'missing.csv'), '--source', 's'], /missing\.csv does not exist/],
      [['import', csv, '--source', 's', '--format', 'xml'], /--format must be csv or jsonl, not "xml"/],
      [['import', join(dir, 'tiny.txt'), '--source', 's'], /cannot tell the format of .*tiny\.txt from its name; pass --format csv or --format jsonl/],
      [['import', csv, '--source', 's', '--map', 'userId'], /--map "userId" must look like target=column/],
      [['import', csv, '--source', 's', '--map', 'customer=userId'], /"customer" is not a field an event can hold/],
      [['import', csv, '--source', 's', '--map', 'userId=customer_no'], /the file has no column "customer_no"; its columns are "userId", "event"/],
    ];
    for (const [args, message] of cases) {
      const result = await centric([...args, '--data-dir', dataDir]);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr).toMatch(message);
    }
  });

  it('streams a file many times larger than its memory limit (a 64 MB heap for a ~35 MB file)', async () => {
    const csv = join(dir, 'large.csv');
    const rows = 32_000;
    const note = 'n'.repeat(1000);
    const out = createWriteStream(csv);
    out.write('customer_no,action,date,amount,note\n');
    for (let index = 0; index < rows; index += 1) {
      const line = `C-${index % 4000},Order Completed,2024-03-01T10:${String(index % 60).padStart(2, '0')}:00Z,${index % 100}.5,${note}${index}\n`;
      if (!out.write(line)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');

    const dataDir = join(dir, 'large-data');
    const result = await centric(
      ['import', csv, '--source', 'archive', '--data-dir', dataDir, '--map', 'userId=customer_no', '--map', 'event=action', '--map', 'timestamp=date', '--map', 'properties.amount=amount:number'],
      ['--max-old-space-size=64'],
    );
    expect(result.stderr).not.toMatch(/heap out of memory/i);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/rows read\s+32,000\n\s+stored\s+32,000 +new events/);
    expect(await withStore(dataDir, (store) => store.countEvents('default'))).toBe(rows);
  }, 60_000);
});
