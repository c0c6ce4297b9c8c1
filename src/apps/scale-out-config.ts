import { loadConfig, wholeNumber, type CentricConfig, type ConfigInput } from './config.ts';

/** What `centric api` and `centric worker` need besides the embedded settings: the engines they share. */
export interface ScaleOutConfig extends CentricConfig {
  postgresUrl: string;
  natsUrl: string;
  /** JetStream stream carrying accepted requests; API nodes and workers must agree on it. */
  stream: string;
  /** Subjects are `<prefix>.accepted.<partition>`; lets several installs share one NATS. */
  subjectPrefix: string;
  /** Copies JetStream keeps of the stream when it creates it: 3 survives the loss of one NATS server. */
  streamReplicas: number;
  /** Partitions of the stream; a customer's events stay in one, in order. Fixed once the stream exists. */
  partitions: number;
  /** Pool size for PostgreSQL connections of this process. */
  postgresPoolSize: number;
  /** Seconds before JetStream hands a message a worker took but never acknowledged to another worker. */
  ackWaitSeconds: number;
  /** Deliveries of one message before it goes to the dead-letter stream. */
  maxDeliver: number;
}

export interface ScaleOutInput extends ConfigInput {
  postgresUrl?: string;
  natsUrl?: string;
  stream?: string;
  subjectPrefix?: string;
  partitions?: number | string;
  streamReplicas?: number | string;
  postgresPoolSize?: number | string;
  ackWaitSeconds?: number | string;
  maxDeliver?: number | string;
}

export const SCALE_OUT_DEFAULTS = {
  postgresUrl: 'postgres://postgres@127.0.0.1:5432/centric',
  natsUrl: 'nats://127.0.0.1:4222',
  stream: 'CENTRIC_ACCEPTED',
  subjectPrefix: 'centric',
  partitions: 16,
  streamReplicas: 1,
  postgresPoolSize: 10,
  ackWaitSeconds: 30,
  maxDeliver: 5,
} as const;

/** Flags win over environment variables (CENTRIC_POSTGRES_URL, CENTRIC_NATS_URL, ...), which win over defaults. */
export function loadScaleOutConfig(input: ScaleOutInput, env: NodeJS.ProcessEnv = process.env): ScaleOutConfig {
  const number = (name: string, value: number | string | undefined, fallback: number) =>
    wholeNumber(name, value === '' ? undefined : value) ?? fallback;
  const stream = input.stream ?? env.CENTRIC_STREAM ?? SCALE_OUT_DEFAULTS.stream;
  if (!/^[A-Za-z0-9_-]+$/.test(stream)) throw new Error(`--stream may hold letters, digits, _ and - only, not "${stream}"`);
  return {
    ...loadConfig(input, env),
    postgresUrl: input.postgresUrl ?? env.CENTRIC_POSTGRES_URL ?? SCALE_OUT_DEFAULTS.postgresUrl,
    natsUrl: input.natsUrl ?? env.CENTRIC_NATS_URL ?? SCALE_OUT_DEFAULTS.natsUrl,
    stream,
    subjectPrefix: input.subjectPrefix ?? env.CENTRIC_SUBJECT_PREFIX ?? SCALE_OUT_DEFAULTS.subjectPrefix,
    partitions: number('partitions', input.partitions ?? env.CENTRIC_PARTITIONS, SCALE_OUT_DEFAULTS.partitions),
    streamReplicas: number('stream replicas', input.streamReplicas ?? env.CENTRIC_STREAM_REPLICAS, SCALE_OUT_DEFAULTS.streamReplicas),
    postgresPoolSize: number('postgres pool size', input.postgresPoolSize ?? env.CENTRIC_POSTGRES_POOL_SIZE, SCALE_OUT_DEFAULTS.postgresPoolSize),
    ackWaitSeconds: number('ack wait seconds', input.ackWaitSeconds ?? env.CENTRIC_ACK_WAIT_SECONDS, SCALE_OUT_DEFAULTS.ackWaitSeconds),
    maxDeliver: number('max deliver', input.maxDeliver ?? env.CENTRIC_MAX_DELIVER, SCALE_OUT_DEFAULTS.maxDeliver),
  };
}
