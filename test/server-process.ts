import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `centric ...` as a real child process in `cwd`, as a user would run it. */
export async function runCentric(cwd: string, args: string[], nodeFlags: string[] = []): Promise<CliResult> {
  const child = spawn(NODE, [...nodeFlags, join(ROOT, 'src/cli/main.ts'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A `centric <command> ...` child process with an HTTP endpoint, for tests and benchmarks that kill and restart it. */
export class CentricProcess {
  readonly url: string;
  output = '';
  private child: ChildProcess | null = null;
  private readonly args: string[];
  private readonly env: Record<string, string>;
  private readonly readyPath: string;

  /** `readyPath` answers 200 once the process can work: `/ready` (the default) or, where that is enough, `/health`. */
  constructor(options: { args: string[]; port: number; env?: Record<string, string>; readyPath?: string }) {
    this.args = [...options.args, '--port', String(options.port), '--host', '127.0.0.1'];
    this.env = options.env ?? {};
    this.readyPath = options.readyPath ?? '/ready';
    this.url = `http://127.0.0.1:${options.port}`;
  }

  /** The running process's id, for CPU accounting. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and waits until its ready path answers 200. */
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
        if ((await fetch(`${this.url}${this.readyPath}`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`centric ${this.args[0]} did not become ready: ${this.output}`);
  }

  /** SIGKILL: no shutdown code runs, as in a power cut of the process. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** SIGTERM: a clean stop; a server finishes open requests and stores what it accepted. */
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

/** `centric serve` as a real child process, for tests that kill it. */
export class ServerProcess extends CentricProcess {
  constructor(options: { dataDir: string; port: number; env?: Record<string, string> }) {
    super({ args: ['serve', '--data-dir', options.dataDir], port: options.port, env: options.env, readyPath: '/health' });
  }

  override start(): Promise<void> {
    return super.start(20_000);
  }
}
