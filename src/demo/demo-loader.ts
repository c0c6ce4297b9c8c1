import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceContext } from '../ingest/event-draft.ts';
import type { IngestService } from '../ingest/ingest-service.ts';
import type { SourceService } from '../sources/source-service.ts';
import { DEMO_GENERATOR_VERSION, type DemoCompany, type DemoSourceKey } from './demo-company.ts';

/** Progress of a demo load, reported after each durable commit. */
export interface DemoLoadProgress {
  events: number;
  total: number;
  stored: number;
  duplicates: number;
  rejected: number;
  elapsedMs: number;
}

export interface DemoLoadResult extends DemoLoadProgress {
  interrupted: boolean;
  /** The first few refusals, which a correct generator never causes. */
  rejections: string[];
}

export interface DemoLoadOptions {
  company: DemoCompany;
  ingest: Pick<IngestService, 'ingest'>;
  sources: ReadonlyMap<DemoSourceKey, SourceContext>;
  /** Events per window of time; a window is sent as one ingest call per source (default 1000). */
  batchSize?: number;
  /**
   * Windows handed over before waiting for the oldest (default 16). Calls queued together share
   * one group commit: one transaction, one fsync, and each profile loaded and saved once, however
   * many of its events the group holds. Larger groups load faster and hold more events in memory.
   */
  inFlight?: number;
  /** The total for progress, when already counted. */
  total?: number;
  onProgress?: (progress: DemoLoadProgress) => void;
  signal?: AbortSignal;
}

/** Creates the demo's sources, or finds them by name when an earlier run created them. */
export async function ensureDemoSources(
  sources: Pick<SourceService, 'create' | 'findByName'>,
  workspaceId: string,
  company: DemoCompany,
): Promise<{ byKey: Map<DemoSourceKey, SourceContext>; created: string[] }> {
  const byKey = new Map<DemoSourceKey, SourceContext>();
  const created: string[] = [];
  for (const demo of company.sources) {
    let source = await sources.findByName(workspaceId, demo.name);
    if (!source) {
      source = await sources.create({ workspaceId, name: demo.name, channel: demo.channel, touchpoint: demo.touchpoint, department: demo.department });
      created.push(source.name);
    }
    byKey.set(demo.key, source);
  }
  return { byKey, created };
}

/**
 * Sends the demo's events, in time order, through the ingest pipeline. The stream is cut into
 * windows of `batchSize` events; each window goes out as one call per source, and several windows
 * are handed over before waiting, so one group commit (one fsync) carries thousands of events.
 * Events keep their own times (historical), and their messageIds make a second load store nothing.
 */
export async function loadDemoEvents(options: DemoLoadOptions): Promise<DemoLoadResult> {
  const batchSize = options.batchSize ?? 1000;
  const inFlight = options.inFlight ?? 16;
  const started = performance.now();
  const progress: DemoLoadProgress = { events: 0, total: options.total ?? 0, stored: 0, duplicates: 0, rejected: 0, elapsedMs: 0 };
  const rejections: string[] = [];
  const pending: Array<Promise<void>> = [];
  let interrupted = false;

  const send = (window: Array<{ sourceKey: DemoSourceKey; event: Record<string, unknown> }>): Promise<void> => {
    const bySource = new Map<DemoSourceKey, Array<Record<string, unknown>>>();
    for (const { sourceKey, event } of window) {
      let events = bySource.get(sourceKey);
      if (!events) bySource.set(sourceKey, (events = []));
      events.push(event);
    }
    const receivedAt = Date.now();
    const calls = [...bySource].map(([key, events]) => {
      const source = options.sources.get(key);
      if (!source) throw new Error(`the demo has no source "${key}"`);
      return options.ingest.ingest({ source, events, receivedAt, historical: true }).then((outcome) => {
        progress.stored += outcome.stored;
        progress.duplicates += outcome.duplicates;
        progress.rejected += outcome.rejected.length;
        for (const rejection of outcome.rejected.slice(0, Math.max(0, 5 - rejections.length))) {
          rejections.push(`${source.name}: ${rejection.code} ${rejection.message} (${JSON.stringify(events[rejection.index]).slice(0, 200)})`);
        }
      });
    });
    return Promise.all(calls).then(() => {
      progress.events += window.length;
      progress.elapsedMs = performance.now() - started;
      options.onProgress?.({ ...progress });
    });
  };

  let window: Array<{ sourceKey: DemoSourceKey; event: Record<string, unknown> }> = [];
  try {
    for (const { sourceKey, event } of options.company.events()) {
      window.push({ sourceKey, event });
      if (window.length < batchSize) continue;
      pending.push(send(window));
      window = [];
      if (pending.length >= inFlight) await pending.shift();
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
    }
    if (!interrupted && window.length > 0) pending.push(send(window));
    await Promise.all(pending);
  } catch (error) {
    // Let the calls already handed over finish (or fail) before reporting the first failure.
    await Promise.allSettled(pending);
    throw error;
  }
  progress.elapsedMs = performance.now() - started;
  return { ...progress, interrupted, rejections };
}

/** What a finished load leaves in the data directory, so the next run can skip it. */
export interface DemoMarker {
  version: 1;
  /** The generator's version (DEMO_GENERATOR_VERSION) that made the events. */
  generator: number;
  seed: number;
  customers: number;
  days: number;
  start: string;
  events: number;
  loadedAt: string;
  /** The identity check's report from the load, shown again on later runs. */
  identityCheck?: string;
}

const MARKER_FILE = 'demo.json';

export function readDemoMarker(dataDir: string): DemoMarker | null {
  const file = join(dataDir, MARKER_FILE);
  if (!existsSync(file)) return null;
  try {
    const marker = JSON.parse(readFileSync(file, 'utf8')) as DemoMarker;
    return marker.version === 1 ? marker : null;
  } catch {
    return null;
  }
}

export function writeDemoMarker(dataDir: string, marker: DemoMarker): void {
  writeFileSync(join(dataDir, MARKER_FILE), JSON.stringify(marker, null, 2) + '\n');
}

/** True when the marker describes the same demo (the same generator and options give the same events). */
export function markerMatches(marker: DemoMarker | null, company: DemoCompany): boolean {
  const { seed, customers, days, start } = company.options;
  return (
    marker !== null && marker.generator === DEMO_GENERATOR_VERSION && marker.seed === seed && marker.customers === customers &&
    marker.days === days && marker.start === start
  );
}

export function demoMarker(company: DemoCompany, events: number, identityCheck: string | undefined): DemoMarker {
  const { seed, customers, days, start } = company.options;
  return { version: 1, generator: DEMO_GENERATOR_VERSION, seed, customers, days, start, events, loadedAt: new Date().toISOString(), identityCheck };
}
