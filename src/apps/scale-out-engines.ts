import pg from 'pg';
import { MembershipRelay } from '../segments/membership-relay.ts';
import { SegmentEngine } from '../segments/segment-engine.ts';
import { JetStreamMembershipPublisher } from '../bus/jetstream/jetstream-membership-publisher.ts';
import { AnalyticsSink } from '../analytics/analytics-sink.ts';
import type { JetStreamBusOptions } from '../bus/jetstream/jetstream-connection.ts';
import { PostgresAnalyticsStore } from '../stores/postgres/analytics-postgres-store.ts';
import { PostgresStateStore } from '../stores/postgres/postgres-state-store.ts';
import type { ScaleOutConfig } from './scale-out-config.ts';

/** The PostgreSQL state store of a scaled-out node, migrated; a clear error when it cannot be reached. */
export async function openPostgresState(config: ScaleOutConfig): Promise<PostgresStateStore> {
  return migrated(new PostgresStateStore({
    connectionString: config.postgresUrl,
    dedupWindowMs: config.dedupWindowMs,
    poolSize: config.postgresPoolSize,
  }));
}

/**
 * Every node migrates a store on start (the migration takes a lock, so nodes starting together wait
 * in turn); a store that cannot be migrated is closed before the error goes up.
 */
async function migrated<T extends { migrate(): Promise<unknown>; close(): Promise<void> }>(store: T): Promise<T> {
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}

/** Engines a node opened while starting: when a later one fails, the earlier ones are closed, newest first. */
export class OpenedEngines {
  private readonly engines: Array<{ close(): Promise<void> }> = [];

  add<T extends { close(): Promise<void> }>(engine: T): T {
    this.engines.push(engine);
    return engine;
  }

  /** Runs the opening steps; if one throws, closes what was opened and rethrows. */
  async during<T>(open: () => Promise<T>): Promise<T> {
    try {
      return await open();
    } catch (error) {
      for (const engine of this.engines.reverse()) await engine.close().catch(() => undefined);
      throw error;
    }
  }
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

/** The analytics copy in the same PostgreSQL database as the state (tables `analytics_*`), migrated. */
export async function openPostgresAnalytics(config: ScaleOutConfig): Promise<PostgresAnalyticsStore> {
  return migrated(new PostgresAnalyticsStore({ connectionString: config.postgresUrl }));
}

/** Any number, the same for every install: the session lock only one worker's analytics sink may hold. */
const SINK_LEADER_LOCK = 7_301_004_112;
/** Likewise for the segment engine: one worker evaluates segments at a time. */
const SEGMENT_LEADER_LOCK = 7_301_004_113;

/**
 * Runs the analytics sink in whichever worker holds a PostgreSQL session lock, so one copies at a
 * time; the others look again every `retryMs`. When the holder dies, its session ends, the lock
 * is free and another worker takes over from the position the copy recorded.
 */
export function leadAnalyticsSink(
  config: ScaleOutConfig,
  state: PostgresStateStore,
  analytics: PostgresAnalyticsStore,
  onError: (error: unknown) => void,
  retryMs = 5000,
): { close(): Promise<void> } {
  return leadWhileLocked(config, SINK_LEADER_LOCK, async () => {
    const sink = new AnalyticsSink(state, analytics, { onError });
    sink.start();
    return sink;
  }, onError, retryMs);
}

/**
 * Runs the segment engine in whichever worker holds its session lock (one evaluates at a time, taking
 * over from the committed position when the holder dies). API nodes change definitions, so the
 * engine reads them again every few seconds.
 */
export function leadSegmentEngine(config: ScaleOutConfig, state: PostgresStateStore, onError: (error: unknown) => void, retryMs = 5000): { close(): Promise<void> } {
  return leadWhileLocked(config, SEGMENT_LEADER_LOCK, async () => {
    // Membership changes go onto JetStream (`<prefix>.segments.<workspace>`), each once, in order.
    const publisher = await JetStreamMembershipPublisher.open({ ...busOptions(config), connectionName: `centric worker segments ${process.pid}` });
    const relay = new MembershipRelay(state, publisher, { onError });
    const engine = new SegmentEngine(state, { workspaceIds: [config.workspaceId], onError, reloadEveryMs: 2000, onChanges: () => relay.wake() });
    engine.start();
    relay.start();
    return {
      stop: async () => {
        await engine.stop();
        await relay.stop();
        await publisher.close();
      },
    };
  }, onError, retryMs);
}

/** Runs what `start` starts while this process holds the session advisory lock `key`; stops it when the session is lost, and on close, which lets the lock go. */
export function leadWhileLocked(config: ScaleOutConfig, key: number, start: () => Promise<{ stop(): Promise<void> }>, onError: (error: unknown) => void, retryMs: number): { close(): Promise<void> } {
  let closed = false;
  let client: pg.Client | null = null;
  let running: { stop(): Promise<void> } | null = null;
  let timer: NodeJS.Timeout | null = null;
  const retry = () => {
    if (!closed && !timer) timer = setTimeout(() => void attempt(), retryMs);
  };
  // The lock lives as long as the session: when the session is lost, another worker may take the
  // lock at once, so what runs under it stops before this worker tries again.
  const lost = async (session: pg.Client) => {
    if (client !== session) return;
    client = null;
    const stopping = running;
    running = null;
    await stopping?.stop().catch(onError);
    retry();
  };
  const attempt = async () => {
    timer = null;
    const session = new pg.Client({ connectionString: config.postgresUrl });
    client = session;
    try {
      session.on('error', (error) => {
        onError(error);
        void lost(session);
      });
      session.on('end', () => void lost(session));
      await session.connect();
      const { rows } = await session.query('SELECT pg_try_advisory_lock($1) AS held', [key]);
      if (rows[0]?.held === true && !closed && client === session) {
        running = await start();
        // Closed, or the session lost, while starting: stop what just started.
        if (closed || client !== session) {
          const started = running;
          running = null;
          await started.stop();
        }
        return;
      }
      client = null;
      await session.end();
    } catch (error) {
      onError(error);
      if (client === session) client = null;
      await session.end().catch(() => undefined);
    }
    retry();
  };
  void attempt();
  return {
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      const session = client;
      client = null;
      await running?.stop();
      running = null;
      // Ending the session lets the lock go.
      await session?.end().catch(() => undefined);
    },
  };
}
