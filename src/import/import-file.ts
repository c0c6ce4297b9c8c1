import { createReadStream, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import secureJson from 'secure-json-parse';
import type { EventType } from '../core/event-schema.ts';
import type { SourceContext } from '../ingest/event-draft.ts';
import type { IngestService } from '../ingest/ingest-service.ts';
import type { SourceService } from '../sources/source-service.ts';
import type { Source } from '../stores/ports.ts';
import { compileCsvMapping, type MapRule, type RowMapper } from './csv-mapping.ts';
import { RejectionReport, type RejectedRow, type RowRejection } from './import-report.ts';
import { contentHash, deriveMessageId } from './message-ids.ts';
import { createOccurrenceCounter, type OccurrenceCounter } from '../stores/sqlite/occurrence-counter.ts';
import { readCsvRecords, readLines } from './read-rows.ts';

export const IMPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** What one import should do; everything but the services comes from the command line. */
export interface ImportFileOptions {
  ingest: Pick<IngestService, 'ingest'>;
  sources: Pick<SourceService, 'findByName' | 'create'>;
  workspaceId: string;
  file: string;
  format: ImportFormat;
  /** The source the rows arrive through: found by name, or created with these defaults. */
  source: { name: string; channel?: string; touchpoint?: string; department?: string };
  /** CSV only: `--map` rules. */
  mapping?: MapRule[];
  /** The call type of rows that name none: `track` for CSV; JSON lines keep their own unless this is given. */
  defaultType?: EventType;
  defaultEvent?: string;
  delimiter?: string;
  /** Where rejected rows are written; default `<file>.rejected.jsonl`. */
  reportPath?: string;
  /** Events larger than this are rejected anyway; a JSON line four times longer is skipped unread. */
  maxEventBytes?: number;
  /** Rows per durable append (default 1000); a batch is also closed at 2 MB of row data. */
  batchSize?: number;
  onSource?: (source: Source, created: boolean) => void;
  onProgress?: (progress: ImportProgress) => void;
  /** Aborting stops reading; the rows already read are still stored before the import returns. */
  signal?: AbortSignal;
}

/** How far an import has come. */
export interface ImportProgress {
  bytesRead: number;
  totalBytes: number;
  rowsRead: number;
  stored: number;
  duplicates: number;
  rejected: number;
  elapsedMs: number;
}

/** What an import did, for the summary a user reads. */
export interface ImportSummary extends ImportProgress {
  file: string;
  format: ImportFormat;
  source: Source;
  sourceCreated: boolean;
  /** Set when rejections were written. */
  reportPath: string | null;
  /** Set when the file could not be read to its end (a CSV quote never closed). */
  stoppedEarly: { line: number; message: string } | null;
  interrupted: boolean;
}

/** One row on its way to the store: the event it became, or why it could not become one. */
interface ImportRow {
  line: number;
  /** The row as read, for the report; built only for rows that are rejected. */
  row: () => unknown;
  event?: Record<string, unknown>;
  rejection?: RowRejection;
  bytes: number;
}

const BATCH_BYTES = 2 * 1024 * 1024;

/** Guesses the format from the name: .csv, .jsonl or .ndjson, each optionally gzipped. */
export function formatFromFileName(file: string): ImportFormat | null {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl';
  return null;
}

/**
 * Streams a CSV or JSON Lines file into the store through the ingest pipeline: rows are read in
 * batches, and the next batch is read only once the previous one is durable, so memory stays
 * bounded whatever the file's size. Rows without a messageId get one derived from their content,
 * so importing the same file again stores nothing twice.
 */
export async function importFile(options: ImportFileOptions): Promise<ImportSummary> {
  const startedAt = performance.now();
  const file = resolve(options.file);
  const totalBytes = importFileSize(file);
  const reportPath = resolve(options.reportPath ?? `${file}.rejected.jsonl`);
  if (reportPath === file) throw new Error('the report file cannot be the file being imported; choose another --report path');
  if (options.mapping?.length && options.format !== 'csv') throw new Error('--map applies to CSV files only; JSON lines are Segment events already');

  const stream = createReadStream(file);
  const input: Readable = file.toLowerCase().endsWith('.gz') ? stream.pipe(createGunzip()) : stream;
  stream.on('error', (error) => input.destroy(error));
  let rows: AsyncIterable<ImportRow | { line: number; unreadable: string }>;
  let found: { source: Source; created: boolean };
  try {
    rows = options.format === 'csv' ? await csvRows(input, options) : jsonlRows(input, options);
    found = await findOrCreateSource(options);
  } catch (error) {
    input.destroy();
    throw error;
  }
  const { source, created } = found;
  options.onSource?.(source, created);
  const sourceContext: SourceContext = {
    id: source.id,
    workspaceId: source.workspaceId,
    name: source.name,
    channel: source.channel,
    touchpoint: source.touchpoint,
    department: source.department,
  };

  const report = new RejectionReport(reportPath);
  const counter = createOccurrenceCounter();
  const progress: ImportProgress = { bytesRead: 0, totalBytes, rowsRead: 0, stored: 0, duplicates: 0, rejected: 0, elapsedMs: 0 };
  const tell = () => {
    progress.bytesRead = stream.bytesRead;
    progress.elapsedMs = performance.now() - startedAt;
    options.onProgress?.({ ...progress });
  };
  let stoppedEarly: ImportSummary['stoppedEarly'] = null;
  let interrupted = false;
  const batchSize = options.batchSize ?? 1000;
  let batch: ImportRow[] = [];
  let batchBytes = 0;

  const flush = async () => {
    const rejected = await storeBatch(batch, sourceContext, options.ingest, counter, progress);
    await report.write(rejected);
    progress.rejected += rejected.length;
    batch = [];
    batchBytes = 0;
    tell();
  };

  try {
    tell();
    for await (const row of rows) {
      if ('unreadable' in row) {
        stoppedEarly = { line: row.line, message: row.unreadable };
        break;
      }
      progress.rowsRead += 1;
      batch.push(row);
      batchBytes += row.bytes;
      if (batch.length >= batchSize || batchBytes >= BATCH_BYTES) await flush();
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
    }
    await flush();
    if (stoppedEarly) {
      await report.write([{ line: stoppedEarly.line, code: 'CENTRIC_ERR_IMPORT_CSV_UNREADABLE', message: stoppedEarly.message, row: null }]);
      progress.rejected += 1;
    }
  } finally {
    input.destroy();
    counter.close();
    await report.close();
  }
  tell();
  return {
    ...progress,
    file,
    format: options.format,
    source,
    sourceCreated: created,
    reportPath: report.count > 0 ? reportPath : null,
    stoppedEarly,
    interrupted,
  };
}

/**
 * Gives each event its messageId, sends the batch through the pipeline in one durable append,
 * and returns every rejected row of the batch (the mapper's and the pipeline's) in line order.
 */
async function storeBatch(
  batch: ImportRow[],
  source: SourceContext,
  ingest: Pick<IngestService, 'ingest'>,
  counter: OccurrenceCounter,
  progress: ImportProgress,
): Promise<RejectedRow[]> {
  const rejected: RejectedRow[] = [];
  const events: Record<string, unknown>[] = [];
  const eventRows: ImportRow[] = [];
  for (const row of batch) {
    if (row.rejection || !row.event) {
      rejected.push({ line: row.line, ...row.rejection!, row: row.row() });
      continue;
    }
    const event = row.event;
    if (event.messageId === undefined || event.messageId === null || event.messageId === '') {
      const hash = contentHash(event);
      event.messageId = deriveMessageId(source.id, hash, counter.next(hash));
    }
    events.push(event);
    eventRows.push(row);
  }
  if (events.length > 0) {
    const outcome = await ingest.ingest({ source, events, receivedAt: Date.now(), historical: true });
    progress.stored += outcome.stored;
    progress.duplicates += outcome.duplicates;
    for (const rejection of outcome.rejected) {
      const row = eventRows[rejection.index]!;
      rejected.push({ line: row.line, code: rejection.code, message: rejection.message, field: rejection.field, row: row.row() });
    }
  }
  return rejected.sort((a, b) => a.line - b.line);
}

/** Reads the header first, so a `--map` naming a missing column fails before anything is written. */
async function csvRows(input: Readable, options: ImportFileOptions): Promise<AsyncIterable<ImportRow | { line: number; unreadable: string }>> {
  const records = readCsvRecords(input, { delimiter: options.delimiter });
  const first = await records.next();
  if (first.done) throw new Error(`${options.file} is empty; a CSV file needs a header row naming its columns`);
  if ('unreadable' in first.value) throw new Error(`${options.file} cannot be read as CSV: ${first.value.unreadable}`);
  const header = first.value.values;
  const mapRow: RowMapper = compileCsvMapping(header, {
    rules: options.mapping ?? [],
    defaultType: options.defaultType ?? 'track',
    defaultEvent: options.defaultEvent,
  });
  return (async function* () {
    for await (const record of records) {
      if ('unreadable' in record) {
        yield record;
        return;
      }
      const { values, line } = record;
      const bytes = values.reduce((sum, value) => sum + value.length, 0);
      const result = mapRow(values);
      const row = () => (values.length === header.length ? Object.fromEntries(header.map((name, index) => [name, values[index]])) : values);
      if (result.ok) yield { line, row, event: result.event, bytes };
      else yield { line, row, rejection: { code: result.code, message: result.message, field: result.field }, bytes };
    }
  })();
}

async function* jsonlRows(input: Readable, options: ImportFileOptions): AsyncGenerator<ImportRow> {
  const maxEventBytes = options.maxEventBytes ?? 32 * 1024;
  for await (const line of readLines(input, { maxLineBytes: Math.max(64 * 1024, maxEventBytes * 4) })) {
    if ('tooLongBytes' in line) {
      yield {
        line: line.line,
        row: () => `${line.preview}…`,
        rejection: { code: 'CENTRIC_ERR_LIMIT_EVENT_TOO_LARGE', message: `line is ${line.tooLongBytes} bytes; an event may be at most ${maxEventBytes} bytes` },
        bytes: 0,
      };
      continue;
    }
    let parsed: unknown;
    try {
      parsed = secureJson.parse(line.text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
    } catch (error) {
      yield {
        line: line.line,
        row: () => line.text,
        rejection: { code: 'CENTRIC_ERR_REQUEST_INVALID_JSON', message: `line is not valid JSON: ${(error as Error).message}` },
        bytes: line.text.length,
      };
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      yield {
        line: line.line,
        row: () => parsed,
        rejection: { code: 'CENTRIC_ERR_EVENT_NOT_AN_OBJECT', message: 'each line must be one JSON object, a Segment spec event' },
        bytes: line.text.length,
      };
      continue;
    }
    const event = parsed as Record<string, unknown>;
    // The report shows the line as written, before a default or messageId was filled in.
    const written = { ...event };
    const row = () => written;
    if (options.defaultType !== undefined && (event.type === undefined || event.type === null || event.type === '')) event.type = options.defaultType;
    if (options.defaultEvent !== undefined && event.event === undefined) event.event = options.defaultEvent;
    yield { line: line.line, row, event, bytes: line.text.length };
  }
}

async function findOrCreateSource(options: ImportFileOptions): Promise<{ source: Source; created: boolean }> {
  const existing = await options.sources.findByName(options.workspaceId, options.source.name.trim());
  if (existing) return { source: existing, created: false };
  const { name, channel, touchpoint, department } = options.source;
  const input: Parameters<SourceService['create']>[0] = { workspaceId: options.workspaceId, name };
  if (channel !== undefined) input.channel = channel;
  if (touchpoint !== undefined) input.touchpoint = touchpoint;
  if (department !== undefined) input.department = department;
  return { source: await options.sources.create(input), created: true };
}

/** The size of the file to import; throws a message for the command line when it is missing or not a file. */
export function importFileSize(file: string): number {
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${file} does not exist`, { cause: error });
    throw new Error(`${file} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (!stats.isFile()) throw new Error(`${file} is not a file`);
  return stats.size;
}
