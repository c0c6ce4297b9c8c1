import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');

/** A `centric <role> ...` child process with a health endpoint, for tests that kill and restart it. */
export class CentricProcess {
  readonly url: string;
  output = '';
  private child: ChildProcess | null = null;
  private readonly args: string[];
  private readonly env: Record<string, string>;

  constructor(options: { args: string[]; port: number; env?: Record<string, string> }) {
    this.args = [...options.args, '--port', String(options.port), '--host', '127.0.0.1'];
    this.env = options.env ?? {};
    this.url = `http://127.0.0.1:${options.port}`;
  }

  /** The running process's id, for CPU accounting. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and waits until `/ready` answers 200. */
  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(NODE, [join(ROOT, 'src/cli/main.ts'), ...this.args], {
      env: { ...process.env, CENTRIC_LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (chunk) => (this.output += chunk));
    child.stderr!.on('data', (chunk) => (this.output += chunk));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`centric ${this.args[0]} exited with ${child.exitCode}: ${this.output}`);
      try {
        if ((await fetch(`${this.url}/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`centric ${this.args[0]} did not become ready: ${this.output}`);
  }

  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** SIGTERM: a clean stop. */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}
