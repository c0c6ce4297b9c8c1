import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ThreadedProcessor } from '../src/apps/threaded-processor.ts';
import type { AcceptedLogProcessor } from '../src/bus/ports.ts';
import { SqliteAcceptedLog } from '../src/bus/sqlite/sqlite-accepted-log.ts';
import type { StoredEvent } from '../src/core/event-schema.ts';
import type { SourceContext } from '../src/ingest/event-draft.ts';
import { IngestProcessor } from '../src/ingest/ingest-processor.ts';
import { IngestService } from '../src/ingest/ingest-service.ts';
import { ThreadedSegmentEngine } from '../src/apps/threaded-segment-engine.ts';
import { SegmentEngine, type SegmentEngineStore } from '../src/segments/segment-engine.ts';
import type { NewMembershipChange } from '../src/segments/segment-port.ts';
import { DEFAULT_COMPUTED_TRAITS, SegmentService } from '../src/segments/segment-service.ts';
import { SqliteStateStore } from '../src/stores/sqlite/sqlite-state-store.ts';
import {
  formatNumber, formatRatio, numberFlag, parseFlags, percentile, printTable, Resources, sampleProcess, type Benchmark,
} from './bench-kit.ts';
import { Prng } from './generators/prng.ts';
import {
  customerHistory, liveCall, PROBE_EVENT, SEGMENT_ON_KNOWN_TRACKERS, SEGMENT_ON_NEW_TRACKER, shopComputedTraits, shopSegments, shopSources,
  type ShopCall, type ShopCustomerOptions, type ShopSegment,
} from './generators/shop-customers.ts';

/**
 * Real-time segments at scale: demo-like customers with a year of history, 100 segments and 20
 * computed traits, and three questions. How long from an event to the membership it causes, with
 * ingest running at half its maximum rate (goal p99 < 100 ms, against Dittofeed's 2-minute polling
 * cycle)? How much ingest throughput is left with the engine running (goal >= 0.7 of it without)?
 * How fast is one new segment computed over every profile? The pieces are driven directly, as the
 * embedded server wires them: ingest service, accepted log, ingest processor and segment engine, each
 * on a thread of its own unless --processor inline, the engine woken by each chunk the processor stores.
 * Between the ingest rounds, and for the timed breakdowns, the engine is stepped on this thread.
 */

const WORKSPACE = 'default';
const SEED = 20_261_123;
const DEDUP_WINDOW_MS = 7 * 86_400_000;
const MAX_EVENT_BYTES = 32 * 1024;
const BUILD_BATCH = 2000;
const INGEST_BATCH = 100;
const INGEST_WINDOW = 16;
const LATENCY_TICK_MS = 20;

const GOAL_P99_MS = 100;
const GOAL_INGEST_RATIO = 0.7;
// Dittofeed recomputes segments on a polling cycle of two minutes (its documented default); not measured here.
const DITTOFEED_CYCLE_MS = 120_000;

interface Settings {
  profiles: number;
  events: number;
  latencySeconds: number;
  meanEvents: number;
  dataDir: string | null;
  processor: 'thread' | 'inline';
}

function readSettings(args: string[]): Settings {
  const flags = parseFlags(args);
  const known = new Set(['profiles', 'events', 'latency-seconds', 'mean-events', 'data-dir', 'processor']);
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`segments: unknown flag --${name}; known: ${[...known].map((k) => `--${k}`).join(', ')}`);
  const processor = flags.get('processor') ?? 'thread';
  if (processor !== 'thread' && processor !== 'inline') throw new Error('--processor must be thread or inline');
  const dataDir = flags.get('data-dir');
  if (dataDir === true) throw new Error('--data-dir needs a path');
  return {
    profiles: Math.round(numberFlag(flags, 'profiles', 1_000_000)),
    events: Math.round(numberFlag(flags, 'events', 100_000)),
    latencySeconds: numberFlag(flags, 'latency-seconds', 30),
    meanEvents: numberFlag(flags, 'mean-events', 5),
    dataDir: dataDir ?? null,
    processor,
  };
}

/** Wall time the engine spent waiting for each store call, for the phases where it runs alone. */
class StoreTimings {
  readonly calls = new Map<string, { count: number; ms: number }>();

  /** The store as the engine sees it, with each call of `names` timed. */
  wrap(store: SqliteStateStore, names: string[]): SegmentEngineStore {
    const timed = new Set(names);
    const record = (name: string, ms: number) => {
      const entry = this.calls.get(name) ?? { count: 0, ms: 0 };
      entry.count += 1;
      entry.ms += ms;
      this.calls.set(name, entry);
    };
    return new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        if (typeof property !== 'string' || !timed.has(property)) return method.bind(target);
        return async (...args: unknown[]) => {
          const started = performance.now();
          try {
            return await method.apply(target, args);
          } finally {
            record(property, performance.now() - started);
          }
        };
      },
    }) as SegmentEngineStore;
  }

  reset(): void {
    this.calls.clear();
  }
}

// What each timed call does, for the breakdown table.
const TIMED_CALLS: Record<string, string> = {
  readEventsAfter: 'read the event feed (SQL + row decoding)',
  readProfileChanges: 'read the profile-change feed',
  loadSegmentInputs: 'load profiles\' states + traits (SQL + JSON.parse)',
  listEventsOfProfiles: 'read profiles\' histories to build trackers',
  commitSegments: 'commit states, memberships, history (JSON.stringify + SQL)',
  listLiveProfileIds: 'list the profiles to compute',
  countLiveProfiles: 'count live profiles',
  dueSegmentChecks: 'find due time checks',
  segmentEnginePosition: 'read the engine position',
  listSegments: 'read definitions',
  listComputedTraits: 'read definitions',
};

interface Phase {
  name: string;
  seconds: number;
  breakdown: Map<string, { count: number; ms: number }>;
}

async function runSegmentsBenchmark(args: string[]): Promise<void> {
  const settings = readSettings(args);
  const resources = new Resources();
  // Closed in reverse order: the engine and the processor before the log and the stores under them.
  const closers: Array<() => Promise<void>> = [];
  try {
    const dir = settings.dataDir ?? resources.tempDir('centric-segments-bench-');
    mkdirSync(dir, { recursive: true });
    const statePath = join(dir, 'state.sqlite');
    if (existsSync(statePath)) throw new Error(`${statePath} exists already; give an empty --data-dir`);
    const end = Date.now();
    const history: ShopCustomerOptions = { seed: SEED, end, meanEvents: settings.meanEvents };
    console.log(`Segments benchmark: ${formatNumber(settings.profiles)} customers, about ${settings.meanEvents} calls each over the past year; ` +
      `${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.versions.node}; data in ${dir}`);

    // 1. The history, through the pipeline straight into the state store.
    const build = await buildHistory(statePath, settings, history);

    const store = new SqliteStateStore({ path: statePath, dedupWindowMs: DEDUP_WINDOW_MS, synchronous: 'FULL' });
    await store.migrate();
    closers.push(() => store.close());
    const reader = new DatabaseSync(statePath, { readOnly: true });
    closers.push(async () => reader.close());
    const maxSeq = reader.prepare('SELECT max(seq) AS seq FROM events');
    const lastSeq = () => Number((maxSeq.get() as { seq: number | null }).seq ?? 0);
    const timings = new StoreTimings();
    const handlers: { onChanges: (changes: NewMembershipChange[]) => void } = { onChanges: () => undefined };
    let engineErrors = 0;
    // As the embedded server runs it: on a connection of its own, committing without a full fsync.
    const engineStore = new SqliteStateStore({ path: statePath, dedupWindowMs: DEDUP_WINDOW_MS, synchronous: 'NORMAL' });
    await engineStore.migrate();
    closers.push(() => engineStore.close());
    const engine = new SegmentEngine(timings.wrap(engineStore, Object.keys(TIMED_CALLS)), {
      workspaceIds: [WORKSPACE],
      onChanges: (changes) => handlers.onChanges(changes),
      onError: (error) => {
        engineErrors += 1;
        if (engineErrors <= 5) console.error(`segment engine: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      },
    });
    const service = new SegmentService(store, WORKSPACE, engine);
    const phases: Phase[] = [];
    const timedPhase = async (name: string, work: () => Promise<void>): Promise<Phase> => {
      timings.reset();
      const started = performance.now();
      await work();
      // Copies: the running engine keeps adding to the live entries between timed phases.
      const breakdown = new Map([...timings.calls].map(([call, entry]) => [call, { ...entry }] as const));
      const phase = { name, seconds: (performance.now() - started) / 1000, breakdown };
      phases.push(phase);
      return phase;
    };

    // 2. The engine follows the history with nothing defined, as it would have while the events came in.
    console.log('\nThe engine follows the stored history with nothing defined ...');
    const follow = await timedPhase('follow the history, nothing defined', () => stepUntilIdle(engine, async () => `  at event ${formatNumber(engine.status().position?.eventSeq ?? 0)} of ${formatNumber(build.events)}`));
    console.log(`  ${formatNumber(build.events)} events in ${follow.seconds.toFixed(1)} s (${formatNumber(build.events / follow.seconds)} events/s)`);

    // 3. 20 computed traits and 100 segments, computed over every profile.
    const ids = new Map<string, string>();
    const defineStarted = performance.now();
    for (const trait of [...DEFAULT_COMPUTED_TRAITS, ...shopComputedTraits()]) await service.createComputedTrait(trait);
    for (const segment of shopSegments()) ids.set(segment.name, await createSegment(service, segment, ids));
    const traitCount = DEFAULT_COMPUTED_TRAITS.length + shopComputedTraits().length;
    console.log(`\nDefined ${traitCount} computed traits and ${ids.size} segments in ${((performance.now() - defineStarted) / 1000).toFixed(2)} s; computing them over ${formatNumber(build.profiles)} profiles ...`);
    const changesBefore = engine.status().membershipChanges;
    const initial = await timedPhase(`compute ${ids.size} segments + ${traitCount} traits`, () => stepUntilIdle(engine, () => computationProgress(store)));
    const initialChanges = engine.status().membershipChanges - changesBefore;
    const state = stateSizes(statePath);
    console.log(`  done in ${initial.seconds.toFixed(1)} s: ${formatNumber(build.profiles / initial.seconds)} profiles/s, ${formatNumber(initialChanges)} memberships entered; ` +
      `segment state ${formatNumber(state.meanBytes)} bytes per profile (${formatMegabytes(state.totalBytes)}), state store now ${formatMegabytes(fileBytes(dir, 'state.sqlite'))}`);
    const sizes = await segmentSizes(store, ids);
    console.log(`  segment sizes: ${sizes.nonEmpty} of ${ids.size} have members; median ${formatNumber(sizes.median)}, largest "${sizes.largest.name}" ${formatNumber(sizes.largest.size)}`);

    // 4. One new segment at a time, over the trackers profiles have, then over one they lack.
    const single: Array<{ label: string; phase: Phase; members: number }> = [];
    for (const [label, segment] of [['over existing trackers', SEGMENT_ON_KNOWN_TRACKERS], ['needing a new tracker (reads every history)', SEGMENT_ON_NEW_TRACKER]] as const) {
      console.log(`\nOne new segment ${label}: "${segment.name}" ...`);
      const created = await createSegment(service, segment, ids);
      const phase = await timedPhase(`one new segment ${label}`, () => stepUntilIdle(engine, () => computationProgress(store)));
      const members = await store.countSegmentMembers(WORKSPACE, created);
      const progress = (await store.getSegment(WORKSPACE, created))!.progress;
      if (progress.status !== 'ready') throw new Error(`segment ${segment.name} is still ${progress.status} after the engine went idle`);
      console.log(`  ready in ${phase.seconds.toFixed(1)} s: ${formatNumber(progress.total / phase.seconds)} profiles/s, ${formatNumber(members)} members`);
      single.push({ label, phase, members });
    }

    // 5 and 6. Ingest with the engine off and on, then at half the rate for the latency.
    const logPath = join(dir, 'accepted.sqlite');
    const log = new SqliteAcceptedLog({ path: logPath, synchronous: 'FULL' });
    closers.push(() => log.close());
    const processor: AcceptedLogProcessor = settings.processor === 'thread'
      ? new ThreadedProcessor(log, { statePath, logPath, dedupWindowMs: DEDUP_WINDOW_MS, synchronous: 'FULL' }, (message) => console.error(`ingest processor: ${message}`))
      : new IngestProcessor(log, store);
    await processor.start();
    closers.push(() => processor.stop());
    const running: RunningEngine = settings.processor === 'thread'
      ? new ThreadedSegmentEngine({ statePath, dedupWindowMs: DEDUP_WINDOW_MS, workspaceIds: [WORKSPACE] }, (message) => {
        engineErrors += 1;
        if (engineErrors <= 5) console.error(`segment engine: ${message}`);
      })
      : { start: async () => engine.start(), stop: () => engine.stop(), wake: () => engine.wake() };
    closers.push(() => running.stop());
    processor.onStored(() => running.wake());
    const ingest = new IngestService(store, { maxEventBytes: MAX_EVENT_BYTES, log });
    const live = new LiveTraffic(history, settings.profiles);

    console.log(`\nIngest at full speed (${INGEST_BATCH}-event batches, ${INGEST_WINDOW} in flight; processor ${settings.processor === 'thread' ? 'on its own thread' : 'inline'}), ` +
      `segments off and on by turns, ${formatNumber(settings.events / 2)} events a round ...`);
    const rounds: IngestRound[] = [];
    for (const [index, engineOn] of [false, true, false, true].entries()) {
      const catchUp = async () => (await timedPhase(`evaluate round ${index + 1}'s ${formatNumber(settings.events / 2)} events afterwards`, () => engine.catchUp())).seconds;
      const round = await ingestRound(engineOn, live.batches(Math.round(settings.events / 2)), { ingest, processor, engine, running, store, lastSeq }, catchUp);
      rounds.push(round);
      console.log(`  segments ${engineOn ? 'on ' : 'off'}: ${formatNumber(round.events)} events in ${round.seconds.toFixed(2)} s = ${formatNumber(round.events / round.seconds)} events/s ` +
        `${engineOn ? 'stored and evaluated' : 'stored'} (acknowledged in ${round.acceptSeconds.toFixed(2)} s, stored in ${round.storedSeconds.toFixed(2)} s; process CPU ${formatNumber(round.cpuPercent ?? 0)}% of one core)` +
        (round.catchUpSeconds === null ? '' : `; the engine then caught up on them in ${round.catchUpSeconds.toFixed(2)} s`));
    }
    const off = rate(rounds.filter((round) => !round.engineOn));
    const on = rate(rounds.filter((round) => round.engineOn));
    const storedOn = rate(rounds.filter((round) => round.engineOn), 'storedSeconds');
    const ingestRatio = storedOn / off;

    const target = on / 2;
    const probeId = ids.get(shopSegments().at(-1)!.name)!;
    console.log(`\nLatency: ${formatNumber(target)} events/s (half of the rate with segments on) for ${settings.latencySeconds} s, with a probe every ${LATENCY_TICK_MS} ms ...`);
    const latency = await measureLatency(target, settings, { ingest, processor, engine, running, store, lastSeq, live, handlers, probeId });
    printBreakdowns(phases);
    report(settings, build, follow, initial, single, { off, on, storedOn, ratio: ingestRatio }, latency, engineErrors);
  } finally {
    for (const close of closers.reverse()) await close().catch((error: unknown) => console.error(`closing: ${String(error)}`));
    resources.release();
  }
}

interface BuildResult {
  events: number;
  profiles: number;
  merges: number;
  seconds: number;
}

/** Runs every customer's history through the ingest pipeline and appends it to the state store (synchronous=NORMAL: this is set-up, not measured). */
async function buildHistory(path: string, settings: Settings, options: ShopCustomerOptions): Promise<BuildResult> {
  const store = new SqliteStateStore({ path, dedupWindowMs: DEDUP_WINDOW_MS, synchronous: 'NORMAL' });
  await store.migrate();
  const ingest = new IngestService(store, { maxEventBytes: MAX_EVENT_BYTES });
  const sources = shopSources();
  const started = performance.now();
  let lastPrint = started;
  let events = 0;
  let pending: StoredEvent[] = [];
  const flush = async () => {
    const result = await store.appendEvents({ events: pending, failed: [] });
    if (result.stored !== pending.length) throw new Error(`the history stored ${result.stored} of ${pending.length} events`);
    events += result.stored;
    pending = [];
  };
  console.log('Building the history ...');
  try {
    for (let n = 0; n < settings.profiles; n++) {
      for (const { sourceKey, call } of customerHistory(options, n)) {
        const { request, rejected } = ingest.prepare({ source: sources[sourceKey], events: [call], receivedAt: options.end, historical: true });
        if (rejected.length > 0) throw new Error(`the pipeline refused a history call: ${rejected[0]!.message}`);
        pending.push(...request.events);
      }
      if (pending.length >= BUILD_BATCH) await flush();
      if (performance.now() - lastPrint > 10_000) {
        lastPrint = performance.now();
        const seconds = (lastPrint - started) / 1000;
        console.log(`  ${formatNumber(n + 1)} of ${formatNumber(settings.profiles)} customers, ${formatNumber(events)} events, ${formatNumber(events / seconds)} events/s`);
      }
    }
    if (pending.length > 0) await flush();
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const db = new DatabaseSync(path, { readOnly: true });
  const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
  const result = {
    events,
    profiles: count('SELECT count(*) AS n FROM profiles WHERE merged_into IS NULL'),
    merges: count("SELECT count(*) AS n FROM profile_changes WHERE kind = 'merge'"),
    seconds,
  };
  db.close();
  console.log(`  ${formatNumber(result.events)} events, ${formatNumber(result.profiles)} live profiles, ${formatNumber(result.merges)} merges, in ${seconds.toFixed(1)} s ` +
    `(${formatNumber(result.events / seconds)} events/s)`);
  return result;
}

async function createSegment(service: SegmentService, segment: ShopSegment, ids: Map<string, string>): Promise<string> {
  const idOf = (name: string) => {
    const id = ids.get(name);
    if (!id) throw new Error(`segment "${segment.name}" names "${name}", which is not defined before it`);
    return id;
  };
  return (await service.createSegment({ name: segment.name, definition: { version: 1, condition: segment.condition(idOf) } })).id;
}

/** Steps the engine until it has nothing left to do, printing `progress()` every ten seconds. */
async function stepUntilIdle(engine: SegmentEngine, progress: () => Promise<string>): Promise<void> {
  let lastPrint = performance.now();
  while ((await engine.step()) !== 'idle') {
    if (performance.now() - lastPrint > 10_000) {
      lastPrint = performance.now();
      console.log(await progress());
    }
  }
}

async function computationProgress(store: SqliteStateStore): Promise<string> {
  const segments = await store.listSegments(WORKSPACE);
  const computing = segments.find((segment) => segment.progress.status === 'computing');
  if (!computing) return '  computing: nothing in progress (following events or time checks)';
  return `  computing: ${formatNumber(computing.progress.done)} of ${formatNumber(computing.progress.total)} profiles`;
}

function stateSizes(path: string): { meanBytes: number; totalBytes: number } {
  const db = new DatabaseSync(path, { readOnly: true });
  const row = db.prepare('SELECT avg(length(accumulators) + length(computed)) AS mean, sum(length(accumulators) + length(computed)) AS total FROM profile_segment_state').get() as {
    mean: number | null; total: number | null;
  };
  db.close();
  return { meanBytes: row.mean ?? 0, totalBytes: row.total ?? 0 };
}

async function segmentSizes(store: SqliteStateStore, ids: Map<string, string>) {
  const sizes: Array<{ name: string; size: number }> = [];
  for (const [name, id] of ids) sizes.push({ name, size: await store.countSegmentMembers(WORKSPACE, id) });
  sizes.sort((a, b) => a.size - b.size);
  return { nonEmpty: sizes.filter((entry) => entry.size > 0).length, median: percentile(sizes.map((entry) => entry.size), 0.5), largest: sizes[sizes.length - 1]! };
}

/** Bytes of a SQLite database with its WAL. */
function fileBytes(dir: string, name: string): number {
  return readdirSync(dir).filter((file) => file === name || file === `${name}-wal`).reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
}

function formatMegabytes(bytes: number): string {
  return `${formatNumber(bytes / 1_048_576)} MB`;
}

/** Calls from customers who have profiles, in batches per source as an SDK or integration sends them. */
class LiveTraffic {
  private readonly options: ShopCustomerOptions;
  private readonly profiles: number;
  private readonly random = new Prng(SEED + 1);
  private readonly sources = shopSources();
  private sent = 0;
  private probes = 0;
  private readonly stride: number;

  constructor(options: ShopCustomerOptions, profiles: number) {
    this.options = options;
    this.profiles = profiles;
    // Probes walk the customers with a stride sharing no factor with their number, so none comes twice.
    let stride = 7919;
    while (gcd(stride, profiles) !== 1) stride += 2;
    this.stride = stride;
  }

  /** `events` new calls in batches of up to `size` calls from one source. */
  batches(events: number, size = INGEST_BATCH): Batch[] {
    const buckets = new Map<string, ShopCall[]>();
    const batches: Batch[] = [];
    const now = Date.now();
    for (let index = 0; index < events; index++) {
      const customer = this.random.int(0, this.profiles - 1);
      const call = liveCall(this.options, customer, this.random, `live-${this.sent++}`, now - this.random.int(0, 5000));
      const bucket = buckets.get(call.sourceKey) ?? [];
      bucket.push(call);
      buckets.set(call.sourceKey, bucket);
      if (bucket.length >= size) {
        batches.push(this.batch(bucket));
        buckets.delete(call.sourceKey);
      }
    }
    for (const bucket of buckets.values()) batches.push(this.batch(bucket));
    return batches;
  }

  /** A probe: the only event of its kind, from a customer who never sent one. */
  probe(): { source: Batch['source']; call: ShopCall['call'] } {
    const k = this.probes++;
    if (k >= this.profiles) throw new Error('more probes than customers; lower --latency-seconds');
    const customer = (k * this.stride) % this.profiles;
    return { source: this.sources.web, call: { type: 'track', event: PROBE_EVENT, messageId: `probe-${k}`, userId: `u-${customer}`, timestamp: new Date().toISOString() } };
  }

  private batch(calls: ShopCall[]): Batch {
    return { source: this.sources[calls[0]!.sourceKey], calls: calls.map((entry) => entry.call) };
  }
}

interface Batch {
  source: SourceContext;
  calls: Array<ShopCall['call']>;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The engine as the server runs it alongside ingest: on its own thread, or (with --processor inline) on this one. */
interface RunningEngine {
  start(): Promise<void>;
  stop(): Promise<void>;
  wake(): void;
}

interface Pipeline {
  ingest: IngestService;
  processor: AcceptedLogProcessor;
  /** Stepped alone between rounds (timed breakdowns, catching up). */
  engine: SegmentEngine;
  running: RunningEngine;
  store: SqliteStateStore;
  /** The seq of the last event in the state store. */
  lastSeq: () => number;
}

interface IngestRound {
  engineOn: boolean;
  events: number;
  /** From the first request to the last event stored (and, with the engine on, evaluated). */
  seconds: number;
  acceptSeconds: number;
  /** From the first request to the last event stored (evaluation may still be going on). */
  storedSeconds: number;
  cpuPercent: number | null;
  /** With the engine off: how long it took afterwards to evaluate the round's events. */
  catchUpSeconds: number | null;
}

/** Sends every batch as fast as the log takes them and waits until all are stored (and evaluated, with the engine on). */
async function ingestRound(engineOn: boolean, batches: Batch[], pipeline: Pipeline, catchUp: () => Promise<number>): Promise<IngestRound> {
  const { ingest, processor, engine, running } = pipeline;
  // Start from an engine with nothing left to do, so the round measures its own events only.
  await engine.catchUp();
  if (engineOn) await running.start();
  const events = batches.reduce((sum, batch) => sum + batch.calls.length, 0);
  const cpuBefore = sampleProcess(process.pid);
  const started = performance.now();
  let next = 0;
  const sender = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      await ingest.accept({ source: batch.source, events: batch.calls, receivedAt: Date.now() });
    }
  };
  await Promise.all(Array.from({ length: INGEST_WINDOW }, sender));
  const accepted = performance.now();
  await processor.drain();
  const stored = performance.now();
  if (engineOn) await caughtUp(pipeline);
  const finished = performance.now();
  const cpuAfter = sampleProcess(process.pid);
  const seconds = (finished - started) / 1000;
  let catchUpSeconds: number | null = null;
  if (engineOn) await running.stop();
  else catchUpSeconds = await catchUp();
  return {
    engineOn, events, seconds, acceptSeconds: (accepted - started) / 1000, storedSeconds: (stored - started) / 1000, catchUpSeconds,
    cpuPercent: cpuBefore && cpuAfter ? ((cpuAfter.cpuSeconds - cpuBefore.cpuSeconds) / seconds) * 100 : null,
  };
}

/** Waits until the running engine's committed position reaches the last stored event. */
async function caughtUp(pipeline: Pipeline): Promise<void> {
  const last = pipeline.lastSeq();
  while ((await pipeline.store.segmentEnginePosition()).eventSeq < last) await new Promise((resolve) => setTimeout(resolve, 2));
}

function rate(rounds: IngestRound[], time: 'seconds' | 'storedSeconds' = 'seconds'): number {
  return rounds.reduce((sum, round) => sum + round.events, 0) / rounds.reduce((sum, round) => sum + round[time], 0);
}

interface LatencyResult {
  targetRate: number;
  achievedRate: number;
  probesSent: number;
  /** Event sent to the membership committed: the `at` of its history entry, stamped as the engine commits. */
  committed: number[];
  /** Event sent to the change announced on this thread (onChanges; the inline engine only: a thread reports counts). */
  published: number[];
  /** Event sent to the accepted log's durable acknowledgement. */
  acknowledged: number[];
  maxBacklog: number;
}

/** Sends at `target` events/s for the set time with one probe per tick, and reads when each probe's membership came. */
async function measureLatency(
  target: number,
  settings: Settings,
  context: Pipeline & { live: LiveTraffic; handlers: { onChanges: (changes: NewMembershipChange[]) => void }; probeId: string },
): Promise<LatencyResult> {
  const { ingest, processor, engine, running, store, live, handlers, probeId } = context;
  await engine.catchUp();
  const sentAt = new Map<string, number>();
  const ackAt = new Map<string, number>();
  const publishedAt = new Map<string, number>();
  handlers.onChanges = (changes) => {
    const now = Date.now();
    for (const change of changes) {
      if (change.segmentId === probeId && change.change === 'entered' && change.cause.kind === 'event') publishedAt.set(change.cause.messageId, now);
    }
  };
  await running.start();
  const perTick = Math.max(1, Math.round((target * LATENCY_TICK_MS) / 1000));
  const ticks = Math.round((settings.latencySeconds * 1000) / LATENCY_TICK_MS);
  const batches = live.batches(perTick * ticks, Math.min(INGEST_BATCH, perTick));
  const inFlight = new Set<Promise<unknown>>();
  const track = (promise: Promise<unknown>) => {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
  };
  let maxBacklog = 0;
  const storedBefore = processor.stored;
  let sent = 0;
  let next = 0;
  const started = performance.now();
  for (let tick = 0; tick < ticks; tick++) {
    // Catch up with the schedule when a tick came late, so the average rate holds.
    const due = Math.round(((performance.now() - started) / 1000) * target);
    while (sent < due && next < batches.length) {
      const batch = batches[next++]!;
      sent += batch.calls.length;
      track(ingest.accept({ source: batch.source, events: batch.calls, receivedAt: Date.now() }));
    }
    const probe = live.probe();
    const at = Date.now();
    sentAt.set(probe.call.messageId, at);
    track(ingest.accept({ source: probe.source, events: [probe.call], receivedAt: at }).then(() => ackAt.set(probe.call.messageId, Date.now())));
    maxBacklog = Math.max(maxBacklog, sent + tick + 1 - (processor.stored - storedBefore));
    const wait = started + (tick + 1) * LATENCY_TICK_MS - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  await processor.drain();
  await caughtUp(context);
  await running.stop();
  handlers.onChanges = () => undefined;

  const evaluatedAt = new Map<string, number>();
  let cursor: string | undefined;
  do {
    const page = await store.membershipHistory({ workspaceId: WORKSPACE, segmentId: probeId, limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const change of page.items) if (change.change === 'entered' && change.cause.kind === 'event') evaluatedAt.set(change.cause.messageId, change.at);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const since = (times: Map<string, number>) => [...sentAt].filter(([id]) => times.has(id)).map(([id, at]) => times.get(id)! - at).sort((a, b) => a - b);
  return {
    targetRate: target,
    achievedRate: (sent + sentAt.size) / seconds,
    probesSent: sentAt.size,
    committed: since(evaluatedAt),
    published: since(publishedAt),
    acknowledged: since(ackAt),
    maxBacklog,
  };
}

function printBreakdowns(phases: Phase[]): void {
  console.log('\nWhere the engine\'s time went in the phases it ran alone (wall time of the store calls it waited for, the rest its own work):');
  const rows: string[][] = [['phase / part', 'calls', 'seconds', 'share']];
  for (const phase of phases) {
    rows.push([phase.name, '', phase.seconds.toFixed(1), '100%']);
    let accounted = 0;
    const merged = new Map<string, { count: number; ms: number }>();
    for (const [name, entry] of phase.breakdown) {
      const label = TIMED_CALLS[name] ?? name;
      const known = merged.get(label) ?? { count: 0, ms: 0 };
      merged.set(label, { count: known.count + entry.count, ms: known.ms + entry.ms });
    }
    for (const [label, entry] of [...merged].sort((a, b) => b[1].ms - a[1].ms)) {
      accounted += entry.ms;
      if (entry.ms / 1000 / phase.seconds < 0.005) continue;
      rows.push([`  ${label}`, formatNumber(entry.count), (entry.ms / 1000).toFixed(1), `${formatNumber((entry.ms / 1000 / phase.seconds) * 100)}%`]);
    }
    const rest = phase.seconds - accounted / 1000;
    rows.push(['  engine work between the calls (trackers, evaluation, tidy)', '', rest.toFixed(1), `${formatNumber((rest / phase.seconds) * 100)}%`]);
  }
  printTable(rows);
}

function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

function report(
  settings: Settings,
  build: BuildResult,
  follow: Phase,
  initial: Phase,
  single: Array<{ label: string; phase: Phase; members: number }>,
  ingestRates: { off: number; on: number; storedOn: number; ratio: number },
  latency: LatencyResult,
  engineErrors: number,
): void {
  console.log('');
  console.log(`Latency at ${formatNumber(latency.achievedRate)} events/s (target ${formatNumber(latency.targetRate)}), ${formatNumber(latency.probesSent)} probes, ` +
    `each the first "${PROBE_EVENT}" of a different customer; largest backlog of the ingest processor ${formatNumber(latency.maxBacklog)} events:`);
  // Each list is sorted, so its last value is the largest.
  const row = (label: string, sorted: number[]) => [label, formatNumber(sorted.length), ms(percentile(sorted, 0.5)), ms(percentile(sorted, 0.99)), ms(sorted.at(-1) ?? 0)];
  printTable([
    ['from sending the event to ...', 'probes', 'p50', 'p99', 'max'],
    row('... its durable acknowledgement (accepted log)', latency.acknowledged),
    row('... the membership committed (history "at")', latency.committed),
    ...(latency.published.length > 0 ? [row('... announced on this thread (onChanges)', latency.published)] : []),
  ]);
  const p99 = percentile(latency.committed, 0.99);
  const p50 = percentile(latency.committed, 0.5);
  const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  console.log('');
  printTable([
    [`Measured (${formatNumber(build.profiles)} profiles, ${formatNumber(build.events)} history events, 100 segments, 20 computed traits)`, 'value'],
    ['Event-to-membership latency p50 (committed)', ms(p50)],
    ['Event-to-membership latency p99 (committed)', ms(p99)],
    ['Ingest events/s without segments (stored)', formatNumber(ingestRates.off)],
    ['Ingest events/s with segments evaluating alongside (stored)', formatNumber(ingestRates.storedOn)],
    ['Events/s stored and evaluated, with segments (the engine keeping up)', formatNumber(ingestRates.on)],
    [`Computing ${initial.name.replace('compute ', '')} over every profile`, `${initial.seconds.toFixed(1)} s`],
    ['  profiles/s', formatNumber(build.profiles / initial.seconds)],
    ...single.flatMap(({ label, phase, members }) => [
      [`One new segment ${label}`, `${phase.seconds.toFixed(1)} s`],
      [`  profiles/s (${formatNumber(members)} members)`, formatNumber(build.profiles / phase.seconds)],
    ]),
    ['  informative: engine following the history with nothing defined, events/s', formatNumber(build.events / follow.seconds)],
    ['  informative: building the history through the pipeline (synchronous=NORMAL), events/s', formatNumber(build.events / build.seconds)],
  ]);
  console.log('');
  printTable([
    ['Goal', 'measured', 'ratio to goal', 'verdict'],
    [`Event-to-membership p99 < ${GOAL_P99_MS} ms at half the maximum ingest rate`, ms(p99), formatRatio(GOAL_P99_MS / p99), verdict(p99 < GOAL_P99_MS)],
    [`Ingest with segments >= ${GOAL_INGEST_RATIO} of ingest without (events stored)`, formatRatio(ingestRates.ratio), formatRatio(ingestRates.ratio / GOAL_INGEST_RATIO), verdict(ingestRates.ratio >= GOAL_INGEST_RATIO)],
    [`... and with every event also evaluated by then`, formatRatio(ingestRates.on / ingestRates.off), formatRatio(ingestRates.on / ingestRates.off / GOAL_INGEST_RATIO), verdict(ingestRates.on / ingestRates.off >= GOAL_INGEST_RATIO)],
  ]);
  console.log(`(ratio to goal: above 1.00x is better than the goal. Against Dittofeed's ${DITTOFEED_CYCLE_MS / 60_000}-minute polling cycle, published, not measured: ` +
    `${formatNumber(DITTOFEED_CYCLE_MS / p99)}x sooner at p99, ${formatNumber(DITTOFEED_CYCLE_MS / p50)}x at p50.)`);
  const missing = latency.probesSent - latency.committed.length;
  if (missing > 0 || engineErrors > 0) {
    console.log(`CHECK FAILED: ${missing} probes never entered the probe segment; ${engineErrors} engine errors.`);
    process.exitCode = 1;
  } else {
    console.log(`Check: every probe entered the probe segment, caused by its own event; no engine errors. (processor: ${settings.processor})`);
  }
}

/** `npm run bench -- segments`: latency, ingest ratio and computation speed of real-time segments. */
export const segmentsBenchmark: Benchmark = {
  name: 'segments',
  description: 'real-time segments over demo-like customers: event-to-membership latency at half the ingest rate, ingest with/without segments, one new segment over every profile (flags: --profiles N --events N --latency-seconds N --mean-events N --data-dir DIR --processor thread|inline)',
  run: runSegmentsBenchmark,
};
