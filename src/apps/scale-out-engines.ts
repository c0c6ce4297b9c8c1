import type { JetStreamBusOptions } from '../bus/jetstream/jetstream-connection.ts';
import { PostgresStateStore } from '../stores/postgres/postgres-state-store.ts';
import type { ScaleOutConfig } from './scale-out-config.ts';

/** The PostgreSQL state store of a scaled-out node, migrated; a clear error when it cannot be reached. */
export async function openPostgresState(config: ScaleOutConfig): Promise<PostgresStateStore> {
  const store = new PostgresStateStore({
    connectionString: config.postgresUrl,
    dedupWindowMs: config.dedupWindowMs,
    poolSize: config.postgresPoolSize,
  });
  try {
    // Every node migrates on start; the migration takes a lock, so nodes starting together wait in turn.
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

/** The JetStream layout every API node and worker of one install shares. */
export function busOptions(config: ScaleOutConfig): JetStreamBusOptions {
  return {
    url: config.natsUrl,
    stream: config.stream,
    subjectPrefix: config.subjectPrefix,
    partitions: config.partitions,
    replicas: config.streamReplicas,
  };
}

/** Scaled out there is no data directory to keep a generated token in: the operator must give one. */
export function requireAdminTokens(config: ScaleOutConfig): string[] {
  if (config.adminTokens.length === 0) {
    throw new Error('set CENTRIC_ADMIN_TOKEN: scaled-out nodes have no data directory to keep a generated admin token in, and all nodes must share one');
  }
  return config.adminTokens;
}
