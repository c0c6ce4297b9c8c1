import { describe, expect, it } from 'vitest';
import { Pipeline, ok, reject, type Step } from './pipeline.ts';

describe('Pipeline', () => {
  it('runs steps in order and stops at the first rejection', () => {
    const seen: string[] = [];
    const double: Step<number, number> = function double(n) { seen.push('double'); return ok(n * 2); };
    const refuseBig: Step<number, number> = function refuseBig(n) {
      seen.push('refuseBig');
      return n > 10 ? reject('CENTRIC_ERR_EVENT_INVALID_FIELD', 'too big', 'n') : ok(n);
    };
    const never: Step<number, string> = function never(n) { seen.push('never'); return ok(String(n)); };
    const pipeline = Pipeline.start<number>().pipe(double).pipe(refuseBig).pipe(never);
    expect(pipeline.stepNames).toEqual(['double', 'refuseBig', 'never']);
    expect(pipeline.run(3)).toEqual({ kind: 'ok', value: '6' });
    seen.length = 0;
    expect(pipeline.run(6)).toEqual({ kind: 'reject', code: 'CENTRIC_ERR_EVENT_INVALID_FIELD', message: 'too big', field: 'n' });
    expect(seen).toEqual(['double', 'refuseBig']);
  });
});
