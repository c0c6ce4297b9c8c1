import { basename } from 'node:path';
import { createProgressDisplay, formatCount, formatDuration, perSecond, type ProgressDisplay } from '../cli/progress-display.ts';
import type { ImportProgress, ImportSummary } from './import-file.ts';

/** An import's progress: percent of the file's bytes read, rows per second, time left. */
export function createImportProgressDisplay(stream: NodeJS.WriteStream, label: string): ProgressDisplay<ImportProgress> {
  return createProgressDisplay<ImportProgress>(stream, {
    barFormat: `${label} {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}`,
    etaBuffer: 50,
    position: (progress) => ({ done: progress.bytesRead, total: progress.totalBytes }),
    fields: (progress) => ({ rows: formatCount(progress.rowsRead), rate: formatCount(rowsPerSecond(progress)) }),
    line(progress) {
      const eta = estimateSecondsLeft(progress);
      return `${label} ${percent(progress)}% of ${formatBytes(progress.totalBytes)}, ${formatCount(progress.rowsRead)} rows, ` +
        `${formatCount(rowsPerSecond(progress))} rows/s${eta === null ? '' : `, about ${formatDuration(eta * 1000)} left`}`;
    },
  });
}

/** The closing summary: what was read, what is new, what was already there, what was refused. */
export function formatSummary(summary: ImportSummary): string {
  const count = (value: number) => formatCount(value).padStart(12);
  const lines = [
    `${summary.interrupted ? 'Interrupted import of' : 'Imported'} ${basename(summary.file)} into source "${summary.source.name}" in ${formatDuration(summary.elapsedMs)}`,
    `  rows read   ${count(summary.rowsRead)}`,
    `  stored      ${count(summary.stored)}  new events`,
    `  duplicates  ${count(summary.duplicates)}  already imported`,
    `  rejected    ${count(summary.rejected)}${summary.reportPath ? `  see ${summary.reportPath}` : ''}`,
    `  rate        ${count(rowsPerSecond(summary))}  rows/s`,
  ];
  if (summary.stoppedEarly) lines.push(`Stopped at line ${summary.stoppedEarly.line}: ${summary.stoppedEarly.message}`);
  if (summary.interrupted) lines.push('Run the same command again to go on: rows already imported are recognised and skipped.');
  return lines.join('\n');
}

function rowsPerSecond(progress: ImportProgress): number {
  return perSecond(progress.rowsRead, progress.elapsedMs);
}

function percent(progress: ImportProgress): number {
  return progress.totalBytes > 0 ? Math.min(100, Math.floor((progress.bytesRead / progress.totalBytes) * 100)) : 100;
}

function estimateSecondsLeft(progress: ImportProgress): number | null {
  if (progress.bytesRead === 0 || progress.elapsedMs < 1000) return null;
  return ((progress.totalBytes - progress.bytesRead) / progress.bytesRead) * (progress.elapsedMs / 1000);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.ceil(bytes / 1024)} KB`;
}
