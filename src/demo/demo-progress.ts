import cliProgress from 'cli-progress';
import type { DemoLoadProgress } from './demo-loader.ts';

/** Shows a demo load's progress while it runs. */
export interface DemoProgressDisplay {
  update(progress: DemoLoadProgress): void;
  stop(): void;
}

const PLAIN_INTERVAL_MS = 5_000;

/**
 * A progress bar (events, events per second, time left) on a terminal; elsewhere (a log, a test)
 * one plain line every few seconds instead of a redrawn bar.
 */
export function createDemoProgressDisplay(stream: NodeJS.WriteStream, label: string): DemoProgressDisplay {
  return stream.isTTY ? barDisplay(stream, label) : plainDisplay(stream, label);
}

function barDisplay(stream: NodeJS.WriteStream, label: string): DemoProgressDisplay {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} {bar} {percentage}% | {value}/{total} events | {rate} events/s | ETA {eta_formatted}`,
      barsize: 30,
      hideCursor: true,
      etaBuffer: 40,
      fps: 5,
      formatValue: (value, _options, type) => (type === 'value' || type === 'total' ? formatCount(value) : String(value)),
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(progress) {
      const payload = { rate: formatCount(eventsPerSecond(progress)) };
      if (!started) {
        bar.start(Math.max(progress.total, 1), progress.events, payload);
        started = true;
      } else {
        bar.update(progress.events, payload);
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function plainDisplay(stream: NodeJS.WriteStream, label: string): DemoProgressDisplay {
  let lastShown = performance.now();
  return {
    update(progress) {
      const now = performance.now();
      if (now - lastShown < PLAIN_INTERVAL_MS) return;
      lastShown = now;
      const percent = progress.total > 0 ? Math.min(100, Math.floor((progress.events / progress.total) * 100)) : 0;
      const rate = eventsPerSecond(progress);
      const left = rate > 0 && progress.total > progress.events ? (progress.total - progress.events) / rate : null;
      stream.write(
        `${label} ${percent}%, ${formatCount(progress.events)} of ${formatCount(progress.total)} events, ${formatCount(rate)} events/s` +
          `${left === null ? '' : `, about ${formatSeconds(left)} left`}\n`,
      );
    },
    stop() {},
  };
}

export function eventsPerSecond(progress: Pick<DemoLoadProgress, 'events' | 'elapsedMs'>): number {
  return progress.elapsedMs > 0 ? Math.round((progress.events / progress.elapsedMs) * 1000) : 0;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
