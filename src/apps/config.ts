import { join, resolve } from 'node:path';

/** Everything an embedded Centric needs to start; flags and environment fill it in. */
export interface CentricConfig {
  dataDir: string;
  host: string;
  port: number;
  workspaceId: string;
  maxEventBytes: number;
  maxBatchBytes: number;
  dedupWindowMs: number;
  synchronous: 'FULL' | 'NORMAL';
  /** Accepted events waiting to be processed before tracking calls get 503 and retry. */
  maxBacklogEvents: number;
  /** Where accepted events are processed: a thread of their own (the default) or the API's event loop. */
  ingestProcessor: 'thread' | 'inline';
  /** Admin tokens from CENTRIC_ADMIN_TOKEN; when empty, one is generated and kept in the data directory. */
  adminTokens: string[];
  logLevel: string;
  /** The analytics store: DuckDB in the data directory (the default), or off. */
  analytics?: 'duckdb' | 'off';
}

export const DEFAULTS = {
  dataDir: '.centric',
  host: '0.0.0.0',
  port: 4000,
  workspaceId: 'default',
  maxEventBytes: 32 * 1024,
  maxBatchBytes: 500 * 1024,
  dedupWindowHours: 7 * 24,
  maxBacklogEvents: 2_000_000,
} as const;

export interface ConfigInput {
  dataDir?: string;
  host?: string;
  port?: number | string;
  maxEventBytes?: number | string;
  maxBatchBytes?: number | string;
  dedupWindowHours?: number | string;
  synchronous?: string;
  maxBacklogEvents?: number | string;
  ingestProcessor?: string;
  analytics?: string;
}

/** Flags win over environment variables, which win over defaults. */
export function loadConfig(input: ConfigInput, env: NodeJS.ProcessEnv = process.env): CentricConfig {
  const synchronous = (input.synchronous ?? env.CENTRIC_SYNCHRONOUS ?? 'FULL').toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') throw new Error(`--synchronous must be FULL or NORMAL, not ${synchronous}`);
  const ingestProcessor = (input.ingestProcessor ?? env.CENTRIC_INGEST_PROCESSOR ?? 'thread').toLowerCase();
  if (ingestProcessor !== 'thread' && ingestProcessor !== 'inline') throw new Error(`--ingest-processor must be thread or inline, not ${ingestProcessor}`);
  const analytics = (input.analytics ?? env.CENTRIC_ANALYTICS ?? 'duckdb').toLowerCase();
  if (analytics !== 'duckdb' && analytics !== 'off') throw new Error(`CENTRIC_ANALYTICS must be duckdb or off, not ${analytics}`);
  return {
    dataDir: resolve(input.dataDir ?? env.CENTRIC_DATA_DIR ?? DEFAULTS.dataDir),
    host: input.host ?? env.CENTRIC_HOST ?? DEFAULTS.host,
    port: positive('port', input.port ?? env.CENTRIC_PORT ?? env.PORT, DEFAULTS.port, true),
    workspaceId: DEFAULTS.workspaceId,
    maxEventBytes: positive('max event bytes', input.maxEventBytes ?? env.CENTRIC_MAX_EVENT_BYTES, DEFAULTS.maxEventBytes),
    maxBatchBytes: positive('max batch bytes', input.maxBatchBytes ?? env.CENTRIC_MAX_BATCH_BYTES, DEFAULTS.maxBatchBytes),
    dedupWindowMs:
      positive('dedup window hours', input.dedupWindowHours ?? env.CENTRIC_DEDUP_WINDOW_HOURS, DEFAULTS.dedupWindowHours) * 3_600_000,
    synchronous,
    ingestProcessor,
    maxBacklogEvents: positive('max backlog events', input.maxBacklogEvents ?? env.CENTRIC_MAX_BACKLOG_EVENTS, DEFAULTS.maxBacklogEvents),
    adminTokens: (env.CENTRIC_ADMIN_TOKEN ?? '').split(',').map((token) => token.trim()).filter((token) => token !== ''),
    logLevel: env.CENTRIC_LOG_LEVEL ?? 'info',
    analytics,
  };
}

export function stateStorePath(config: CentricConfig): string {
  return join(config.dataDir, 'state.sqlite');
}

function positive(name: string, value: number | string | undefined, fallback: number, allowZero = false): number {
  return wholeNumber(name, value === '' ? undefined : value, allowZero) ?? fallback;
}

/** Reads a whole-number flag or variable: undefined when absent, an error naming it when not a whole number. */
export function wholeNumber(name: string, value: number | string | undefined, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < (allowZero ? 0 : 1)) {
    throw new Error(`${name} must be a ${allowZero ? '' : 'positive '}whole number, not "${value}"`);
  }
  return number;
}
