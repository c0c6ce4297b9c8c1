import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { freePort, runCentric, ServerProcess } from '../server-process.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const WEB = join(ROOT, 'web');
const BUILT = join(WEB, 'dist', 'index.html');
/** Where the screenshots of each main page go, for a person to look at (kept out of git). */
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
export const CHROMIUM = '/usr/bin/chromium';

/** Builds the console when it is missing or older than its sources, so a test never runs against a stale build. */
export function ensureConsoleBuilt(): void {
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= newestSource()) return;
  // The Node running the tests, not whichever `node` the PATH finds first.
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the console did not build:\n${result.stdout}\n${result.stderr}`);
}

function newestSource(): number {
  let newest = 0;
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  visit(join(WEB, 'src'));
  for (const file of ['index.html', 'vite.config.ts']) visit(join(WEB, file));
  return newest;
}

/** A small demo company loaded by `centric demo` and served by `centric serve`, both as real processes. */
export interface DemoServer {
  url: string;
  token: string;
  dataDir: string;
  server: ServerProcess;
  /** Calls the management API with the admin token, as a script would. */
  admin: (method: string, path: string, body?: unknown) => Promise<any>;
  /** Posts `body` to a tracking route (`/v1/batch`, `/v1/track`, ...) with `writeKey`, as an SDK would. */
  send: (path: string, writeKey: string, body: unknown) => Promise<Response>;
  stop: () => Promise<void>;
}

export async function startDemoServer(options: { customers: number; days: number }): Promise<DemoServer> {
  const dir = mkdtempSync(join(tmpdir(), 'centric-console-'));
  const dataDir = join(dir, 'data');
  const load = await runCentric(dir, ['demo', '--no-serve', '--no-check', '--customers', String(options.customers), '--days', String(options.days), '--data-dir', dataDir]);
  if (load.code !== 0) throw new Error(`centric demo failed (${load.code}): ${load.stdout}\n${load.stderr}`);
  const token = `console-test-${process.pid}`;
  const server = new ServerProcess({ dataDir, port: await freePort(), env: { CENTRIC_ADMIN_TOKEN: token } });
  await server.start();
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const send = (path: string, writeKey: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  return {
    url: server.url,
    token,
    dataDir,
    server,
    admin,
    send,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium through playwright-core, with a profile directory of its own that is removed afterwards. */
export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'centric-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A demo server with a browser on it: what each console test file runs against. */
export interface ConsoleUnderTest {
  demo: DemoServer;
  context: BrowserContext;
  page: Page;
  close: () => Promise<void>;
}

/** Starts a demo company's server and a browser; `signedIn` signs the browser in through the console's page. */
export async function startConsole(company: { customers: number; days: number }, options: { signedIn: boolean }): Promise<ConsoleUnderTest> {
  const demo = await startDemoServer(company);
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  try {
    browser = await launchBrowser();
    if (options.signedIn) await signIn(browser.page, demo.url, demo.token);
  } catch (error) {
    await browser?.close();
    await demo.stop();
    throw error;
  }
  const { context, page, close } = browser;
  return {
    demo,
    context,
    page,
    close: async () => {
      await close();
      await demo.stop();
    },
  };
}

/** Signs in through the console's own sign-in page. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
}

/** Saves a screenshot (the whole page, or what the window shows) under test-artifacts/console/. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}
