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

/** `centric serve` as a real child process, for tests that kill it. */
export class ServerProcess {
  readonly url: string;
  private child: ChildProcess | null = null;
  private readonly dataDir: string;
  private readonly port: number;
  private readonly env: Record<string, string>;
  output = '';

  constructor(options: { dataDir: string; port: number; env?: Record<string, string> }) {
    this.dataDir = options.dataDir;
    this.port = options.port;
    this.env = options.env ?? {};
    this.url = `http://127.0.0.1:${options.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(NODE, [join(ROOT, 'src/cli/main.ts'), 'serve', '--data-dir', this.dataDir, '--port', String(this.port), '--host', '127.0.0.1'], {
      env: { ...process.env, CENTRIC_LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (chunk) => (this.output += chunk));
    child.stderr!.on('data', (chunk) => (this.output += chunk));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${this.output}`);
      try {
        if ((await fetch(`${this.url}/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`server did not start: ${this.output}`);
  }

  /** SIGKILL: no shutdown code runs, as in a power cut of the process. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** SIGTERM: the server finishes open requests and stores what it accepted. */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}
