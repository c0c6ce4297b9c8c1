import Fastify, { type FastifyInstance } from 'fastify';
import { JetStreamBusConsumer } from '../bus/jetstream/jetstream-bus-consumer.ts';
import type { StateStore } from '../stores/ports.ts';
import { busOptions, leadAnalyticsSink, leadSegmentEngine, OpenedEngines, openPostgresAnalytics, openPostgresState } from './scale-out-engines.ts';
import type { ScaleOutConfig } from './scale-out-config.ts';

/** A running `centric worker`: its status endpoint and how to stop it. */
export interface RunningWorker {
  url: string;
  /** Requests and events this worker stored since it started. */
  progress(): { requests: number; events: number; skipped: number };
  close(): Promise<void>;
}

/**
 * `centric worker`: takes accepted requests from JetStream, a partition at a time in order, and
 * runs them through identity and storage into PostgreSQL. A request is acknowledged on the bus
 * only after its commit; the commit records the partition position, so a redelivery is skipped.
 */
export async function startWorkerNode(config: ScaleOutConfig): Promise<RunningWorker> {
  const opened = new OpenedEngines();
  const { store, consumer, analytics } = await opened.during(async () => {
    const store = opened.add(await openPostgresState(config));
    const consumer = opened.add(await JetStreamBusConsumer.open({
      ...busOptions(config),
      connectionName: `centric worker ${process.pid}`,
      ackWaitMs: config.ackWaitSeconds * 1000,
      maxDeliver: config.maxDeliver,
      onError: (error, where) => console.error(`worker: partition ${where.partition}${where.seq ? ` message ${where.seq}` : ''}: ${error instanceof Error ? error.message : String(error)}`),
      onDeadLetter: (letter) => console.error(`worker: partition ${letter.partition} message ${letter.seq} moved to the dead-letter stream after ${letter.deliveries} deliveries: ${letter.reason}`),
    }));
    // A stream deleted and created again restarts its sequences: the store would skip its messages as already held.
    await consumer.checkStorePositions((log) => store.logPosition(log));
    const analytics = config.analytics === 'off' ? null : opened.add(await openPostgresAnalytics(config));
    return { store, consumer, analytics };
  });
  const progress = { requests: 0, events: 0, skipped: 0 };
  await consumer.start(async (request, position) => {
    const result = await store.appendEvents({ ...request, logPosition: position });
    progress.requests += 1;
    progress.events += result.stored;
    progress.skipped += result.duplicates;
  });
  const sink = analytics
    ? leadAnalyticsSink(config, store, analytics, (error) => console.error(`analytics sink: ${error instanceof Error ? error.message : String(error)}`))
    : null;
  const segments = leadSegmentEngine(config, store, (error) => console.error(`segment engine: ${error instanceof Error ? error.message : String(error)}`));
  const app = statusApp(store, config, () => consumer.isReady(), () => progress);
  const address = await app.listen({ host: config.host, port: config.port });
  return {
    url: address.replace('0.0.0.0', '127.0.0.1'),
    progress: () => ({ ...progress }),
    close: async () => {
      // Finish the requests in hand so they are acknowledged; the rest waits on the bus.
      await consumer.close();
      await sink?.close();
      await segments.close();
      await analytics?.close();
      await app.close();
      await store.close();
    },
  };
}

/** Health and readiness for an orchestrator, and what the worker has done. */
function statusApp(store: StateStore, config: ScaleOutConfig, busReady: () => boolean, progress: () => object): FastifyInstance {
  const app = Fastify({ logger: { level: config.logLevel } });
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    try {
      await store.logPosition('accepted');
    } catch {
      return reply.status(503).send({ error: { code: 'CENTRIC_ERR_STORE_UNAVAILABLE', message: 'the state store does not answer' } });
    }
    if (!busReady()) {
      return reply.status(503).send({ error: { code: 'CENTRIC_ERR_BUS_UNAVAILABLE', message: `not consuming from NATS JetStream at ${config.natsUrl}` } });
    }
    return { status: 'ready', store: store.engine, ...progress() };
  });
  app.get('/status', async () => progress());
  return app;
}
