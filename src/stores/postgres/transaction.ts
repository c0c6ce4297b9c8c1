import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { CentricError } from '../../core/errors.ts';

/**
 * Deadlock detected, a serialization failure, or another transaction inserted an identity first (see
 * lockIdentityGraph): the transaction did nothing and may simply run again.
 */
function retryable(error: unknown): boolean {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '40P01' || code === '40001' || (code === '23505' && constraint === 'identities_pkey');
}

export interface TransactionOptions {
  /** How often a transaction that lost a deadlock is run again before its error is passed on. */
  attempts?: number;
  /** A consistent read-only view for multi-statement reads. */
  readOnly?: boolean;
}

/**
 * Runs `work` in one transaction on a connection of its own, commits, and runs it again from the
 * start when Postgres chose it as a deadlock victim. `work` must therefore keep no state across calls.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 20;
  for (let attempt = 1; ; attempt += 1) {
    const client = await connect(pool);
    let broken = false;
    try {
      await client.query(options.readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      if (attempt < attempts && retryable(error)) {
        // A short random pause, so the transactions that collided do not meet again at once.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
        continue;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

/** A connection from the pool; a server that cannot be reached is a coded error, not a driver's. */
export async function connect(pool: Pool): Promise<PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw new CentricError('CENTRIC_ERR_STORE_UNAVAILABLE', `PostgreSQL cannot be reached: ${(error as Error).message}`);
  }
}

/**
 * A 64-bit advisory lock key for a named thing (an identifier, a log), as a decimal string for a
 * bigint parameter. Different kinds of things are told apart by `kind` so their keys do not meet.
 */
export function lockKey(kind: string, ...parts: string[]): bigint {
  return createHash('sha1').update([kind, ...parts].join('\u0000')).digest().readBigInt64BE(0);
}

/** Takes transaction-level advisory locks in ascending key order, so two transactions never wait on each other in a circle. */
export async function lockInOrder(client: PoolClient, keys: bigint[]): Promise<void> {
  if (keys.length === 0) return;
  const sorted = [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // unnest keeps the array's order, so the locks are taken in the order sorted here.
  await client.query('SELECT count(pg_advisory_xact_lock(key)) FROM unnest($1::bigint[]) AS key', [sorted.map(String)]);
}
