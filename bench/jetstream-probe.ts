import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { StoredEvent } from '../src/core/event-schema.ts';
import type { SourceContext } from '../src/ingest/event-draft.ts';
import { createEventPipeline } from '../src/ingest/event-pipeline.ts';
import type { AppendRequest } from '../src/stores/ports.ts';
import { JetStreamBusConsumer } from '../src/bus/jetstream/jetstream-bus-consumer.ts';
import { JetStreamBusWriter } from '../src/bus/jetstream/jetstream-bus-writer.ts';
import { fnv1a, splitByPartition } from '../src/bus/jetstream/partition-request.ts';
import { encodeChunks } from '../src/bus/jetstream/slice-codec.ts';
import { buildBatchBodyPool } from './batch-bodies.ts';
import { formatNumber, formatRatio, numberFlag, parseFlags, printTable } from './bench-kit.ts';

/**
 * The JetStream bus probe (not part of `npm run bench`: it needs a NATS server):
 *   node bench/jetstream-probe.ts [--seconds 10] [--window 16] [--partitions 16] [--url nats://127.0.0.1:4222]
 * Publishes 100-event requests through `append` with `window` requests in flight for `seconds`, then
 * lets one consumer with a no-op handler take everything back. Prints requests/s and events/s for both,
 * next to what splitting and encoding alone manage on this machine in the same run (the CPU floor).
 * Uses a stream of its own, deleted at the end.
 */

const SOURCE: SourceContext = { id: 'src_bus_probe', workspaceId: 'default', name: 'bus probe', channel: 'web' };

/** Requests as the tracking API would append them: generated batches run through the event pipeline. */
function buildRequests(count: number, eventsPerRequest: number): AppendRequest[] {
  const pool = buildBatchBodyPool({ seed: 42, batches: count, eventsPerBatch: eventsPerRequest, startTime: Date.parse('2026-01-01T00:00:00Z') });
  const pipeline = createEventPipeline({ maxEventBytes: 32_768 });
  return pool.bodies.map(({ bytes }) => {
    const body = JSON.parse(bytes.toString('utf8')) as { batch: Array<Record<string, unknown>> };
    const events: StoredEvent[] = [];
    for (const raw of body.batch) {
      const result = pipeline.run({ raw, source: SOURCE, receivedAt: Date.now(), warnings: [] });
      if (result.kind === 'ok') events.push(result.value);
    }
    return { events, failed: [] };
  });
}

async function main(args: string[]): Promise<void> {
  const flags = parseFlags(args);
  const seconds = numberFlag(flags, 'seconds', 10);
  const window = numberFlag(flags, 'window', 16);
  const partitions = numberFlag(flags, 'partitions', 16);
  const url = typeof flags.get('url') === 'string' ? (flags.get('url') as string) : process.env.CENTRIC_NATS_URL ?? 'nats://127.0.0.1:4222';
  const id = randomBytes(4).toString('hex');
  const bus = { url, stream: `PROBE_${id}`, subjectPrefix: `probe_${id}`, partitions };

  const requests = buildRequests(200, 100);
  const eventsPerRequest = requests.reduce((sum, request) => sum + request.events.length, 0) / requests.length;
  let messages = 0;
  let bytes = 0;
  for (const request of requests) {
    for (const slice of splitByPartition(request, partitions, 0).values()) {
      for (const chunk of encodeChunks(slice, 1 << 20)) {
        messages += 1;
        bytes += chunk.length;
      }
    }
  }
  console.log(`${requests.length} requests of ${formatNumber(eventsPerRequest, 1)} events; ${formatNumber(messages / requests.length, 1)} messages a request `
    + `over ${partitions} partitions, ${formatNumber(bytes / messages)} bytes a message (${formatNumber(bytes / (eventsPerRequest * requests.length))} an event)`);

  // The floor: splitting and encoding alone, on one core.
  let floorRequests = 0;
  const floorStart = performance.now();
  while (performance.now() - floorStart < 2000) {
    const request = requests[floorRequests++ % requests.length]!;
    for (const slice of splitByPartition(request, partitions, fnv1a(String(floorRequests)) % partitions).values()) encodeChunks(slice, 1 << 20);
  }
  const floorRate = floorRequests / ((performance.now() - floorStart) / 1000);

  const writer = await JetStreamBusWriter.open(bus);
  let appended = 0;
  const appendStart = performance.now();
  const deadline = appendStart + seconds * 1000;
  await Promise.all(Array.from({ length: window }, async () => {
    while (performance.now() < deadline) {
      const request = requests[appended++ % requests.length]!;
      await writer.append(request);
    }
  }));
  const appendSeconds = (performance.now() - appendStart) / 1000;
  const appendRate = appended / appendSeconds;

  const consumer = await JetStreamBusConsumer.open({ ...bus, pullExpiresMs: 1000, onError: (error) => console.error(error) });
  let consumedRequests = 0;
  let consumedEvents = 0;
  const consumeStart = performance.now();
  let finished = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));
  const expectedEvents = appended * eventsPerRequest;
  await consumer.start(async (request) => {
    consumedRequests += 1;
    consumedEvents += request.events.length;
    if (consumedEvents >= expectedEvents) finished();
  });
  await done;
  const consumeSeconds = (performance.now() - consumeStart) / 1000;
  await consumer.close();
  await writer.close();

  printTable([
    ['step', 'requests/s', 'messages/s', 'events/s', 'vs split+encode'],
    ['split + encode only', formatNumber(floorRate), formatNumber((floorRate * messages) / requests.length), formatNumber(floorRate * eventsPerRequest), '1.00x'],
    [`append (${window} in flight)`, formatNumber(appendRate), formatNumber((appendRate * messages) / requests.length), formatNumber(appendRate * eventsPerRequest), formatRatio(appendRate / floorRate)],
    ['consume (1 consumer, no-op)', formatNumber(consumedRequests / consumeSeconds / (messages / requests.length)), formatNumber(consumedRequests / consumeSeconds),
      formatNumber(consumedEvents / consumeSeconds), formatRatio(consumedEvents / consumeSeconds / (floorRate * eventsPerRequest))],
  ]);
  console.log(`appended ${formatNumber(appended)} requests in ${appendSeconds.toFixed(1)} s; consumed ${formatNumber(consumedRequests)} messages in ${consumeSeconds.toFixed(1)} s`);

  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(bus.stream);
  await jsm.streams.delete(`${bus.stream}_DEAD`);
  await nc.close();
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`jetstream probe: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exitCode = 1;
});
