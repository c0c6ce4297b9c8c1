import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import type { ImportProgress, ImportSummary } from './import-file.ts';

/** Shows an import's progress while it runs. */
export interface ProgressDisplay {
  update(progress: ImportProgress): void;
  stop(): void;
}

const PLAIN_INTERVAL_MS = 5_000;

/**
 * A progress bar (percent of bytes read, rows per second, time left) on a terminal; elsewhere
 * (a log, a CI job) one plain line every few seconds instead of a redrawn bar.
 */
export function createProgressDisplay(stream: NodeJS.WriteStream, label: string): ProgressDisplay {
  return stream.isTTY ? barDisplay(stream, label) : plainDisplay(stream, label);
}

function barDisplay(stream: NodeJS.WriteStream, label: string): ProgressDisplay {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}`,
      barsize: 30,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(progress) {
      const payload = { rows: formatCount(progress.rowsRead), rate: formatCount(rowsPerSecond(progress)) };
      if (!started) {
        bar.start(Math.max(progress.totalBytes, 1), progress.bytesRead, payload);
        started = true;
      } else {
        bar.update(progress.bytesRead, payload);
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function plainDisplay(stream: NodeJS.WriteStream, label: string): ProgressDisplay {
  let lastShown = performance.now();
  return {
    update(progress) {
      const now = performance.now();
      if (now - lastShown < PLAIN_INTERVAL_MS) return;
      lastShown = now;
      const eta = estimateSecondsLeft(progress);
      stream.write(
        `${label} ${percent(progress)}% of ${formatBytes(progress.totalBytes)}, ${formatCount(progress.rowsRead)} rows, ` +
          `${formatCount(rowsPerSecond(progress))} rows/s${eta === null ? '' : `, about ${formatDuration(eta * 1000)} left`}\n`,
      );
    },
    stop() {},
  };
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
  return progress.elapsedMs > 0 ? Math.round((progress.rowsRead / progress.elapsedMs) * 1000) : 0;
}

function percent(progress: ImportProgress): number {
  return progress.totalBytes > 0 ? Math.min(100, Math.floor((progress.bytesRead / progress.totalBytes) * 100)) : 100;
}

function estimateSecondsLeft(progress: ImportProgress): number | null {
  if (progress.bytesRead === 0 || progress.elapsedMs < 1000) return null;
  return ((progress.totalBytes - progress.bytesRead) / progress.bytesRead) * (progress.elapsedMs / 1000);
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.ceil(bytes / 1024)} KB`;
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
