// The benchmarks' data generators use the same seeded generator as the demo company.
export { Prng } from '../../src/demo/prng.ts';
