import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, poissonRateTest, twoProportionZTest } from './significance.ts';

// Expected values computed independently (exact binomial sums with integer binomial coefficients, and the
// normal CDF through erf), as a statistics package gives them.
describe('significance tests', () => {
  it('compares two Poisson counts over equal time exactly: 30 against 10 is significant, 12 against 5 is not', () => {
    expect(poissonRateTest(30, 10)).toBeCloseTo(0.0022214, 6);
    expect(poissonRateTest(12, 5)).toBeCloseTo(0.1434631, 6);
    expect(poissonRateTest(5, 5)).toBe(1);
    expect(poissonRateTest(0, 0)).toBe(1);
  });

  it('weighs the counts by the length of each period', () => {
    // 10 of 30 events in a period a third as long as the other: expected share 0.25.
    expect(poissonRateTest(10, 20, 1, 3)).toBeCloseTo(0.2944630, 6);
  });

  it('uses the normal approximation for large counts, close to the exact answer', () => {
    expect(poissonRateTest(10_200, 9_800)).toBeCloseTo(0.0047809, 4); // the exact value
  });

  it('compares two proportions with a pooled z-test', () => {
    expect(twoProportionZTest(45, 100, 30, 100)).toBeCloseTo(0.0284597, 6);
    expect(twoProportionZTest(200, 1000, 150, 1000)).toBeCloseTo(0.0032563, 6);
    expect(twoProportionZTest(0, 0, 5, 10)).toBe(1);
  });

  it('adjusts p-values for many touchpoints at once (Benjamini-Hochberg)', () => {
    expect(benjaminiHochberg([0.01, 0.04, 0.03, 0.2]).map((q) => Number(q.toFixed(4)))).toEqual([0.04, 0.0533, 0.0533, 0.2]);
  });
});
