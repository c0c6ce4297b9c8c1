import { createHash } from 'node:crypto';
import { createTrackingEventGenerator, ROUND_SLOT_LENGTH } from './generators/tracking-events.ts';

/**
 * Batch request bodies serialised once, then replayed in rounds: each round rewrites only the
 * 8-hex-digit slots of the messageIds and new customers' ids, so every request carries new events
 * while the sender spends almost no CPU building it. The load client and the in-process probe
 * build the same pool from the same seed, so both ingest the same bytes.
 */
export interface BatchBodyPool {
  bodies: SerialisedBatch[];
  eventsPerBatch: number;
  /** sha256 of all bodies, to check that two processes built the same pool. */
  checksum: string;
  meanEventBytes: number;
}

/** One request body, ready to send, and where its round slots are. */
export interface SerialisedBatch {
  bytes: Buffer;
  /** Byte offsets of the round slots, and the value each slot holds in round 0. */
  slotOffsets: number[];
  slotBases: number[];
}

/** What to generate: the seed fixes the events, `startTime` their times. */
export interface PoolOptions {
  seed: number;
  batches: number;
  eventsPerBatch: number;
  startTime: number;
}

export function buildBatchBodyPool(options: PoolOptions): BatchBodyPool {
  const generator = createTrackingEventGenerator({ seed: options.seed, startTime: options.startTime });
  const hash = createHash('sha256');
  const bodies: SerialisedBatch[] = [];
  let eventBytes = 0;
  let events = 0;
  for (let index = 0; index < options.batches; index += 1) {
    const { body, roundSlots } = generator.nextBatch(options.eventsPerBatch);
    for (const event of body.batch) eventBytes += Buffer.byteLength(JSON.stringify(event));
    events += body.batch.length;
    const bytes = Buffer.from(JSON.stringify(body));
    const slotOffsets: number[] = [];
    const slotBases: number[] = [];
    for (const slot of roundSlots) {
      // An id may occur more than once (an alias's previousId is also its anonymousId).
      const needle = Buffer.from(`"${slot.id}"`);
      for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + needle.length)) {
        const offset = at + 1 + slot.at;
        slotOffsets.push(offset);
        slotBases.push(Number.parseInt(bytes.toString('latin1', offset, offset + ROUND_SLOT_LENGTH), 16));
      }
    }
    hash.update(bytes);
    bodies.push({ bytes, slotOffsets, slotBases });
  }
  return { bodies, eventsPerBatch: options.eventsPerBatch, checksum: hash.digest('hex').slice(0, 16), meanEventBytes: eventBytes / events };
}

/** The body for one round: a copy, so a buffer still being written to a socket is never changed. */
export function bodyForRound(batch: SerialisedBatch, round: number): Buffer {
  const bytes = Buffer.from(batch.bytes);
  if (round === 0) return bytes;
  for (let index = 0; index < batch.slotOffsets.length; index += 1) {
    const value = (batch.slotBases[index]! + round) >>> 0;
    bytes.write(value.toString(16).padStart(ROUND_SLOT_LENGTH, '0'), batch.slotOffsets[index]!, ROUND_SLOT_LENGTH, 'latin1');
  }
  return bytes;
}
