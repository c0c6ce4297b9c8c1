import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One named benchmark; `bench/run.ts` lists and runs them. */
export interface Benchmark {
  name: string;
  description: string;
  /** Runs the benchmark and prints its report; `args` are the flags after its name. */
  run(args: string[]): Promise<void>;
}

/** The value below which `fraction` of the sorted values lie (nearest rank). */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

/** Reads `--name value` and `--flag` style arguments. */
export function parseFlags(args: string[]): Map<string, string | true> {
  const flags = new Map<string, string | true>();
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const next = args[index + 1];
    if (inline !== undefined) flags.set(name, inline);
    else if (next !== undefined && !next.startsWith('--')) {
      flags.set(name, next);
      index += 1;
    } else flags.set(name, true);
  }
  return flags;
}

export function numberFlag(flags: Map<string, string | true>, name: string, fallback: number): number {
  const value = flags.get(name);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (value === true || !Number.isFinite(number) || number <= 0) throw new Error(`--${name} needs a positive number`);
  return number;
}

export function formatNumber(value: number, decimals = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function formatRatio(value: number): string {
  return value >= 10 ? `${formatNumber(value, 1)}x` : `${value.toFixed(2)}x`;
}

/** Prints rows as an aligned table; the first row is the header. Numbers are right-aligned. */
export function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const numeric = /^[-+]?[\d,.]+(x|%| ms)?$/;
  rows.forEach((row, index) => {
    console.log(row.map((cell, column) => (column > 0 && numeric.test(cell) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd());
    if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  });
}

/**
 * Temp directories and child processes of one benchmark run, removed and stopped at the end
 * even when the run fails or is interrupted.
 */
export class Resources {
  private readonly dirs: string[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.release();
    process.kill(process.pid, signal);
  };

  constructor() {
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  track<T extends ChildProcess>(child: T): T {
    this.children.push(child);
    return child;
  }

  release(): void {
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits for a child to exit, killing it when it has not after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** What the kernel says about a process so far; null where there is no /proc. */
export interface ProcessSample {
  /** CPU seconds (user + system) of all its threads. */
  cpuSeconds: number;
  /** Seconds its main thread was ready to run but waited for a CPU (other processes had them). */
  mainThreadRunQueueSeconds: number;
}

export function sampleProcess(pid: number): ProcessSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const schedstat = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ');
    return { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, mainThreadRunQueueSeconds: Number(schedstat[1]) / 1e9 };
  } catch {
    return null;
  }
}

/** Microseconds some task on the machine has stalled on the CPU and on I/O (Linux pressure stall info). */
export interface PressureSample {
  cpuStallMicros: number;
  ioStallMicros: number;
}

export function samplePressure(): PressureSample | null {
  const some = (resource: string) => Number(/^some .*total=(\d+)/m.exec(readFileSync(`/proc/pressure/${resource}`, 'utf8'))?.[1]);
  try {
    const sample = { cpuStallMicros: some('cpu'), ioStallMicros: some('io') };
    return Number.isFinite(sample.cpuStallMicros) && Number.isFinite(sample.ioStallMicros) ? sample : null;
  } catch {
    return null;
  }
}
