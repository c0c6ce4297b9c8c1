import { CentricError } from '../../core/errors.ts';
import type { AppendRequest } from '../../stores/ports.ts';

/**
 * The format of a message on the accepted stream, version 1: `{"v":1,"events":[...],"failed":[...],
 * "replayed":[...]}` in JSON, the events being stored envelopes. Messages outlive releases (a backlog,
 * the dead-letter stream), so a change of shape gets a new version and decoding keeps the old ones.
 */
const FORMAT_VERSION = 1;

/** A message's content, or why it cannot be read. */
export type DecodedSlice = { ok: true; request: AppendRequest } | { ok: false; reason: string };

export function encodeSlice(slice: AppendRequest): Buffer {
  const message: Record<string, unknown> = { v: FORMAT_VERSION, events: slice.events, failed: slice.failed };
  if (slice.replayed && slice.replayed.length > 0) message.replayed = slice.replayed;
  return Buffer.from(JSON.stringify(message));
}

export function decodeSlice(data: Uint8Array): DecodedSlice {
  let message: unknown;
  try {
    message = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return { ok: false, reason: 'not a JSON object' };
  const { v, events, failed, replayed } = message as Record<string, unknown>;
  if (v !== FORMAT_VERSION) return { ok: false, reason: `unknown format version ${JSON.stringify(v)}` };
  if (!Array.isArray(events) || !Array.isArray(failed)) return { ok: false, reason: '"events" and "failed" must be arrays' };
  if (replayed !== undefined && !Array.isArray(replayed)) return { ok: false, reason: '"replayed" must be an array' };
  const request: AppendRequest = { events, failed };
  if (replayed) request.replayed = replayed;
  return { ok: true, request };
}

/**
 * Encodes a slice as one message, or as several in order when it is larger than `maxBytes` (the
 * server's largest message): the events are halved until each part fits, each replay marker staying
 * with its event and the failed events with the first part.
 */
export function encodeChunks(slice: AppendRequest, maxBytes: number): Buffer[] {
  const encoded = encodeSlice(slice);
  if (encoded.length <= maxBytes) return [encoded];
  if (slice.events.length > 1) {
    const middle = Math.ceil(slice.events.length / 2);
    const secondIds = new Set(slice.events.slice(middle).map((event) => event.messageId));
    const replayed = slice.replayed ?? [];
    const first: AppendRequest = { events: slice.events.slice(0, middle), failed: slice.failed, replayed: replayed.filter((replay) => !secondIds.has(replay.messageId)) };
    const second: AppendRequest = { events: slice.events.slice(middle), failed: [], replayed: replayed.filter((replay) => secondIds.has(replay.messageId)) };
    return [...encodeChunks(first, maxBytes), ...encodeChunks(second, maxBytes)];
  }
  if (slice.failed.length > 1 || (slice.failed.length > 0 && slice.events.length > 0)) {
    const middle = slice.events.length > 0 ? 0 : Math.ceil(slice.failed.length / 2);
    const first: AppendRequest = { events: slice.events, failed: slice.failed.slice(0, middle), replayed: slice.replayed };
    const second: AppendRequest = { events: [], failed: slice.failed.slice(middle) };
    return [...encodeChunks(first, maxBytes), ...encodeChunks(second, maxBytes)];
  }
  throw new CentricError('CENTRIC_ERR_LIMIT_EVENT_TOO_LARGE', `one event takes ${encoded.length} bytes on the bus, more than the ${maxBytes} bytes the NATS server takes in one message`);
}
