import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';

/** The local engines tests and benchmarks use; the environment may point elsewhere. */
export const POSTGRES_URL = process.env.CENTRIC_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const NATS_URL = process.env.CENTRIC_NATS_URL ?? 'nats://127.0.0.1:4222';

/** The same server URL, pointing at another database. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Runs one statement on the server's `postgres` database (CREATE and DROP DATABASE cannot run in the database itself). */
async function onMaintenanceDatabase(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(POSTGRES_URL, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A database of its own for one run, and a way to drop it with everything in it. */
export async function scratchDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  await onMaintenanceDatabase(`CREATE DATABASE ${name}`);
  return { url: withDatabase(POSTGRES_URL, name), drop: () => onMaintenanceDatabase(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Deletes a run's JetStream streams (the accepted stream and its dead letters). */
export async function deleteStreams(stream: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    for (const name of [stream, `${stream}_DEAD`]) await jsm.streams.delete(name).catch(() => undefined);
  } finally {
    await nc.close();
  }
}
