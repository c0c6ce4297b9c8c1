import cliProgress from 'cli-progress';

/** Shows a long operation's progress while it runs. */
export interface ProgressDisplay<T> {
  update(progress: T): void;
  stop(): void;
}

/** What one kind of operation shows: how far along it is, and in which words. */
export interface ProgressView<T> {
  /** The bar's line; `{bar}`, `{percentage}`, `{eta_formatted}` and the keys of `fields` fill in. */
  barFormat: string;
  /** How many seconds of history the time-left estimate averages over. */
  etaBuffer: number;
  position(progress: T): { done: number; total: number };
  fields(progress: T): Record<string, string>;
  /** The plain line printed every few seconds where no bar can be drawn. */
  line(progress: T): string;
}

const PLAIN_INTERVAL_MS = 5_000;

/**
 * A progress bar on a terminal; elsewhere (a log, a CI job, a test) one plain line every few
 * seconds instead of a redrawn bar.
 */
export function createProgressDisplay<T>(stream: NodeJS.WriteStream, view: ProgressView<T>): ProgressDisplay<T> {
  return stream.isTTY ? barDisplay(stream, view) : plainDisplay(stream, view);
}

function barDisplay<T>(stream: NodeJS.WriteStream, view: ProgressView<T>): ProgressDisplay<T> {
  const bar = new cliProgress.SingleBar(
    { stream, format: view.barFormat, barsize: 30, hideCursor: true, etaBuffer: view.etaBuffer, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(progress) {
      const { done, total } = view.position(progress);
      if (!started) {
        bar.start(Math.max(total, 1), done, view.fields(progress));
        started = true;
      } else {
        bar.update(done, view.fields(progress));
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function plainDisplay<T>(stream: NodeJS.WriteStream, view: ProgressView<T>): ProgressDisplay<T> {
  let lastShown = performance.now();
  return {
    update(progress) {
      const now = performance.now();
      if (now - lastShown < PLAIN_INTERVAL_MS) return;
      lastShown = now;
      stream.write(`${view.line(progress)}\n`);
    },
    stop() {},
  };
}

export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((count / elapsedMs) * 1000) : 0;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
