import type { StoredEvent } from '../../core/event-schema.ts';
import type { AppendRequest } from '../../stores/ports.ts';

/** FNV-1a (32 bit) over the UTF-8 bytes of `text`: cheap, stable across processes and releases. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The identity an event's partition follows: its user id, or its anonymous id when it has none. */
export function customerKey(event: StoredEvent): string {
  return event.userId ?? event.anonymousId ?? '';
}

/** The partition all events of one customer key go to. */
export function partitionOf(key: string, partitions: number): number {
  return fnv1a(key) % partitions;
}

/**
 * Splits a request into one request per partition its events' customers live in, keeping each
 * partition's events in their original order. Failed events (which have no customer to order by)
 * travel with the first slice, or with `spare` when the request holds no event; a replay marker
 * travels with the event it produced. A `logPosition` is dropped: the bus numbers what it holds.
 */
export function splitByPartition(request: AppendRequest, partitions: number, spare: number): Map<number, AppendRequest> {
  const slices = new Map<number, AppendRequest>();
  const sliceOf = (partition: number): AppendRequest => {
    let slice = slices.get(partition);
    if (!slice) {
      slice = { events: [], failed: [] };
      slices.set(partition, slice);
    }
    return slice;
  };
  const replays = request.replayed ?? [];
  // Only replay markers look an event's partition up again: most requests have none.
  const partitionOfMessage = replays.length > 0 ? new Map<string, number>() : null;
  let first: number | undefined;
  for (const event of request.events) {
    const partition = partitionOf(customerKey(event), partitions);
    first ??= partition;
    sliceOf(partition).events.push(event);
    partitionOfMessage?.set(event.messageId, partition);
  }
  first ??= spare;
  if (request.failed.length > 0) sliceOf(first).failed.push(...request.failed);
  for (const replay of replays) {
    const slice = sliceOf(partitionOfMessage?.get(replay.messageId) ?? first);
    (slice.replayed ??= []).push(replay);
  }
  return slices;
}
