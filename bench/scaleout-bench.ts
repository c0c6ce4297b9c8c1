import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CentricProcess, freePort } from '../test/server-process.ts';
import { createTestDatabase } from '../src/stores/postgres/test-database.ts';
import { deleteStreams, NATS_URL } from '../test/scale-out/scratch-engines.ts';
import { formatNumber, formatRatio, numberFlag, parseFlags, printTable, sampleProcess, type Benchmark } from './bench-kit.ts';
import { customerJourneys, senderBatches, type JourneyEvent } from './generators/customer-journeys.ts';

/**
 * Scale-out throughput on this machine: the same customer journeys sent to the embedded server,
 * to 1 API node + 1 worker, and to 2 + 2, with PostgreSQL and NATS JetStream. Reports events
 * acknowledged per second, events stored per second end to end, and where the CPU went, so the
 * bottleneck is named by measurement rather than guessed.
 */

const ADMIN = 'bench-admin';
const BATCH = 100;

interface RunResult {
  label: string;
  acknowledgedPerSecond: number;
  storedPerSecond: number;
  /** CPU seconds per role while the run lasted. */
  cpu: Record<string, number>;
  seconds: number;
}

export const scaleoutBenchmark: Benchmark = {
  name: 'scaleout',
  description: 'embedded vs 1 API + 1 worker vs 2 + 2 on PostgreSQL and JetStream: events/s acknowledged and stored, CPU per role',
  async run(args) {
    const flags = parseFlags(args);
    const quick = flags.has('quick');
    const customers = numberFlag(flags, 'customers', quick ? 1000 : 6000);
    const eventsPerCustomer = 25;
    const senders = numberFlag(flags, 'senders', 16);
    const perSender = senderBatches(customerJourneys(customers, eventsPerCustomer), senders, BATCH);
    const events = customers * eventsPerCustomer;
    console.log(`${formatNumber(events)} events of ${formatNumber(customers)} customers, ${senders} senders, ${BATCH} events a batch; ${quick ? 'quick' : 'full'} run`);

    const results = [await embeddedRun(perSender, events), await scaledRun(perSender, events, 1, 1), await scaledRun(perSender, events, 2, 2)];
    const [embedded, one, two] = results as [RunResult, RunResult, RunResult];
    printTable([
      ['setup', 'acknowledged events/s', 'stored events/s (end to end)', 'seconds', 'CPU seconds by role'],
      ...results.map((result) => [
        result.label,
        formatNumber(result.acknowledgedPerSecond),
        formatNumber(result.storedPerSecond),
        result.seconds.toFixed(1),
        Object.entries(result.cpu).map(([role, seconds]) => `${role} ${seconds.toFixed(1)}`).join(', '),
      ]),
    ]);
    console.log('');
    printTable([
      ['ratio', 'value'],
      ['1+1 stored / embedded stored', formatRatio(one.storedPerSecond / embedded.storedPerSecond)],
      ['2+2 stored / 1+1 stored', formatRatio(two.storedPerSecond / one.storedPerSecond)],
      ['2+2 acknowledged / 1+1 acknowledged', formatRatio(two.acknowledgedPerSecond / one.acknowledgedPerSecond)],
      ['worker throughput into PostgreSQL (1 worker), events/s', formatNumber(one.storedPerSecond)],
    ]);
    const busiest = Object.entries(two.cpu).sort((a, b) => b[1] - a[1])[0];
    if (busiest) console.log(`\nIn the 2+2 run the most CPU went to: ${busiest[0]} (${busiest[1].toFixed(1)} s of ${(two.seconds * 2).toFixed(1)} s the 2 cores had).`);
  },
};

async function embeddedRun(perSender: JourneyEvent[][][], events: number): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'centric-scaleout-embedded-'));
  const server = new CentricProcess({ args: ['serve', '--data-dir', dataDir], port: await freePort(), env: { CENTRIC_ADMIN_TOKEN: ADMIN } });
  try {
    await server.start();
    const writeKey = await createSource(server.url);
    const started = Date.now();
    const cpuBefore = cpuByRole({ centric: [server.pid!] });
    await send([server], writeKey, perSender);
    const acknowledgedAt = Date.now();
    await waitFor(async () => (await ingestStatus(server.url)).pendingEvents === 0);
    const storedAt = Date.now();
    return {
      label: 'embedded (SQLite)',
      acknowledgedPerSecond: events / ((acknowledgedAt - started) / 1000),
      storedPerSecond: events / ((storedAt - started) / 1000),
      cpu: difference(cpuByRole({ centric: [server.pid!] }), cpuBefore),
      seconds: (storedAt - started) / 1000,
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function scaledRun(perSender: JourneyEvent[][][], events: number, apiCount: number, workerCount: number): Promise<RunResult> {
  const run = randomBytes(4).toString('hex');
  const stream = `CENTRIC_BENCH_${run}`;
  const database = await createTestDatabase();
  const databaseUrl = database.url;
  const node = async (role: 'api' | 'worker') =>
    new CentricProcess({
      args: [role, '--postgres-url', databaseUrl, '--nats-url', NATS_URL, '--stream', stream, '--subject-prefix', `bench.${run}`],
      port: await freePort(),
      env: { CENTRIC_ADMIN_TOKEN: ADMIN },
    });
  const apis = await Promise.all(Array.from({ length: apiCount }, () => node('api')));
  const workers = await Promise.all(Array.from({ length: workerCount }, () => node('worker')));
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await apis[0]!.start();
    await Promise.all([...apis.slice(1), ...workers].map((process) => process.start()));
    await client.connect();
    const writeKey = await createSource(apis[0]!.url);
    const pids = { api: apis.map((api) => api.pid!), worker: workers.map((worker) => worker.pid!) };
    const cpuBefore = cpuByRole(pids);
    const started = Date.now();
    await send(apis, writeKey, perSender);
    const acknowledgedAt = Date.now();
    await waitFor(async () => Number((await client.query('SELECT count(*) AS n FROM events')).rows[0].n) >= events);
    const storedAt = Date.now();
    return {
      label: `${apiCount} API + ${workerCount} worker${workerCount > 1 ? 's' : ''} (PostgreSQL, JetStream)`,
      acknowledgedPerSecond: events / ((acknowledgedAt - started) / 1000),
      storedPerSecond: events / ((storedAt - started) / 1000),
      cpu: difference(cpuByRole(pids), cpuBefore),
      seconds: (storedAt - started) / 1000,
    };
  } finally {
    await client.end().catch(() => undefined);
    await Promise.all([...apis, ...workers].map((process) => process.stop()));
    await database.drop();
    await deleteStreams(stream);
  }
}

/** Every sender sends its batches one after another, spreading them over the nodes. */
async function send(nodes: CentricProcess[], writeKey: string, perSender: JourneyEvent[][][]): Promise<void> {
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  await Promise.all(
    perSender.map(async (batches, sender) => {
      for (const [index, batch] of batches.entries()) {
        const body = JSON.stringify({ batch });
        for (let attempt = 0; ; attempt++) {
          const node = nodes[(sender + index + attempt) % nodes.length]!;
          const response = await fetch(`${node.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body }).catch(() => null);
          if (response?.ok) break;
          if (response && response.status < 500) throw new Error(`batch refused with ${response.status}: ${await response.text()}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }),
  );
}

async function createSource(url: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench web shop', channel: 'web', department: 'marketing' }),
  });
  if (response.status !== 201) throw new Error(`could not create a source: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { writeKey: string }).writeKey;
}

async function ingestStatus(url: string): Promise<{ pendingEvents: number }> {
  const response = await fetch(`${url}/api/v1/ingest/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return (await response.json()) as { pendingEvents: number };
}

async function waitFor(done: () => Promise<boolean>, timeoutMs = 900_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('the run did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** CPU seconds so far of each process of a role: the given processes, and every PostgreSQL and NATS server process. */
function cpuByRole(pids: Record<string, number[]>): Map<string, Map<number, number>> {
  const cpu = new Map<string, Map<number, number>>();
  const add = (role: string, pid: number) => {
    const seconds = sampleProcess(pid)?.cpuSeconds;
    if (seconds === undefined) return;
    if (!cpu.has(role)) cpu.set(role, new Map());
    cpu.get(role)!.set(pid, seconds);
  };
  for (const [role, list] of Object.entries(pids)) for (const pid of list) add(role, pid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let command: string;
    try {
      command = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (command === 'postgres') add('postgres', Number(entry));
    else if (command === 'nats-server') add('nats', Number(entry));
  }
  return cpu;
}

/** CPU seconds each role used between two samples; a process that exited in between is not counted. */
function difference(after: Map<string, Map<number, number>>, before: Map<string, Map<number, number>>): Record<string, number> {
  const used: Record<string, number> = {};
  for (const [role, processes] of after) {
    used[role] = 0;
    for (const [pid, seconds] of processes) used[role] += seconds - (before.get(role)?.get(pid) ?? 0);
  }
  return used;
}
