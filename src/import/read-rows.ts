import type { Readable } from 'node:stream';
import { parse, type CsvError, type Parser } from 'csv-parse';

/** One record of a CSV file with the line it starts on; or, last, why the rest of the file cannot be read. */
export type CsvRecord = { line: number; values: string[] } | { line: number; unreadable: string };

export interface CsvReadOptions {
  delimiter?: string;
  /** A record longer than this is taken for an unclosed quote, which would otherwise swallow the rest of the file. */
  maxRecordBytes?: number;
}

/**
 * Streams the records of a CSV file, the header included, pulling from `input` only as fast as
 * the caller asks. A quote in the middle of a field is kept as text; a record with more or fewer
 * fields than the header is the caller's to judge. A quote that is never closed ends the file:
 * the reader yields where and why, and stops.
 */
export async function* readCsvRecords(input: Readable, options: CsvReadOptions = {}): AsyncGenerator<CsvRecord> {
  // A parse error that destroyed the stream would also drop the good records still buffered in
  // it, so errors come back through on_skip instead and are queued behind those records.
  let failed = false;
  const parser: Parser = parse({
    bom: true,
    delimiter: options.delimiter ?? ',',
    info: true,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    max_record_size: options.maxRecordBytes ?? 1024 * 1024,
    skip_records_with_error: true,
    on_skip: (error) => {
      if (failed || !error) return;
      failed = true;
      parser.push({ error });
    },
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let lastLine = 0;
  try {
    for await (const item of parser as AsyncIterable<ParsedItem>) {
      if ('error' in item) {
        // The record that broke starts after the last good one (blank lines aside); what follows it is unreliable.
        yield { line: lastLine + 1, unreadable: describeCsvError(item.error, lastLine + 1) };
        return;
      }
      lastLine = item.info.lines;
      yield { line: item.info.lines - embeddedLineBreaks(item.record), values: item.record };
    }
  } finally {
    input.unpipe(parser);
    input.destroy();
    parser.destroy();
  }
}

type ParsedItem = { record: string[]; info: { lines: number } } | { error: CsvError };

/** csv-parse counts the line a record ends on; a quoted field may span lines, and it counts CR and LF each. */
function embeddedLineBreaks(values: string[]): number {
  let count = 0;
  for (const value of values) {
    if (value.indexOf('\n') === -1 && value.indexOf('\r') === -1) continue;
    for (let index = 0; index < value.length; index += 1) {
      const code = value.charCodeAt(index);
      if (code === 10 || code === 13) count += 1;
    }
  }
  return count;
}

function describeCsvError(error: CsvError, recordLine: number): string {
  const errorLine = typeof error.lines === 'number' ? error.lines : recordLine;
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `a quoted field in the record starting on line ${recordLine} is never closed; lines ${recordLine} to ${errorLine} (the end of the file) could not be read`;
    case 'CSV_MAX_RECORD_SIZE':
      return `the record starting on line ${recordLine} grew past ${error.message.match(/\d+/)?.[0] ?? 'the size limit of'} bytes by line ${errorLine}, most likely from a quote that is never closed; the rest of the file was not read`;
    default:
      return `the file is not valid CSV at line ${errorLine}: ${error.message}`;
  }
}

/** One line of a JSON Lines file; a line longer than the limit is reported by its length and first characters. */
export type TextLine = { line: number; text: string } | { line: number; tooLongBytes: number; preview: string };

export interface LineReadOptions {
  /** Longer lines are skipped without being held in memory. */
  maxLineBytes: number;
}

/**
 * Splits a byte stream into lines (LF or CRLF), numbered from 1, skipping blank ones, while
 * holding at most one line in memory. The stream is read only as fast as lines are asked for.
 */
export async function* readLines(input: AsyncIterable<Buffer | string>, options: LineReadOptions): AsyncGenerator<TextLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflowBytes = 0;
  let preview = '';
  let lineNumber = 0;

  const finish = (tail: Buffer): TextLine | null => {
    lineNumber += 1;
    if (overflowBytes > 0 || pendingBytes + tail.length > options.maxLineBytes) {
      const bytes = overflowBytes + pendingBytes + tail.length;
      if (overflowBytes === 0) preview = Buffer.concat([...pending, tail.subarray(0, 200)]).subarray(0, 200).toString('utf8');
      overflowBytes = 0;
      pending = [];
      pendingBytes = 0;
      return { line: lineNumber, tooLongBytes: bytes, preview };
    }
    const bytes = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    let text = bytes.toString('utf8');
    if (lineNumber === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return text.trim() === '' ? null : { line: lineNumber, text };
  };

  for await (const piece of input) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    let start = 0;
    for (let newline = chunk.indexOf(10, start); newline !== -1; newline = chunk.indexOf(10, start)) {
      const line = finish(chunk.subarray(start, newline));
      start = newline + 1;
      if (line) yield line;
    }
    if (start >= chunk.length) continue;
    const rest = chunk.subarray(start);
    if (overflowBytes > 0) {
      overflowBytes += rest.length;
    } else if (pendingBytes + rest.length > options.maxLineBytes) {
      preview = Buffer.concat([...pending, rest]).subarray(0, 200).toString('utf8');
      overflowBytes = pendingBytes + rest.length;
      pending = [];
      pendingBytes = 0;
    } else {
      // Copied: the stream may reuse its buffers, and a slice would keep the whole chunk alive.
      pending.push(Buffer.from(rest));
      pendingBytes += rest.length;
    }
  }
  if (pendingBytes > 0 || overflowBytes > 0) {
    const line = finish(Buffer.alloc(0));
    if (line) yield line;
  }
}
