import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import { CentricError } from '../../core/errors.ts';

/** What every API node and worker on one bus must agree on, and how to reach NATS. */
export interface JetStreamBusOptions {
  /** The NATS server, e.g. `nats://127.0.0.1:4222`; several may be given separated by commas. */
  url: string;
  /** The accepted stream's name; dead letters go to `<stream>_DEAD`. Default `CENTRIC_ACCEPTED`. */
  stream?: string;
  /** Subjects are `<prefix>.accepted.<partition>` and `<prefix>.dead.<partition>`. Default `centric`. */
  subjectPrefix?: string;
  /** How many partitions customers are spread over; every node must use the same. Default 16. */
  partitions?: number;
  /** Copies of each stream in a NATS cluster (1, 3 or 5), used when a stream is created. Default 1. */
  replicas?: number;
  /** How long JetStream remembers a message id to drop a repeated publish, when the stream is created. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** How the connection shows in the server's monitoring. */
  connectionName?: string;
  /** How long the first connection attempt may take; default 5000 ms. */
  connectTimeoutMs?: number;
  /** An open connection to use instead of connecting to `url` (which then only names it in errors); the caller closes it. */
  connection?: NatsConnection;
}

/** The names and subjects of one bus, derived from its options. */
export interface BusLayout {
  url: string;
  stream: string;
  deadStream: string;
  prefix: string;
  partitions: number;
  replicas: number;
  duplicateWindowMs: number;
}

const NAME = /^[A-Za-z0-9_-]+$/;
const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
/** JetStream takes durations in nanoseconds. */
export const NANOS_PER_MS = 1_000_000;

export function busLayout(options: JetStreamBusOptions): BusLayout {
  const layout: BusLayout = {
    url: options.url,
    stream: options.stream ?? 'CENTRIC_ACCEPTED',
    deadStream: `${options.stream ?? 'CENTRIC_ACCEPTED'}_DEAD`,
    prefix: options.subjectPrefix ?? 'centric',
    partitions: options.partitions ?? 16,
    replicas: options.replicas ?? 1,
    duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
  };
  const invalid = (message: string) => new CentricError('CENTRIC_ERR_BUS_INVALID_CONFIG', message);
  if (!NAME.test(layout.stream)) throw invalid(`bus stream name ${JSON.stringify(layout.stream)} may hold only letters, digits, "_" and "-"`);
  if (!PREFIX.test(layout.prefix)) throw invalid(`bus subject prefix ${JSON.stringify(layout.prefix)} must be dot-separated tokens of letters, digits, "_" and "-"`);
  if (!Number.isInteger(layout.partitions) || layout.partitions < 1 || layout.partitions > 1024) throw invalid(`bus partitions must be a whole number from 1 to 1024, not ${layout.partitions}`);
  if (![1, 3, 5].includes(layout.replicas)) throw invalid(`bus replicas must be 1, 3 or 5, not ${layout.replicas}`);
  if (!(layout.duplicateWindowMs >= 1000)) throw invalid(`bus duplicate window must be at least 1000 ms, not ${layout.duplicateWindowMs}`);
  return layout;
}

export function acceptedSubject(layout: BusLayout, partition: number): string {
  return `${layout.prefix}.accepted.${partition}`;
}

export function deadSubject(layout: BusLayout, partition: number): string {
  return `${layout.prefix}.dead.${partition}`;
}

/** The durable consumer of one partition, shared by every worker. */
export function consumerName(layout: BusLayout, partition: number): string {
  return `${layout.stream}_p${partition}`;
}

/** The URL as it may appear in logs: a password in it is masked. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/g, '$1***@');
}

export function busUnavailable(layout: BusLayout, what: string, cause: unknown): CentricError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const error = new CentricError('CENTRIC_ERR_BUS_UNAVAILABLE', `${what}: NATS at ${redactUrl(layout.url)} (${reason})`);
  error.cause = cause;
  return error;
}

/** A NATS connection for the bus, and whether it is up right now. */
export class BusConnection {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  private readonly owned: boolean;
  private connected = true;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, owned: boolean) {
    this.nc = nc;
    this.jsm = jsm;
    this.owned = owned;
    void this.follow();
  }

  /** Connects (reconnecting for ever after the first success) and checks that JetStream answers. */
  static async open(layout: BusLayout, options: JetStreamBusOptions): Promise<BusConnection> {
    let nc = options.connection;
    if (!nc) {
      try {
        nc = await connect({
          servers: layout.url.split(',').map((server) => server.trim()),
          name: options.connectionName,
          timeout: options.connectTimeoutMs ?? 5000,
          // A worker or API node outlives any NATS restart; appends fail meanwhile and readiness says so.
          maxReconnectAttempts: -1,
          reconnectTimeWait: 1000,
        });
      } catch (error) {
        throw busUnavailable(layout, 'cannot connect to the bus', error);
      }
    }
    try {
      return new BusConnection(nc, await jetstreamManager(nc), !options.connection);
    } catch (error) {
      if (!options.connection) await nc.close();
      throw busUnavailable(layout, 'JetStream does not answer (is it enabled on the server?)', error);
    }
  }

  get ready(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  /** Lets pending publishes and acknowledgements finish, then closes, when the connection is ours. */
  async close(): Promise<void> {
    if (!this.owned || this.nc.isClosed()) return;
    await this.nc.drain().catch(() => this.nc.close());
  }

  private async follow(): Promise<void> {
    try {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect') this.connected = false;
        else if (status.type === 'reconnect') this.connected = true;
      }
    } catch {
      // The status feed ends with the connection; `ready` reads isClosed() then.
    }
  }
}

/**
 * Creates the accepted stream (and, for workers, the dead-letter stream) unless it exists. Several
 * processes may do this at once; an existing stream is checked to hold exactly this bus's partitions,
 * because a node with a different count would publish where no worker reads. Resolves to the time the
 * accepted stream was created, which tells a stream deleted and created again from the one it was.
 */
export async function ensureStreams(connection: BusConnection, layout: BusLayout, withDeadLetters: boolean): Promise<string> {
  const subjects = Array.from({ length: layout.partitions }, (_, partition) => acceptedSubject(layout, partition));
  const created = await ensureStream(connection.jsm, layout, {
    name: layout.stream,
    subjects,
    storage: StorageType.File,
    // A message leaves the stream once its partition's consumer acknowledged it: the stream holds the backlog.
    retention: RetentionPolicy.Workqueue,
    num_replicas: layout.replicas,
    duplicate_window: layout.duplicateWindowMs * NANOS_PER_MS,
  }, (existing) => {
    const have = [...existing].sort().join(' ');
    if (have === [...subjects].sort().join(' ')) return null;
    return `stream ${layout.stream} holds subjects ${existing.join(', ')}, but this node expects ${layout.partitions} partitions `
      + `(${subjects[0]} to ${subjects[subjects.length - 1]}); every API node and worker must use the same stream, prefix and partitions`;
  });
  if (!withDeadLetters) return created;
  const deadSubjects = [`${layout.prefix}.dead.>`];
  await ensureStream(connection.jsm, layout, {
    name: layout.deadStream,
    subjects: deadSubjects,
    storage: StorageType.File,
    // Dead letters stay until an operator looks at them and removes them.
    retention: RetentionPolicy.Limits,
    num_replicas: layout.replicas,
    duplicate_window: layout.duplicateWindowMs * NANOS_PER_MS,
  });
  return created;
}

/**
 * Creates the stream when it is missing, and checks its subjects when it exists (`mismatch` says what
 * is wrong, or null; by default they must be `config.subjects` in that order); gives the stream's
 * creation time. Safe when several processes start together.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  layout: BusLayout,
  config: Partial<StreamConfig> & { name: string; subjects: string[] },
  mismatch: (subjects: string[]) => string | null = sameSubjects(config.name, config.subjects),
): Promise<string> {
  const check = (info: StreamInfo) => {
    const problem = mismatch(info.config.subjects ?? []);
    if (problem) throw new CentricError('CENTRIC_ERR_BUS_INVALID_CONFIG', problem);
    return info.created;
  };
  try {
    return check(await jsm.streams.info(config.name));
  } catch (error) {
    if (error instanceof CentricError) throw error;
    if (apiCode(error) !== STREAM_NOT_FOUND) throw busUnavailable(layout, `cannot read stream ${config.name}`, error);
  }
  try {
    return (await jsm.streams.add(config)).created;
  } catch (error) {
    // Another process created it in between (with a config of its own): check that one instead.
    if (apiCode(error) !== STREAM_NAME_IN_USE) {
      const problem = `cannot create stream ${config.name}: ${error instanceof Error ? error.message : String(error)}`;
      if (apiCode(error) !== undefined) throw new CentricError('CENTRIC_ERR_BUS_INVALID_CONFIG', problem);
      throw busUnavailable(layout, problem, error);
    }
    return check(await jsm.streams.info(config.name));
  }
}

/** A stream found with other subjects than these is someone else's: say so rather than use it. */
function sameSubjects(name: string, wanted: string[]): (existing: string[]) => string | null {
  return (existing) => (existing.join(' ') === wanted.join(' ') ? null : `stream ${name} holds subjects ${existing.join(', ')}, not ${wanted.join(', ')}`);
}

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

/** The JetStream API error code of a failed request, if the server answered one. */
export function apiCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
