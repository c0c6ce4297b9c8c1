import { open, rm, type FileHandle } from 'node:fs/promises';
import type { ErrorCode } from '../core/errors.ts';

/** Why one row of an import file was not stored. */
export interface RowRejection {
  code: ErrorCode;
  message: string;
  field?: string;
}

/** One line of the report file: the row's line number in the import file, the reason and the row as read. */
export interface RejectedRow extends RowRejection {
  line: number;
  row: unknown;
}

/**
 * The report of rejected rows, one JSON object a line. The file is created with the first
 * rejection; an import without rejections removes a report left by an earlier run, so the
 * file next to an import always describes its latest run.
 */
export class RejectionReport {
  readonly path: string;
  private handle: FileHandle | null = null;
  private written = 0;

  constructor(path: string) {
    this.path = path;
  }

  get count(): number {
    return this.written;
  }

  async write(rows: RejectedRow[]): Promise<void> {
    if (rows.length === 0) return;
    this.handle ??= await open(this.path, 'w');
    const text = rows.map((row) => JSON.stringify(reportLine(row)) + '\n').join('');
    await this.handle.write(text);
    this.written += rows.length;
  }

  async close(): Promise<void> {
    if (this.handle) {
      await this.handle.close();
      this.handle = null;
    } else {
      await rm(this.path, { force: true });
    }
  }
}

/** Fixes the key order of a report line, so the file reads the same from run to run. */
function reportLine(row: RejectedRow): Record<string, unknown> {
  const line: Record<string, unknown> = { line: row.line, code: row.code, message: row.message };
  if (row.field !== undefined) line.field = row.field;
  line.row = row.row;
  return line;
}
