import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash, deriveMessageId } from './message-ids.ts';
import { createOccurrenceCounter } from '../stores/sqlite/occurrence-counter.ts';

/** Ids for a file's rows the way an import gives them: content hash plus occurrence within the file. */
function idsFor(sourceId: string, rows: Array<Record<string, unknown>>): string[] {
  const counter = createOccurrenceCounter();
  try {
    return rows.map((row) => {
      const hash = contentHash(row);
      return deriveMessageId(sourceId, hash, counter.next(hash));
    });
  } finally {
    counter.close();
  }
}

const a = { type: 'track', userId: 'C1', event: 'Order Completed', properties: { revenue: 19.99 } };
const b = { type: 'track', userId: 'C2', event: 'Order Completed', properties: { revenue: 5 } };
const c = { type: 'identify', userId: 'C3', traits: { email: 'c@x.de' } };

describe('canonicalJson', () => {
  it('gives the same text for the same data whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(canonicalJson({ userId: 'u', type: 'track' })).toBe(canonicalJson({ type: 'track', userId: 'u' }));
  });
});

describe('derived messageIds', () => {
  it('are the same when the same file is imported again', () => {
    expect(idsFor('src_1', [a, b, c])).toEqual(idsFor('src_1', [a, b, c]));
  });

  it('keep two identical rows of one file as two events', () => {
    const [first, second, third] = idsFor('src_1', [a, a, a]);
    expect(new Set([first, second, third]).size).toBe(3);
  });

  it('do not change for the other rows when a row is inserted elsewhere in the file', () => {
    const before = idsFor('src_1', [a, b, a, c]);
    const after = idsFor('src_1', [c, a, b, { ...b, userId: 'new' }, a, c]);
    // a (1st and 2nd), b and the first c keep their ids; only the added rows are new.
    expect(after[1]).toBe(before[0]);
    expect(after[4]).toBe(before[2]);
    expect(after[2]).toBe(before[1]);
    expect(after[0]).toBe(before[3]);
    expect(before).not.toContain(after[3]);
    expect(before).not.toContain(after[5]);
  });

  it('differ between sources, so the same file imported into two sources is stored twice', () => {
    expect(idsFor('src_1', [a])[0]).not.toBe(idsFor('src_2', [a])[0]);
  });

  it('fit the messageId field (a string of at most 200 characters)', () => {
    expect(idsFor('src_1', [a])[0]).toMatch(/^import-[0-9a-f]{40}$/);
  });
});

describe('the occurrence counter', () => {
  it('counts each content from 1, independently of the others, past its transaction size', () => {
    const counter = createOccurrenceCounter();
    const x = contentHash(a);
    const y = contentHash(b);
    expect([counter.next(x), counter.next(y), counter.next(x), counter.next(x), counter.next(y)]).toEqual([1, 1, 2, 3, 2]);
    for (let index = 0; index < 25_000; index += 1) counter.next(contentHash({ index }));
    expect(counter.next(x)).toBe(4);
    counter.close();
  });
});
