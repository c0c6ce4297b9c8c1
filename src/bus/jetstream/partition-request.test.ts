import { describe, expect, it } from 'vitest';
import { customerEvent, failedFixture } from '../contract/accepted-bus.contract.ts';
import { fnv1a, partitionOf, splitByPartition } from './partition-request.ts';
import { decodeSlice, encodeChunks, encodeSlice } from './slice-codec.ts';

describe('partitioning a request', () => {
  it('hashes with 32-bit FNV-1a, so every node and release agrees on a customer\'s partition', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
    expect(partitionOf('foobar', 16)).toBe(0xbf9cf968 % 16);
  });

  it('keeps each customer\'s events together and in order; failed events go with one slice, a replay marker with its event', () => {
    const events = ['u1#1', 'u2#1', 'u1#2', 'anon-3#1', 'u2#2', 'u1#3'].map((id) => customerEvent(id.split('#')[0]!, id));
    const slices = splitByPartition({
      events, failed: [failedFixture('bad')], replayed: [{ failedEventId: 1, messageId: 'u2#2' }], logPosition: { log: 'accepted', seq: 9 },
    }, 64, 0);
    const holding = (id: string) => [...slices].find(([, slice]) => slice.events.some((event) => event.messageId === id))!;
    expect(holding('u1#1')[1].events.filter((event) => event.userId === 'u1').map((event) => event.messageId)).toEqual(['u1#1', 'u1#2', 'u1#3']);
    expect(holding('u1#1')[0]).toBe(partitionOf('u1', 64));
    expect(holding('anon-3#1')[0]).toBe(partitionOf('anon-3', 64));
    expect(holding('u1#1')[1].failed.map((failed) => failed.message)).toEqual(['bad']);
    expect([...slices.values()].flatMap((slice) => slice.failed)).toHaveLength(1);
    expect(holding('u2#2')[1].replayed).toEqual([{ failedEventId: 1, messageId: 'u2#2' }]);
    expect([...slices.values()].some((slice) => slice.logPosition)).toBe(false);
    expect(splitByPartition({ events: [], failed: [failedFixture('alone')] }, 16, 5).get(5)!.failed).toHaveLength(1);
  });
});

describe('encoding a slice', () => {
  it('splits a slice larger than a message into parts that fit, in order, replay markers staying with their events', () => {
    const events = Array.from({ length: 9 }, (_, n) => customerEvent('u1', `u1#${n + 1}`));
    const slice = { events, failed: [failedFixture('bad')], replayed: [{ failedEventId: 2, messageId: 'u1#8' }] };
    const whole = encodeSlice(slice).length;
    const chunks = encodeChunks(slice, Math.ceil(whole / 3));
    expect(chunks.length).toBeGreaterThan(2);
    const parts = chunks.map((chunk) => {
      expect(chunk.length).toBeLessThanOrEqual(Math.ceil(whole / 3));
      const decoded = decodeSlice(chunk);
      if (!decoded.ok) throw new Error(decoded.reason);
      return decoded.request;
    });
    expect(parts.flatMap((part) => part.events)).toEqual(events);
    expect(parts[0]!.failed).toHaveLength(1);
    const withReplay = parts.find((part) => part.replayed?.length)!;
    expect(withReplay.events.map((event) => event.messageId)).toContain('u1#8');
    expect(() => encodeChunks({ events: [events[0]!], failed: [] }, 100)).toThrow(expect.objectContaining({ code: 'CENTRIC_ERR_LIMIT_EVENT_TOO_LARGE' }));
  });

  it('says why a message cannot be read', () => {
    expect(decodeSlice(Buffer.from('{"v":2,"events":[],"failed":[]}'))).toEqual({ ok: false, reason: 'unknown format version 2' });
    expect(decodeSlice(Buffer.from('[1]'))).toEqual({ ok: false, reason: 'not a JSON object' });
    expect(decodeSlice(Buffer.from('{"v":1,"events":{}}'))).toEqual({ ok: false, reason: '"events" and "failed" must be arrays' });
  });
});
