import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngestService } from '../ingest/ingest-service.ts';
import { SourceService } from '../sources/source-service.ts';
import { SqliteStateStore } from '../stores/sqlite/sqlite-state-store.ts';
import { parseMapRule } from './csv-mapping.ts';
import { importFile, type ImportFileOptions, type ImportProgress } from './import-file.ts';

let dir: string;
let store: SqliteStateStore;
let base: Pick<ImportFileOptions, 'ingest' | 'sources' | 'workspaceId'>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'centric-import-'));
  store = new SqliteStateStore({ path: ':memory:', dedupWindowMs: 7 * 24 * 3_600_000 });
  await store.migrate();
  base = { ingest: new IngestService(store, { maxEventBytes: 32 * 1024 }), sources: new SourceService(store), workspaceId: 'default' };
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function storedEvents() {
  return (await store.listEvents({ workspaceId: 'default', limit: 1000 })).items.reverse();
}

function reportLines(path: string): unknown[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
}

const purchases = [
  'customer_no,action,date,amount,store',
  'C1,Order Completed,2024-03-01T10:00:00Z,19.99,berlin',
  'C2,Order Completed,2024-03-02,5,hamburg',
  'C1,Order Completed,2024-03-01T10:00:00Z,19.99,berlin',
].join('\n');
const purchaseMapping = ['userId=customer_no', 'event=action', 'timestamp=date', 'properties.revenue=amount:number'].map(parseMapRule);

describe('importFile', () => {
  it('stores mapped CSV rows through a new source with the defaults given, two identical rows as two events', async () => {
    const path = file('purchases.csv', purchases);
    const summary = await importFile({
      ...base, file: path, format: 'csv', mapping: purchaseMapping, source: { name: 'store purchases', channel: 'store', department: 'sales' },
    });
    expect(summary).toMatchObject({ rowsRead: 3, stored: 3, duplicates: 0, rejected: 0, sourceCreated: true, reportPath: null, interrupted: false });
    const events = await storedEvents();
    expect(events.map((event) => [event.userId, event.event, new Date(event.timestamp).toISOString(), event.channel, event.department])).toEqual([
      ['C1', 'Order Completed', '2024-03-01T10:00:00.000Z', 'store', 'sales'],
      ['C2', 'Order Completed', '2024-03-02T00:00:00.000Z', 'store', 'sales'],
      ['C1', 'Order Completed', '2024-03-01T10:00:00.000Z', 'store', 'sales'],
    ]);
    expect(events[0]!.payload.properties).toEqual({ revenue: 19.99, store: 'berlin' });
    expect(events[0]!.messageId).not.toBe(events[2]!.messageId);
  });

  it('stores nothing new when the same file is imported again, nor for the old rows of a file that grew', async () => {
    const options = { ...base, format: 'csv' as const, mapping: purchaseMapping, source: { name: 'store purchases' } };
    await importFile({ ...options, file: file('purchases.csv', purchases) });
    const again = await importFile({ ...options, file: file('purchases.csv', purchases) });
    expect(again).toMatchObject({ rowsRead: 3, stored: 0, duplicates: 3, sourceCreated: false });

    const lines = purchases.split('\n');
    const grown = [lines[0], 'C9,Order Completed,2024-02-01,1,berlin', ...lines.slice(1), lines[1]].join('\n');
    const third = await importFile({ ...options, file: file('purchases.csv', grown) });
    expect(third).toMatchObject({ rowsRead: 5, stored: 2, duplicates: 3 });
    expect((await storedEvents()).map((event) => event.userId)).toEqual(['C1', 'C2', 'C1', 'C9', 'C1']);
  });

  it('writes every rejected row to the report with its line, reason and the row as read', async () => {
    const path = file(
      'calls.csv',
      ['customer_no,action,amount', 'C1,Called,abc', 'C2,,1', 'C3,Called', ',Called,2', 'C4,Called,3'].join('\n'),
    );
    const summary = await importFile({
      ...base, file: path, format: 'csv', mapping: ['userId=customer_no', 'event=action', 'properties.minutes=amount:number'].map(parseMapRule),
      source: { name: 'hotline' },
    });
    expect(summary).toMatchObject({ rowsRead: 5, stored: 1, rejected: 4, reportPath: `${path}.rejected.jsonl` });
    expect(reportLines(`${path}.rejected.jsonl`)).toEqual([
      {
        line: 2, code: 'CENTRIC_ERR_EVENT_INVALID_FIELD', field: 'properties.minutes',
        message: expect.stringContaining('column "amount" is "abc"'), row: { customer_no: 'C1', action: 'Called', amount: 'abc' },
      },
      { line: 3, code: 'CENTRIC_ERR_EVENT_MISSING_FIELD', field: 'event', message: expect.any(String), row: { customer_no: 'C2', action: '', amount: '1' } },
      { line: 4, code: 'CENTRIC_ERR_IMPORT_CSV_FIELD_COUNT', message: 'row has 2 fields; the header has 3', row: ['C3', 'Called'] },
      { line: 5, code: 'CENTRIC_ERR_EVENT_MISSING_IDENTITY', field: 'userId', message: expect.any(String), row: { customer_no: '', action: 'Called', amount: '2' } },
    ]);
  });

  it('imports JSON lines as they are, reporting a bad line and going on', async () => {
    const path = file(
      'events.jsonl',
      [
        '{"type":"identify","userId":"u1","traits":{"email":"a@x.de"}}',
        '',
        '{"type":"track","userId":"u1","event":"Ticket Opened","messageId":"ticket-17","timestamp":"2024-05-01T08:00:00Z"}',
        '{"type":"track","userId":',
        '{"type":"track","anonymousId":"a1","event":"Visit"}',
      ].join('\n'),
    );
    const report = join(dir, 'rejects.jsonl');
    const summary = await importFile({ ...base, file: path, format: 'jsonl', source: { name: 'helpdesk' }, reportPath: report });
    expect(summary).toMatchObject({ rowsRead: 4, stored: 3, rejected: 1, reportPath: report });
    expect((await storedEvents()).map((event) => [event.type, event.messageId])).toEqual([
      ['identify', expect.stringMatching(/^import-/)],
      ['track', 'ticket-17'],
      ['track', expect.stringMatching(/^import-/)],
    ]);
    expect(reportLines(report)).toEqual([
      { line: 4, code: 'CENTRIC_ERR_REQUEST_INVALID_JSON', message: expect.stringContaining('not valid JSON'), row: '{"type":"track","userId":' },
    ]);
  });

  it('reads gzipped files', async () => {
    const path = file('events.jsonl.gz', gzipSync('{"type":"track","userId":"u1","event":"A"}\n{"type":"track","userId":"u2","event":"B"}\n'));
    expect(await importFile({ ...base, file: path, format: 'jsonl', source: { name: 'archive' } })).toMatchObject({ rowsRead: 2, stored: 2 });
  });

  it('stores the rows before a quote that is never closed, and says where the file broke', async () => {
    const path = file('broken.csv', 'userId,event\nu1,A\nu2,"B\nu3,C\n');
    const summary = await importFile({ ...base, file: path, format: 'csv', source: { name: 'legacy' } });
    expect(summary).toMatchObject({ rowsRead: 1, stored: 1, rejected: 1, stoppedEarly: { line: 3, message: expect.stringContaining('never closed') } });
    expect(reportLines(`${path}.rejected.jsonl`)).toEqual([{ line: 3, code: 'CENTRIC_ERR_IMPORT_CSV_UNREADABLE', message: expect.any(String), row: null }]);
  });

  it('removes the report of an earlier run when nothing is rejected any more', async () => {
    const path = file('fixed.csv', 'userId,event\nu1,\n');
    await importFile({ ...base, file: path, format: 'csv', source: { name: 'crm' } });
    expect(existsSync(`${path}.rejected.jsonl`)).toBe(true);
    file('fixed.csv', 'userId,event\nu1,Signed Up\n');
    expect(await importFile({ ...base, file: path, format: 'csv', source: { name: 'crm' } })).toMatchObject({ stored: 1, reportPath: null });
    expect(existsSync(`${path}.rejected.jsonl`)).toBe(false);
  });

  it('stops reading when aborted, storing what was read, and reports progress up to the whole file', async () => {
    const rows = Array.from({ length: 50 }, (_, index) => `u${index},Viewed`);
    const path = file('many.csv', ['userId,event', ...rows].join('\n'));
    const seen: ImportProgress[] = [];
    const full = await importFile({ ...base, file: path, format: 'csv', source: { name: 'web' }, batchSize: 10, onProgress: (progress) => seen.push(progress) });
    expect(full.stored).toBe(50);
    expect(seen.at(-1)).toMatchObject({ bytesRead: full.totalBytes, rowsRead: 50 });

    const abort = new AbortController();
    const partial = await importFile({
      ...base, file: file('more.csv', ['userId,event', ...rows.map((row) => `${row}2`)].join('\n')), format: 'csv', source: { name: 'web' },
      batchSize: 10, signal: abort.signal, onProgress: (progress) => progress.rowsRead >= 20 && abort.abort(),
    });
    expect(partial).toMatchObject({ interrupted: true, rowsRead: 20, stored: 20 });
  });

  it('refuses a missing file, --map on JSON lines and a report path that is the file itself before writing anything', async () => {
    const path = file('a.jsonl', '{}\n');
    await expect(importFile({ ...base, file: join(dir, 'nope.csv'), format: 'csv', source: { name: 'x' } })).rejects.toThrow(/does not exist/);
    await expect(importFile({ ...base, file: path, format: 'jsonl', source: { name: 'x' }, mapping: purchaseMapping })).rejects.toThrow(/CSV files only/);
    await expect(importFile({ ...base, file: path, format: 'jsonl', source: { name: 'x' }, reportPath: path })).rejects.toThrow(/cannot be the file/);
    await expect(importFile({ ...base, file: file('b.csv', 'a\n1\n'), format: 'csv', source: { name: 'x' }, mapping: purchaseMapping })).rejects.toThrow(
      /no column "customer_no"/,
    );
    expect(await store.listSources('default')).toEqual([]);
  });
});
