import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ARTIFACTS, screenshot, startConsole, type ConsoleUnderTest, type DemoServer } from './console-harness.ts';

const NODE = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'node');

let harness: ConsoleUnderTest;
let demo: DemoServer;
let page: Page;

beforeAll(async () => {
  harness = await startConsole({ customers: 40, days: 30 }, { signedIn: true });
  ({ demo, page } = harness);
}, 90_000);

afterAll(() => harness?.close());

/** Runs a snippet as the person would after pasting it into a file of their project. */
function runSnippet(name: string, code: string): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.mjs`);
  writeFileSync(file, code);
  const result = spawnSync(NODE, [file], { encoding: 'utf8', timeout: 20_000 });
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
}

async function snippetCode(): Promise<string> {
  return (await page.locator('.code-block pre code').textContent())!;
}

async function eventsOf(sourceId: string): Promise<any[]> {
  return (await demo.admin('GET', `/events?sourceId=${sourceId}`)).items;
}

describe('the console, sources', () => {
  it('lists the demo sources with their defaults', async () => {
    await page.getByRole('link', { name: 'Sources' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sources' }).waitFor();
    const names = (await demo.admin('GET', '/sources')).items.map((source: any) => source.name);
    await expect.poll(() => page.locator('.source-item .source-name').allTextContents()).toEqual(names);
  });

  it('creates a source, shows its write key and a Segment and a RudderStack snippet that work as pasted', async () => {
    await page.getByRole('button', { name: 'New source' }).click();
    const form = page.getByRole('form', { name: 'New source' });
    await form.getByLabel('Name').fill('Kiosk Hamburg');
    await form.getByLabel('Channel').fill('store');
    await form.getByLabel('Touchpoint').fill('kiosk hamburg');
    await form.getByLabel('Department').fill('sales');
    await form.getByRole('button', { name: 'Create source' }).click();

    await page.getByRole('heading', { level: 2, name: 'Kiosk Hamburg', exact: true }).waitFor();
    const source = (await demo.admin('GET', '/sources')).items.find((item: any) => item.name === 'Kiosk Hamburg');
    expect(source).toMatchObject({ channel: 'store', touchpoint: 'kiosk hamburg', department: 'sales' });
    expect(page.url()).toBe(`${demo.url}/sources/${source.id}`);
    expect(await page.getByTestId('write-key').textContent()).toBe(source.writeKey);
    await screenshot(page, 'sources');

    const segment = await snippetCode();
    expect(segment).toContain(`writeKey: '${source.writeKey}'`);
    expect(segment).toContain(`host: '${demo.url}'`);
    runSnippet('segment-node-snippet', segment);

    await page.getByRole('tab', { name: 'RudderStack Node.js' }).click();
    const rudderstack = await snippetCode();
    expect(rudderstack).toContain(`dataPlaneUrl: '${demo.url}'`);
    runSnippet('rudderstack-node-snippet', rudderstack);

    // Both programs' identify and track calls arrived, as the kiosk's store events.
    await expect.poll(async () => (await eventsOf(source.id)).length, { timeout: 10_000 }).toBe(4);
    const events = await eventsOf(source.id);
    expect(events.every((event) => event.channel === 'store' && event.touchpoint === 'kiosk hamburg' && event.department === 'sales')).toBe(true);
    expect(events.filter((event) => event.type === 'track').map((event) => event.payload.context.library.name).sort()).toEqual([
      '@segment/analytics-node',
      'analytics-node',
    ]);
  });

  it('rotates the write key after a confirmation: the old key stops working, the snippet shows the new one', async () => {
    const before = (await demo.admin('GET', '/sources')).items.find((item: any) => item.name === 'Kiosk Hamburg');
    await page.getByRole('button', { name: 'Rotate key…' }).click();
    await page.getByRole('dialog', { name: 'Rotate the write key?' }).getByRole('button', { name: 'Rotate key' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'New write key issued' }).count()).toBe(1);
    const after = (await demo.admin('GET', `/sources/${before.id}`)).writeKey;
    expect(after).not.toBe(before.writeKey);
    expect(await page.getByTestId('write-key').textContent()).toBe(after);
    expect(await snippetCode()).toContain(after);
    const refused = await demo.send('/v1/track', before.writeKey, { userId: 'k-1', event: 'Visited' });
    expect(refused.status).toBe(401);
  });

  it('shows recent failed events with their reasons', async () => {
    const source = (await demo.admin('GET', '/sources')).items.find((item: any) => item.name === 'Kiosk Hamburg');
    const response = await demo.send('/v1/batch', source.writeKey, { batch: [{ type: 'track', userId: 'k-2', event: 'Receipt Printed' }, { type: 'track', event: 'Receipt Printed' }] });
    expect(response.status).toBe(200);
    await page.getByRole('button', { name: 'Refresh' }).click();
    const row = page.locator('table tbody tr').first();
    await expect.poll(() => row.textContent()).toContain('neither "userId" nor "anonymousId"');
    expect(await row.textContent()).toContain('CENTRIC_ERR_EVENT_MISSING_IDENTITY');
    await screenshot(page, 'sources-failed-events');
  });
});
