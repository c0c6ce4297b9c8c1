import { describe, expect, it } from 'vitest';
import { readInChunks } from './kysely-state-queries.ts';

describe('readInChunks', () => {
  it('reads each distinct id once, a few hundred per list, and joins the results in order', async () => {
    const ids = Array.from({ length: 1201 }, (_, n) => `prf_${n}`);
    const lists: string[][] = [];
    const results = await readInChunks([...ids, 'prf_0', 'prf_7'], async (chunk) => {
      lists.push(chunk);
      return chunk.map((id) => `${id}:read`);
    });
    expect(lists.map((list) => list.length)).toEqual([500, 500, 201]);
    expect(results).toEqual(ids.map((id) => `${id}:read`));
    expect(await readInChunks([], async () => ['never'])).toEqual([]);
  });

  it('keeps a chunk that gives more rows than a spread into push can take (the events of many busy customers)', async () => {
    const results = await readInChunks(['prf_busy'], async () => new Array<number>(300_000).fill(1));
    expect(results).toHaveLength(300_000);
  });
});
