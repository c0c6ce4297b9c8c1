import { Agent, request } from 'node:http';
import { bodyForRound, buildBatchBodyPool, type BatchBodyPool } from './batch-bodies.ts';
import { percentile } from './bench-kit.ts';

/**
 * The load generator of the ingest benchmark, run as its own process (forked with an IPC channel)
 * so its CPU is not the server's. It posts pre-serialised batches over keep-alive connections,
 * one request in flight per connection, phase by phase, and reports each phase to its parent.
 */

/** Everything the client needs, passed as JSON in its first argument. */
export interface LoadClientConfig {
  url: string;
  writeKey: string;
  seed: number;
  poolBatches: number;
  eventsPerBatch: number;
  startTime: number;
  phases: LoadPhase[];
  /** When set, a phase named "main" is added after the others, at the best level of the phases marked `sweep`. */
  main?: { seconds: number; concurrency?: number };
}

/** A stretch of constant load: this many connections for this long. */
export interface LoadPhase {
  name: string;
  concurrency: number;
  seconds: number;
  /** A sweep phase competes to choose the main phase's concurrency. */
  sweep?: boolean;
}

/** What the client saw in one phase. */
export interface PhaseResult {
  name: string;
  concurrency: number;
  seconds: number;
  /** Events in 200 answers received before the phase's deadline, per second of the phase. */
  eventsPerSecond: number;
  requestsOk: number;
  /** Events in every 200 answer of the phase, the ones received while draining included. */
  eventsAcknowledged: number;
  duplicates: number;
  errors: Record<string, number>;
  latencyMs: { p50: number; p99: number; max: number };
  clientCpuPercent: number;
}

/** Messages from the client to its parent over IPC, in this order: ready, (phase-start, phase-end)*, done. */
export type ClientMessage =
  | { kind: 'ready'; checksum: string }
  | { kind: 'phase-start'; name: string; concurrency: number }
  | { kind: 'phase-end'; result: PhaseResult }
  | { kind: 'done'; phases: PhaseResult[] }
  | { kind: 'failed'; message: string };

interface Answer {
  status: number;
  text: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

export async function runLoadClient(config: LoadClientConfig, report: (message: ClientMessage) => void): Promise<void> {
  const pool = buildBatchBodyPool({ seed: config.seed, batches: config.poolBatches, eventsPerBatch: config.eventsPerBatch, startTime: config.startTime });
  report({ kind: 'ready', checksum: pool.checksum });
  const target = new URL('/v1/batch', config.url);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const authorization = `Basic ${Buffer.from(`${config.writeKey}:`).toString('base64')}`;
  let sent = 0;

  const post = (body: Buffer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          agent, hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST', timeout: REQUEST_TIMEOUT_MS,
          headers: { 'content-type': 'application/json', 'content-length': body.length, authorization },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });

  const runPhase = async (phase: LoadPhase): Promise<PhaseResult> => {
    report({ kind: 'phase-start', name: phase.name, concurrency: phase.concurrency });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const deadline = started + phase.seconds * 1000;
    const latencies: number[] = [];
    const errors: Record<string, number> = {};
    let inTime = 0;
    let acknowledged = 0;
    let duplicates = 0;
    let requestsOk = 0;
    const worker = async () => {
      while (performance.now() < deadline) {
        const body = nextBody(pool, sent++);
        const sentAt = performance.now();
        let answer: Answer;
        try {
          answer = await post(body);
        } catch (error) {
          const kind = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
          errors[kind] = (errors[kind] ?? 0) + 1;
          continue;
        }
        const doneAt = performance.now();
        latencies.push(doneAt - sentAt);
        if (answer.status !== 200) {
          const key = `HTTP ${answer.status}`;
          errors[key] = (errors[key] ?? 0) + 1;
          continue;
        }
        const ack = JSON.parse(answer.text) as { accepted: number; duplicates?: number };
        requestsOk += 1;
        acknowledged += ack.accepted;
        duplicates += ack.duplicates ?? 0;
        if (doneAt <= deadline) inTime += ack.accepted;
      }
    };
    await Promise.all(Array.from({ length: phase.concurrency }, worker));
    const cpu = process.cpuUsage(cpuBefore);
    latencies.sort((a, b) => a - b);
    const result: PhaseResult = {
      name: phase.name,
      concurrency: phase.concurrency,
      seconds: phase.seconds,
      eventsPerSecond: inTime / phase.seconds,
      requestsOk,
      eventsAcknowledged: acknowledged,
      duplicates,
      errors,
      latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] ?? 0 },
      clientCpuPercent: ((cpu.user + cpu.system) / 1000 / (performance.now() - started)) * 100,
    };
    report({ kind: 'phase-end', result });
    return result;
  };

  const results: PhaseResult[] = [];
  for (const phase of config.phases) results.push(await runPhase(phase));
  if (config.main) {
    const sweep = results.filter((_, index) => config.phases[index]!.sweep);
    const best = sweep.reduce<PhaseResult | null>((a, b) => (a === null || b.eventsPerSecond > a.eventsPerSecond ? b : a), null);
    const concurrency = config.main.concurrency ?? best?.concurrency ?? 16;
    results.push(await runPhase({ name: 'main', concurrency, seconds: config.main.seconds }));
  }
  agent.destroy();
  report({ kind: 'done', phases: results });
}

/** Request n: the pool's bodies in turn, with fresh ids each time round. */
function nextBody(pool: BatchBodyPool, n: number): Buffer {
  return bodyForRound(pool.bodies[n % pool.bodies.length]!, Math.floor(n / pool.bodies.length));
}

// Run as a forked child: the configuration is the first argument, messages go back over IPC.
if (process.send && process.argv[2]) {
  const send = (message: ClientMessage) => process.send!(message);
  runLoadClient(JSON.parse(process.argv[2]) as LoadClientConfig, send)
    .then(() => process.disconnect())
    .catch((error: unknown) => {
      send({ kind: 'failed', message: error instanceof Error ? error.stack ?? error.message : String(error) });
      process.disconnect();
      process.exitCode = 1;
    });
}
