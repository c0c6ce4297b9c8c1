import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { buildBatchBodyPool, type BatchBodyPool } from './batch-bodies.ts';
import {
  formatNumber, formatRatio, numberFlag, parseFlags, printTable, Resources, samplePressure, sampleProcess, waitForExit, type Benchmark,
  type PressureSample, type ProcessSample,
} from './bench-kit.ts';
import { summariseCpuProfile } from './cpu-profile.ts';
import { probeIngest, probeParseOnly, probePipelineOnly, type ProbeResult } from './ingest-probe.ts';
import type { ClientMessage, LoadClientConfig, LoadPhase, PhaseResult } from './load-client.ts';
import type { StoreTimings } from './server-instrument.ts';

/**
 * Tracking API throughput: events per second the embedded server acknowledges durably over HTTP,
 * measured from a separate load-generator process, against the limit of the same work done
 * in-process (the probe). Both figures come from one run on one machine, so their ratio is
 * steadier than either figure when other work shares the machine; every row says how long its
 * measuring thread waited for a CPU, so a skewed run can be told apart.
 */

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

const GOAL_EVENTS_PER_SECOND = 50_000;
const GOAL_RATIO_TO_PROBE = 0.5;
// Published by the vendors; not measured here.
const RUDDERSTACK_EVENTS_PER_SECOND = 1_700;
const SEGMENT_WORKSPACE_CAP = 20_000;

const SEED = 20_260_302;
const EVENTS_PER_BATCH = 100;
const POOL_BATCHES = 200;

interface Settings {
  warmupSeconds: number;
  sweepSeconds: number;
  levels: number[];
  mainSeconds: number;
  fixedConcurrency?: number;
  probeSeconds: number;
  probeWarmupSeconds: number;
  normalSeconds: number;
  breakdownSeconds: number;
  profile: boolean;
}

function readSettings(args: string[]): Settings {
  const flags = parseFlags(args);
  const known = new Set(['quick', 'seconds', 'concurrency', 'levels', 'profile']);
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`ingest: unknown flag --${name}; known: ${[...known].map((k) => `--${k}`).join(', ')}`);
  const quick = flags.has('quick');
  const levels = typeof flags.get('levels') === 'string' ? (flags.get('levels') as string).split(',').map(Number) : [8, 16, 32];
  if (levels.some((level) => !Number.isInteger(level) || level < 1)) throw new Error('--levels needs whole numbers such as 8,16,32');
  const concurrency = flags.has('concurrency') ? numberFlag(flags, 'concurrency', 16) : quick ? 16 : undefined;
  return {
    warmupSeconds: quick ? 1 : 3,
    sweepSeconds: 2.5,
    levels,
    mainSeconds: numberFlag(flags, 'seconds', quick ? 4 : 15),
    fixedConcurrency: concurrency,
    probeSeconds: quick ? 2 : 6,
    probeWarmupSeconds: quick ? 0.5 : 1,
    normalSeconds: quick ? 1 : 3,
    breakdownSeconds: quick ? 0.5 : 1.5,
    profile: flags.has('profile'),
  };
}

interface PhaseStats extends PhaseResult {
  wallSeconds: number;
  serverCpuPercent: number | null;
  /** Share of the phase the server's main thread was ready but waited for a CPU. */
  serverRunQueuePercent: number | null;
  /** Machine-wide: share of the phase some task waited for a CPU, and for I/O. */
  machineCpuPressurePercent: number | null;
  machineIoPressurePercent: number | null;
  /** From the instrumented server: where its event loop's time went. */
  loop?: LoopShares;
}

interface LoopShares {
  idlePercent: number;
  insertPercent: number;
  commitPercent: number;
  otherPercent: number;
  commitsPerSecond: number;
  meanCommitMs: number;
  eventsPerCommit: number;
}

interface HttpRun {
  phases: PhaseStats[];
  stored: number;
  /** Accepted events still waiting for the processor when the load ended, and how long they took. */
  backlogAtEnd: number;
  drainSeconds: number;
  loadSeconds: number;
  meanEventBytes: number;
  profile: string | null;
}

async function runIngestBenchmark(args: string[]): Promise<void> {
  const settings = readSettings(args);
  const resources = new Resources();
  try {
    const startTime = Date.now();
    const pool = buildBatchBodyPool({ seed: SEED, batches: POOL_BATCHES, eventsPerBatch: EVENTS_PER_BATCH, startTime });
    const http = await runHttp(settings, resources, pool, startTime);
    const main = http.phases.find((phase) => phase.name === 'main')!;
    const probeDir = resources.tempDir('centric-bench-probe-');
    const window = main.concurrency;
    console.log(`Limit probe: the same bodies in-process, ${window} batches in flight ...`);
    const parseOnly = await probeParseOnly(pool, settings.breakdownSeconds);
    const pipelineOnly = await probePipelineOnly(pool, probeDir, settings.breakdownSeconds);
    const full = await probeIngest(pool, probeDir, { window, seconds: settings.probeSeconds, warmupSeconds: settings.probeWarmupSeconds, synchronous: 'FULL' });
    const normal = await probeIngest(pool, probeDir, { window, seconds: settings.normalSeconds, warmupSeconds: settings.probeWarmupSeconds, synchronous: 'NORMAL' });
    const noIdentity = await probeIngest(pool, probeDir, {
      window, seconds: settings.probeSeconds, warmupSeconds: settings.probeWarmupSeconds, synchronous: 'FULL', resolveIdentities: false,
    });
    report(settings, http, { parseOnly, pipelineOnly, full, normal, noIdentity, window });
  } finally {
    resources.release();
  }
}

/** Starts the server, creates a source, drives it from the load client, stops it and counts the rows. */
async function runHttp(settings: Settings, resources: Resources, pool: BatchBodyPool, startTime: number): Promise<HttpRun> {
  const dataDir = resources.tempDir('centric-bench-http-');
  const profileDir = join(dataDir, 'cpu-profile');
  const adminToken = randomBytes(18).toString('base64url');
  const nodeFlags = ['--import', new URL('./server-instrument.ts', import.meta.url).href, ...(settings.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])];
  const server = resources.track(
    spawn(
      process.execPath,
      [...nodeFlags, 'src/cli/main.ts', 'serve', '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', '--synchronous', 'FULL'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, CENTRIC_ADMIN_TOKEN: adminToken, CENTRIC_LOG_LEVEL: 'warn' },
        // The IPC channel is only for server-instrument.ts's timing snapshots.
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    ),
  );
  const url = await serverUrl(server);
  const source = await createSource(url, adminToken);

  const phases: LoadPhase[] = [{ name: 'warm-up', concurrency: settings.fixedConcurrency ?? 16, seconds: settings.warmupSeconds }];
  if (settings.fixedConcurrency === undefined) {
    for (const level of settings.levels) phases.push({ name: `sweep c=${level}`, concurrency: level, seconds: settings.sweepSeconds, sweep: true });
  }
  const config: LoadClientConfig = {
    url, writeKey: source.writeKey, seed: SEED, poolBatches: POOL_BATCHES, eventsPerBatch: EVENTS_PER_BATCH, startTime, phases,
    main: { seconds: settings.mainSeconds, concurrency: settings.fixedConcurrency },
  };
  const planned = phases.reduce((sum, phase) => sum + phase.seconds, settings.mainSeconds);
  console.log(`Server on ${url} (pid ${server.pid}); load client: ${phases.map((p) => p.name).join(', ')}, main ${settings.mainSeconds} s (about ${Math.round(planned)} s) ...`);
  const loadStarted = performance.now();
  const results = await driveLoad(config, pool.checksum, server, resources);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  // Acknowledged means durable in the accepted log; the processor stores the events behind it.
  const status = async () =>
    (await (await fetch(`${url}/api/v1/ingest/status`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { pendingEvents: number };
  const backlogAtEnd = (await status()).pendingEvents;
  const drainStarted = performance.now();
  while ((await status()).pendingEvents > 0) await new Promise((resolve) => setTimeout(resolve, 200));
  const drainSeconds = (performance.now() - drainStarted) / 1000;

  server.kill('SIGTERM');
  await waitForExit(server, 15_000);
  const db = new DatabaseSync(join(dataDir, 'state.sqlite'), { readOnly: true });
  const { count } = db.prepare('SELECT count(*) AS count FROM events').get() as { count: number };
  db.close();
  let profile: string | null = null;
  if (settings.profile) {
    const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
    profile = file ? summariseCpuProfile(join(profileDir, file)) : 'no CPU profile was written';
  }
  return { phases: results, stored: count, meanEventBytes: pool.meanEventBytes, profile, backlogAtEnd, drainSeconds, loadSeconds };
}

function serverUrl(server: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /serving on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${code} before serving:\n${output}`));
    });
  });
}

async function createSource(url: string, adminToken: string): Promise<{ id: string; writeKey: string }> {
  const response = await fetch(`${url}/api/v1/sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench web shop', channel: 'web', touchpoint: 'webshop', department: 'marketing' }),
  });
  if (response.status !== 200 && response.status !== 201) throw new Error(`creating the source answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { id: string; writeKey: string };
}

/** Forks the load client and samples the server's CPU at the edges of each phase. */
function driveLoad(config: LoadClientConfig, checksum: string, server: ChildProcess, resources: Resources): Promise<PhaseStats[]> {
  const client = resources.track(fork(join(BENCH_DIR, 'load-client.ts'), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  return new Promise((resolve, reject) => {
    const phases: PhaseStats[] = [];
    const snapshots = new Map<string, StoreTimings>();
    server.on('message', (snapshot: StoreTimings) => snapshots.set(snapshot.tag, snapshot));
    let atStart: ProcessSample | null = null;
    let pressureAtStart: PressureSample | null = null;
    let wallAtStart = 0;
    let finished = false;
    client.on('message', (message: ClientMessage) => {
      switch (message.kind) {
        case 'ready':
          if (message.checksum !== checksum) {
            finished = true;
            reject(new Error(`the load client built different bodies (checksum ${message.checksum}, expected ${checksum})`));
          }
          break;
        case 'phase-start':
          atStart = sampleProcess(server.pid!);
          pressureAtStart = samplePressure();
          wallAtStart = performance.now();
          server.send({ kind: 'snapshot', tag: `${message.name}:start` });
          break;
        case 'phase-end': {
          const atEnd = sampleProcess(server.pid!);
          const pressureAtEnd = samplePressure();
          server.send({ kind: 'snapshot', tag: `${message.result.name}:end` });
          const wallSeconds = (performance.now() - wallAtStart) / 1000;
          const share = (pick: (sample: ProcessSample) => number) =>
            atEnd === null || atStart === null ? null : ((pick(atEnd) - pick(atStart)) / wallSeconds) * 100;
          const pressure = (pick: (sample: PressureSample) => number) =>
            pressureAtEnd === null || pressureAtStart === null ? null : ((pick(pressureAtEnd) - pick(pressureAtStart)) / 1e6 / wallSeconds) * 100;
          phases.push({
            ...message.result, wallSeconds, serverCpuPercent: share((x) => x.cpuSeconds), serverRunQueuePercent: share((x) => x.mainThreadRunQueueSeconds),
            machineCpuPressurePercent: pressure((x) => x.cpuStallMicros), machineIoPressurePercent: pressure((x) => x.ioStallMicros),
          });
          const r = message.result;
          console.log(`  ${r.name.padEnd(12)} c=${String(r.concurrency).padStart(2)}  ${formatNumber(r.eventsPerSecond).padStart(7)} events/s  p50 ${r.latencyMs.p50.toFixed(1)} ms  p99 ${r.latencyMs.p99.toFixed(1)} ms  errors ${errorCount(r)}`);
          break;
        }
        case 'done':
          finished = true;
          // The last snapshot is on its way back; give it a moment.
          setTimeout(() => {
            addLoopShares(phases, snapshots);
            resolve(phases);
          }, 200);
          break;
        case 'failed':
          finished = true;
          reject(new Error(`the load client failed: ${message.message}`));
          break;
      }
    });
    client.once('exit', (code) => {
      if (!finished) reject(new Error(`the load client exited with code ${code} before reporting`));
    });
    server.once('exit', (code) => {
      if (!finished) reject(new Error(`the server exited with code ${code} during the load`));
    });
  });
}

/** Turns the server's timing snapshots at each phase's start and end into shares of the phase. */
function addLoopShares(phases: PhaseStats[], snapshots: Map<string, StoreTimings>): void {
  for (const phase of phases) {
    const start = snapshots.get(`${phase.name}:start`);
    const end = snapshots.get(`${phase.name}:end`);
    if (!start || !end) continue;
    const wall = end.at - start.at;
    const commits = end.transactions - start.transactions;
    const commitMs = end.commitMs - start.commitMs;
    const insertMs = end.transactionMs - start.transactionMs - commitMs;
    const idleMs = end.idleMs - start.idleMs;
    phase.loop = {
      idlePercent: (idleMs / wall) * 100,
      insertPercent: (insertMs / wall) * 100,
      commitPercent: (commitMs / wall) * 100,
      otherPercent: ((wall - idleMs - insertMs - commitMs) / wall) * 100,
      commitsPerSecond: commits / (wall / 1000),
      meanCommitMs: commits === 0 ? 0 : commitMs / commits,
      eventsPerCommit: commits === 0 ? 0 : phase.eventsAcknowledged / commits,
    };
  }
}

function errorCount(result: PhaseResult): number {
  return Object.values(result.errors).reduce((sum, count) => sum + count, 0);
}

interface ProbeResults {
  parseOnly: ProbeResult;
  pipelineOnly: ProbeResult;
  full: ProbeResult;
  normal: ProbeResult;
  noIdentity: ProbeResult;
  window: number;
}

function report(settings: Settings, http: HttpRun, probe: ProbeResults): void {
  const main = http.phases.find((phase) => phase.name === 'main')!;
  const acknowledged = http.phases.reduce((sum, phase) => sum + phase.eventsAcknowledged, 0);
  const duplicates = http.phases.reduce((sum, phase) => sum + phase.duplicates, 0);
  const errors = http.phases.reduce((sum, phase) => sum + errorCount(phase), 0);
  const ratio = main.eventsPerSecond / probe.full.eventsPerSecond;
  const chosen = settings.fixedConcurrency === undefined ? `best of ${settings.levels.join('/')}` : 'fixed';
  const percent = (value: number | null) => (value === null ? 'n/a' : `${formatNumber(value)}%`);

  console.log('');
  console.log(`Ingest benchmark: ${EVENTS_PER_BATCH}-event batches, mean event ${formatNumber(http.meanEventBytes)} bytes as JSON, synchronous=FULL, ` +
    `${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.versions.node}`);
  console.log('');
  printTable([
    ['HTTP phase', 'connections', 'events/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'server CPU', 'client CPU', 'machine CPU/IO stall'],
    ...http.phases.map((phase) => [
      phase.name, String(phase.concurrency), formatNumber(phase.eventsPerSecond), phase.latencyMs.p50.toFixed(1), phase.latencyMs.p99.toFixed(1),
      phase.latencyMs.max.toFixed(1), String(errorCount(phase)), percent(phase.serverCpuPercent), percent(phase.clientCpuPercent),
      `${percent(phase.machineCpuPressurePercent)} / ${percent(phase.machineIoPressurePercent)}`,
    ]),
  ]);
  console.log('(CPU as % of one core, all threads of the process. Machine stall: share of the time some task on the machine waited');
  console.log(' for a CPU / for I/O (Linux pressure stall info); the client and server add to it, other work on the machine more.)');
  if (http.phases.every((phase) => phase.loop)) {
    console.log('');
    console.log('Server main thread (event loop), % of each phase\'s wall time:');
    printTable([
      ['HTTP phase', 'idle', 'in transaction', 'COMMIT+fsync', 'other work', 'run-queue wait', 'commits/s', 'ms/commit', 'events/commit'],
      ...http.phases.map((phase) => {
        const loop = phase.loop!;
        return [
          phase.name, percent(loop.idlePercent), percent(loop.insertPercent), percent(loop.commitPercent), percent(loop.otherPercent),
          percent(phase.serverRunQueuePercent), formatNumber(loop.commitsPerSecond), loop.meanCommitMs.toFixed(1), formatNumber(loop.eventsPerCommit),
        ];
      }),
    ]);
    console.log('(idle: waiting for requests; in transaction: dedup, identity resolution and inserts, before COMMIT; both run synchronously');
    console.log(' on the event loop; COMMIT includes the WAL write, fsync and any checkpoint; other work: HTTP, JSON, pipeline steps, GC;');
    console.log(' run-queue wait: ready to run but every CPU busy, with other processes on the machine included; it overlaps the other columns.)');
  }
  console.log('');
  const wait = (value: number | null | undefined) => (value === null || value === undefined ? '' : percent(value));
  printTable([
    ['Measured in this run', 'value', 'CPU wait'],
    [`HTTP events/s durably acknowledged (${main.concurrency} connections, ${chosen}, ${main.seconds} s)`, formatNumber(main.eventsPerSecond), wait(main.serverRunQueuePercent)],
    ['HTTP ack latency per 100-event batch, p50', `${main.latencyMs.p50.toFixed(1)} ms`, ''],
    ['HTTP ack latency per 100-event batch, p99', `${main.latencyMs.p99.toFixed(1)} ms`, ''],
    ['HTTP errors (all phases)', String(errors), ''],
    [`Limit probe events/s (in-process ingest + SQLite FULL, ${probe.window} batches in flight)`, formatNumber(probe.full.eventsPerSecond), wait(probe.full.runQueuePercent)],
    ['Ratio HTTP / probe', formatRatio(ratio), ''],
    ['  informative: probe with synchronous=NORMAL (no fsync wait)', formatNumber(probe.normal.eventsPerSecond), wait(probe.normal.runQueuePercent)],
    ['  informative: probe (FULL) without identity resolution', formatNumber(probe.noIdentity.eventsPerSecond), wait(probe.noIdentity.runQueuePercent)],
    ['  informative: parse + pipeline steps only, nothing stored', formatNumber(probe.pipelineOnly.eventsPerSecond), wait(probe.pipelineOnly.runQueuePercent)],
    ['  informative: JSON.parse only', formatNumber(probe.parseOnly.eventsPerSecond), wait(probe.parseOnly.runQueuePercent)],
    ['  server CPU in the main phase (% of one core)', percent(main.serverCpuPercent), ''],
    ['  server CPU per 100,000 events (main phase)', main.serverCpuPercent === null ? 'n/a' : `${formatNumber((main.serverCpuPercent / 100 / main.eventsPerSecond) * 100_000, 2)} s`, ''],
  ]);
  console.log('(CPU wait: share of the time the measuring thread was ready to run but every CPU was busy; above ~10% the machine was');
  console.log(' shared with other work and the figures on that row are low. The probe starts on an empty database, the main HTTP phase');
  console.log(' on one already holding the earlier phases\' events; dedup-index inserts get dearer as the tables grow.)');
  console.log('');
  // Each step adds its work to the one before, so the differences of 1/throughput are its cost per event.
  const micros = (eventsPerSecond: number) => 1e6 / eventsPerSecond;
  const steps: Array<[string, number]> = [
    ['JSON.parse of the batch', micros(probe.parseOnly.eventsPerSecond)],
    ['pipeline steps (size, validate, timestamps, touchpoint, messageId, envelope)', micros(probe.pipelineOnly.eventsPerSecond) - micros(probe.parseOnly.eventsPerSecond)],
    ['store without identity: dedup claim, insert, COMMIT with fsync', micros(probe.noIdentity.eventsPerSecond) - micros(probe.pipelineOnly.eventsPerSecond)],
    ['identity resolution and profile update in the commit', micros(probe.full.eventsPerSecond) - micros(probe.noIdentity.eventsPerSecond)],
  ];
  const rest = micros(main.eventsPerSecond) - micros(probe.full.eventsPerSecond);
  if (main.loop) {
    // The server's own loop shares say how much of the rest is HTTP work and how much a dearer store.
    const http = Math.max(0, (main.loop.otherPercent / 100) * micros(main.eventsPerSecond) - micros(probe.pipelineOnly.eventsPerSecond));
    steps.push(['HTTP server: Fastify, auth, body, response (from "other work" above)', http]);
    steps.push(['the rest: store dearer in the main phase (its tables are larger)', rest - http]);
  } else {
    steps.push(['HTTP server on top of the probe, and the main phase\'s larger tables', rest]);
  }
  printTable([
    ['Where an event\'s time goes (differences between the rows above)', 'µs/event', 'share'],
    ...steps.map(([name, value]) => [name, value.toFixed(1), percent((value / micros(main.eventsPerSecond)) * 100)]),
    ['total per event over HTTP (1 / HTTP events/s)', micros(main.eventsPerSecond).toFixed(1), '100%'],
  ]);
  console.log(`(at the goal of ${formatNumber(GOAL_EVENTS_PER_SECOND)} events/s an event may take ${micros(GOAL_EVENTS_PER_SECOND).toFixed(0)} µs of a single thread; negative or`);
  console.log(' small differences are within the noise. The store rows include waiting for the disk, which blocks the thread.)');
  console.log('');
  const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  printTable([
    ['Goal', 'measured', 'ratio to goal', 'verdict'],
    [`>= ${formatNumber(GOAL_EVENTS_PER_SECOND)} events/s durably acknowledged over HTTP`, formatNumber(main.eventsPerSecond), formatRatio(main.eventsPerSecond / GOAL_EVENTS_PER_SECOND), verdict(main.eventsPerSecond >= GOAL_EVENTS_PER_SECOND)],
    [`HTTP >= ${GOAL_RATIO_TO_PROBE} of the limit probe`, formatRatio(ratio), formatRatio(ratio / GOAL_RATIO_TO_PROBE), verdict(ratio >= GOAL_RATIO_TO_PROBE)],
  ]);
  console.log('');
  printTable([
    ['Published figures (not measured here)', 'figure', 'HTTP measured / figure'],
    ['RudderStack, events/s on a 2-core node', formatNumber(RUDDERSTACK_EVENTS_PER_SECOND), formatRatio(main.eventsPerSecond / RUDDERSTACK_EVENTS_PER_SECOND)],
    ['Segment, events/s cap per workspace', formatNumber(SEGMENT_WORKSPACE_CAP), formatRatio(main.eventsPerSecond / SEGMENT_WORKSPACE_CAP)],
  ]);
  console.log('');
  console.log(`Processing behind the acknowledgements (dedup, identity resolution, events and profiles): backlog at the end of the load ` +
    `${formatNumber(http.backlogAtEnd)} events, drained in ${http.drainSeconds.toFixed(1)} s; ` +
    `${formatNumber(http.stored / (http.loadSeconds + http.drainSeconds))} events/s from the first request to the last event stored.`);
  const httpOk = http.stored === acknowledged && duplicates === 0;
  console.log(`Stored check (HTTP): ${formatNumber(http.stored)} rows in events; ${formatNumber(acknowledged)} events acknowledged in all phases` +
    `, ${duplicates} duplicates: ${httpOk ? 'equal' : 'NOT EQUAL'}` +
    (errors > 0 && http.stored > acknowledged ? ' (requests that failed on the client may still have been stored)' : ''));
  const probeRuns = [['FULL', probe.full], ['NORMAL', probe.normal], ['no identity', probe.noIdentity]] as const;
  const probeOk = probeRuns.every(([, run]) => run.stored === run.acknowledged);
  console.log(`Stored check (probe): ${probeRuns.map(([name, run]) => `${name} ${formatNumber(run.stored ?? 0)} rows / ${formatNumber(run.acknowledged ?? 0)} acknowledged`).join(', ')}: ` +
    (probeOk ? 'equal' : 'NOT EQUAL'));
  if (http.profile) {
    console.log('');
    console.log('Server CPU profile (whole server run, profiler on: figures above are lower than without it):');
    console.log(http.profile);
  }
  if (!httpOk || !probeOk) process.exitCode = 1;
}

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  description: 'events/s the server acknowledges durably over POST /v1/batch, against the in-process limit (flags: --quick, --seconds N, --concurrency N, --levels 8,16,32, --profile)',
  run: runIngestBenchmark,
};
