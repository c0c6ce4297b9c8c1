import { analyticsBenchmark } from './analytics-bench.ts';
import type { Benchmark } from './bench-kit.ts';
import { identityBenchmark } from './identity-bench.ts';
import { ingestBenchmark } from './ingest-bench.ts';
import { scaleoutBenchmark } from './scaleout-bench.ts';
import { segmentsBenchmark } from './segments-bench.ts';

/**
 * `npm run bench`: lists the benchmarks and runs them all; `npm run bench -- NAME [flags]` runs one.
 * Each benchmark reports ratios measured in the same run, so a busy machine skews both sides alike.
 * Add a benchmark by writing bench/<name>-bench.ts exporting a `Benchmark` and listing it here.
 */
const benchmarks: Benchmark[] = [ingestBenchmark, identityBenchmark, analyticsBenchmark, scaleoutBenchmark, segmentsBenchmark];

async function main(args: string[]): Promise<void> {
  const [name, ...rest] = args;
  if (name === '--help' || name === '-h' || name === '--list') {
    printList();
    return;
  }
  if (name === undefined || name.startsWith('--')) {
    printList();
    for (const benchmark of benchmarks) {
      console.log(`\n=== ${benchmark.name} ===`);
      await benchmark.run(args);
    }
    return;
  }
  const benchmark = benchmarks.find((candidate) => candidate.name === name);
  if (!benchmark) throw new Error(`no benchmark named "${name}"; known: ${benchmarks.map((b) => b.name).join(', ')}`);
  await benchmark.run(rest);
}

function printList(): void {
  console.log('Benchmarks (npm run bench -- NAME [flags]; without a name, all of them run):');
  for (const benchmark of benchmarks) console.log(`  ${benchmark.name.padEnd(10)} ${benchmark.description}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exitCode = 1;
});
