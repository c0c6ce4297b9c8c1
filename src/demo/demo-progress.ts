import { createProgressDisplay, formatCount, formatDuration, perSecond, type ProgressDisplay } from '../cli/progress-display.ts';
import type { DemoLoadProgress } from './demo-loader.ts';

/** A demo load's progress: events stored of events planned, events per second, time left. */
export function createDemoProgressDisplay(stream: NodeJS.WriteStream, label: string): ProgressDisplay<DemoLoadProgress> {
  return createProgressDisplay<DemoLoadProgress>(stream, {
    barFormat: `${label} {bar} {percentage}% | {done}/{all} events | {rate} events/s | ETA {eta_formatted}`,
    etaBuffer: 40,
    position: (progress) => ({ done: progress.events, total: progress.total }),
    fields: (progress) => ({ done: formatCount(progress.events), all: formatCount(progress.total), rate: formatCount(eventsPerSecond(progress)) }),
    line(progress) {
      const percent = progress.total > 0 ? Math.min(100, Math.floor((progress.events / progress.total) * 100)) : 0;
      const rate = eventsPerSecond(progress);
      const left = rate > 0 && progress.total > progress.events ? (progress.total - progress.events) / rate : null;
      return `${label} ${percent}%, ${formatCount(progress.events)} of ${formatCount(progress.total)} events, ${formatCount(rate)} events/s` +
        `${left === null ? '' : `, about ${formatDuration(left * 1000)} left`}`;
    },
  });
}

export function eventsPerSecond(progress: Pick<DemoLoadProgress, 'events' | 'elapsedMs'>): number {
  return perSecond(progress.events, progress.elapsedMs);
}
