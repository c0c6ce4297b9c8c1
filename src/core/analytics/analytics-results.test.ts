import { describe, expect, it } from 'vitest';
import { funnelAnswer, pathTree, stepName, usageAnswer } from './analytics-results.ts';

describe('analytics answers', () => {
  it('keeps the largest next steps of every node and folds the rest into (other); ties go alphabetically', () => {
    const tree = pathTree([
      { total: true, group: null, steps: ['Home', 'Shoes', '(end)'], customers: 5 },
      { total: true, group: null, steps: ['Home', 'Bags', 'Checkout'], customers: 3 },
      { total: true, group: null, steps: ['Home', 'Hats', '(end)'], customers: 3 },
      { total: true, group: null, steps: ['Home', 'Belts', '(end)'], customers: 1 },
    ], 2);
    expect(tree.customers).toBe(12);
    expect(tree.nodes.map((node) => [node.id, node.customers])).toEqual([
      ['Home', 12], ['Home > Shoes', 5], ['Home > Shoes > (end)', 5], ['Home > Bags', 3], ['Home > Bags > Checkout', 3], ['Home > (other)', 4],
    ]);
    expect(tree.links).toContainEqual({ source: 'Home', target: 'Home > (other)', customers: 4 });
  });

  it('turns step counts into conversion and drop-off, and keeps the largest breakdown groups', () => {
    const steps = [{ event: 'Viewed' }, { event: 'Bought', channel: 'store', where: [{ property: 'total', op: 'gt' as const, value: 100 }] }];
    const answer = funnelAnswer([
      { total: true, group: null, reached: [10, 4], medianGapMs: [60_000] },
      { total: false, group: 'web', reached: [7, 3], medianGapMs: [50_000] },
      { total: false, group: 'app', reached: [2, 1], medianGapMs: [70_000] },
      { total: false, group: null, reached: [1, 0], medianGapMs: [null] },
    ], steps, [undefined, undefined], { kind: 'channel' }, 2);
    expect(answer.total.steps[1]).toEqual({
      step: 2, name: 'Bought on store where total > 100', customers: 4, conversionRate: 0.4, stepConversionRate: 0.4, droppedOff: 6, medianTimeFromPreviousMs: 60_000,
    });
    expect(answer.groups.map((group) => group.value)).toEqual(['web', 'app']);
    expect(answer.omittedGroups).toBe(1);
  });

  it('names steps the way an analyst reads them', () => {
    expect(stepName({ touchpoint: 'hotline' })).toBe('touchpoint hotline');
    expect(stepName({ channel: 'store' })).toBe('channel store');
    expect(stepName({ event: 'Order Completed', touchpoint: 'store mitte', where: [{ property: 'sku', op: 'in', value: ['A', 'B'] }] })).toBe('Order Completed at store mitte where sku in [A, B]');
  });

  it('flags a touchpoint whose use changed beyond chance, and not one that stayed level', () => {
    const answer = usageAnswer({
      cells: [],
      totals: [
        { total: true, group: null, touchpoint: 'hotline', channel: 'phone', current: true, interactions: 300, customers: 200 },
        { total: true, group: null, touchpoint: 'hotline', channel: 'phone', current: false, interactions: 150, customers: 120 },
        { total: true, group: null, touchpoint: 'store', channel: 'store', current: true, interactions: 101, customers: 90 },
        { total: true, group: null, touchpoint: 'store', channel: 'store', current: false, interactions: 99, customers: 88 },
      ],
      active: [{ total: true, group: null, current: true, customers: 1000 }, { total: true, group: null, current: false, customers: 1000 }],
    }, 'week', null, 0.05, 20);
    const [hotline, store] = answer.total.touchpoints;
    expect(hotline).toMatchObject({ touchpoint: 'hotline', interactions: { current: 300, previous: 150, relative: 1, significant: true }, customers: { significant: true } });
    expect(hotline!.reach).toEqual({ current: 0.2, previous: 0.12 });
    expect(store).toMatchObject({ touchpoint: 'store', interactions: { significant: false }, customers: { significant: false } });
  });
});
