import { describe, expect, it } from 'vitest';
import { GroupCommitter } from './group-committer.ts';

describe('GroupCommitter', () => {
  it('commits requests that arrive together in one group and answers each with its own result', async () => {
    const groups: number[][] = [];
    const committer = new GroupCommitter<number, number>((items) => {
      groups.push(items);
      return items.map((item) => item * 10);
    });
    const results = await Promise.all([committer.submit(1), committer.submit(2), committer.submit(3)]);
    expect(results).toEqual([10, 20, 30]);
    expect(groups).toEqual([[1, 2, 3]]);
  });

  it('fails every request of a group whose commit throws, and keeps serving the next group', async () => {
    let fail = true;
    const committer = new GroupCommitter<number, number>((items) => {
      if (fail) throw new Error('disk full');
      return items;
    });
    const first = await Promise.allSettled([committer.submit(1), committer.submit(2)]);
    expect(first.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(committer.submit(3)).resolves.toBe(3);
  });
});
