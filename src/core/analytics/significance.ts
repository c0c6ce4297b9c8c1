/**
 * The tests behind "significant change" in touchpoint usage.
 *
 * Interactions are counts of events over equal lengths of time, so they are compared as two Poisson
 * rates: conditional on the total n = a + b, the current count a is Binomial(n, t1 / (t1 + t2)) when the
 * rates are equal. The two-sided p-value is exact for n up to 10,000 and from the normal approximation
 * (with continuity correction) above, where the two agree to well under 0.001.
 *
 * Customers are compared as reach: the share of all active customers who used the touchpoint, current
 * against previous period, with a two-proportion z-test (pooled standard error).
 *
 * With many touchpoints tested at once, a few would look significant by chance; `benjaminiHochberg`
 * adjusts the p-values to control the false discovery rate, and a change is flagged when its adjusted
 * p-value is below the chosen level (0.05 unless asked otherwise).
 */

/** Two-sided p-value that counts a (over time t1) and b (over time t2) come from the same Poisson rate. */
export function poissonRateTest(a: number, b: number, t1 = 1, t2 = 1): number {
  const n = a + b;
  if (n === 0) return 1;
  const p = t1 / (t1 + t2);
  if (n <= 10_000) return exactBinomialTwoSided(a, n, p);
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  const z = Math.max(0, Math.abs(a - mean) - 0.5) / sd;
  return Math.min(1, 2 * (1 - normalCdf(z)));
}

/** Two-sided p-value of a two-proportion z-test: x1 of n1 against x2 of n2. 1 when either sample is empty or nothing varies. */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 1;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return 1;
  const z = Math.abs(x1 / n1 - x2 / n2) / se;
  return Math.min(1, 2 * (1 - normalCdf(z)));
}

/** Benjamini-Hochberg adjusted p-values (q-values), in the order given. */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const { p, index } = order[rank - 1]!;
    running = Math.min(running, (p * m) / rank);
    adjusted[index] = running;
  }
  return adjusted;
}

/** Sum of the probabilities of all outcomes no more likely than the observed one (the usual two-sided exact test). */
function exactBinomialTwoSided(k: number, n: number, p: number): number {
  if (p <= 0 || p >= 1) return 1;
  const logPmf = (i: number) => logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log(1 - p);
  const observed = logPmf(k);
  // Outcomes within a relative 1e-7 of the observed probability count as equally likely (floating point).
  const threshold = observed + Math.log1p(1e-7);
  let total = 0;
  for (let i = 0; i <= n; i++) {
    const lp = logPmf(i);
    if (lp <= threshold) total += Math.exp(lp);
  }
  return Math.min(1, total);
}

const logFactorials: number[] = [0];
function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) logFactorials.push(logFactorials[i - 1]! + Math.log(i));
  return logFactorials[n]!;
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/** Standard normal CDF (Abramowitz and Stegun 7.1.26 via erf; absolute error below 1.5e-7). */
export function normalCdf(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-ax * ax);
  return sign * y;
}
