import type { Command } from 'commander';
import { startApiNode } from '../../apps/api-node.ts';
import { closeOnSignals } from '../../apps/embedded.ts';
import { loadScaleOutConfig, SCALE_OUT_DEFAULTS, type ScaleOutInput } from '../../apps/scale-out-config.ts';
import { openPostgresState } from '../../apps/scale-out-engines.ts';
import { startWorkerNode } from '../../apps/worker-node.ts';

/** Flags every scaled-out process shares: where PostgreSQL and NATS are. */
function engineOptions(command: Command): Command {
  return command
    .option('--postgres-url <url>', `PostgreSQL for state (or CENTRIC_POSTGRES_URL; default ${SCALE_OUT_DEFAULTS.postgresUrl})`)
    .option('--nats-url <url>', `NATS with JetStream (or CENTRIC_NATS_URL; default ${SCALE_OUT_DEFAULTS.natsUrl})`)
    .option('--stream <name>', `JetStream stream of accepted requests (or CENTRIC_STREAM; default ${SCALE_OUT_DEFAULTS.stream})`)
    .option('--subject-prefix <prefix>', `subject prefix (or CENTRIC_SUBJECT_PREFIX; default ${SCALE_OUT_DEFAULTS.subjectPrefix})`)
    .option('--partitions <n>', `partitions of the stream, the same on every node (or CENTRIC_PARTITIONS; default ${SCALE_OUT_DEFAULTS.partitions})`)
    .option('--stream-replicas <n>', 'copies of the stream in a NATS cluster when it is created: 1, 3 or 5 (or CENTRIC_STREAM_REPLICAS; default 1)')
    .option('--postgres-pool-size <n>', `PostgreSQL connections of this process (default ${SCALE_OUT_DEFAULTS.postgresPoolSize})`)
    .option('--host <host>', 'address to listen on (default 0.0.0.0)');
}

export function registerScaleOutCommands(program: Command): void {
  engineOptions(
    program
      .command('api')
      .description('serve the tracking and management APIs as a stateless node: PostgreSQL for state, JetStream to the workers')
      .option('--port <port>', 'port to listen on (default 4000, or CENTRIC_PORT)')
      .option('--max-event-bytes <n>', 'largest event accepted (default 32768)')
      .option('--max-batch-bytes <n>', 'largest batch request accepted (default 512000)'),
  ).action(async (options: ScaleOutInput) => {
    const server = await startApiNode(loadScaleOutConfig(options));
    console.log(`Centric API node is serving on ${server.url}`);
    closeOnSignals(server);
  });

  engineOptions(
    program
      .command('worker')
      .description('process accepted events from JetStream into PostgreSQL: identity, profiles, events')
      .option('--port <port>', 'port of the health and status endpoints (default 4100, or CENTRIC_WORKER_PORT)')
      .option('--ack-wait-seconds <n>', `seconds before a message a worker took is given to another (default ${SCALE_OUT_DEFAULTS.ackWaitSeconds})`)
      .option('--max-deliver <n>', `deliveries of a failing message before it goes to the dead-letter stream (default ${SCALE_OUT_DEFAULTS.maxDeliver})`)
      .option('--dedup-window-hours <n>', 'how long a messageId is remembered (default 168)'),
  ).action(async (options: ScaleOutInput) => {
    const worker = await startWorkerNode(loadScaleOutConfig({ ...options, port: options.port ?? process.env.CENTRIC_WORKER_PORT ?? 4100 }));
    console.log(`Centric worker is processing; status on ${worker.url}/status`);
    closeOnSignals(worker);
  });

  program
    .command('migrate')
    .description('bring the PostgreSQL schema up to date (API nodes and workers also do this on start)')
    .option('--postgres-url <url>', `PostgreSQL for state (or CENTRIC_POSTGRES_URL; default ${SCALE_OUT_DEFAULTS.postgresUrl})`)
    .action(async (options: ScaleOutInput) => {
      const store = await openPostgresState(loadScaleOutConfig(options));
      await store.close();
      console.log('The PostgreSQL schema is up to date.');
    });
}
