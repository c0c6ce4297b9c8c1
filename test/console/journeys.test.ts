import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createDemoCompany } from '../../src/demo/demo-company.ts';
import { screenshot, startConsole, type ConsoleUnderTest, type DemoServer } from './console-harness.ts';

const COMPANY = { customers: 120, days: 90 };
const DAY = 86_400_000;

let harness: ConsoleUnderTest;
let demo: DemoServer;
let page: Page;

beforeAll(async () => {
  harness = await startConsole(COMPANY, { signedIn: true });
  ({ demo, page } = harness);
  // The analytics copy fills in the background after the start; the questions need all of it.
  const events = createDemoCompany(COMPANY).countEvents();
  const deadline = Date.now() + 30_000;
  while ((await demo.admin('GET', '/analytics/status')).events < events) {
    if (Date.now() > deadline) throw new Error('the analytics copy did not catch up in 30 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}, 90_000);

afterAll(() => harness?.close());

/** The range the page shows, as the API takes it: whole days in UTC, the last one included. */
async function shownRange(): Promise<{ from: string; to: string }> {
  const from = await page.getByLabel('From', { exact: true }).inputValue();
  const to = await page.getByLabel('To', { exact: true }).inputValue();
  return { from: `${from}T00:00:00.000Z`, to: new Date(Date.parse(`${to}T00:00:00.000Z`) + DAY).toISOString() };
}

async function cellNumbers(selector: string): Promise<number[]> {
  return (await page.locator(selector).allTextContents()).map((text) => Number(text.replaceAll(',', '')));
}

describe('the console, journeys and touchpoints', () => {
  it('builds a funnel whose numbers are the API\'s, with a breakdown and the customers behind a number', async () => {
    await page.getByRole('link', { name: 'Journeys' }).click();
    await page.getByRole('heading', { level: 1, name: 'Journeys' }).waitFor();
    const steps = page.getByRole('form', { name: 'Funnel steps' });
    await steps.getByLabel('Step 1', { exact: true }).fill('Product Viewed');
    await steps.getByLabel('Step 2', { exact: true }).fill('Checkout Started');
    await steps.getByLabel('Step 3', { exact: true }).fill('Order Completed');
    await steps.getByRole('button', { name: 'Remove step 4' }).click();
    await steps.getByLabel('Break down by').selectOption('channel');
    await steps.getByRole('button', { name: 'Show funnel' }).click();
    await expect.poll(() => page.locator('.funnel-table tbody tr').count()).toBe(3);
    await expect.poll(() => page.locator('.funnel-table tbody tr td:first-child').allTextContents()).toEqual([
      '1. Product Viewed',
      '2. Checkout Started',
      '3. Order Completed',
    ]);

    const body = {
      ...(await shownRange()),
      steps: [{ event: 'Product Viewed' }, { event: 'Checkout Started' }, { event: 'Order Completed' }],
      window: '7d',
      order: 'loose',
      breakdown: 'channel',
    };
    const answer = await demo.admin('POST', '/analytics/funnels', body);
    expect(answer.total.steps[0].customers).toBeGreaterThan(0);
    await expect.poll(() => cellNumbers('.funnel-table tbody tr td:nth-child(2)')).toEqual(answer.total.steps.map((step: any) => step.customers));
    expect(await cellNumbers('.funnel-table tbody tr td:nth-child(5) button')).toEqual(answer.total.steps.slice(1).map((step: any) => step.droppedOff));
    const breakdownRows = page.locator('.breakdown tbody tr');
    expect(await breakdownRows.count()).toBe(answer.groups.length);
    expect(Number((await breakdownRows.first().locator('td').nth(1).textContent())!.replaceAll(',', ''))).toBe(answer.groups[0].steps[0].customers);
    await screenshot(page, 'journeys-funnel');

    await page.getByTestId('reached-3').click();
    const listed = await demo.admin('POST', '/analytics/funnels/customers', { ...body, step: 3, limit: 50 });
    await expect.poll(() => page.locator('.customer-chips li').count()).toBe(listed.items.length);
    await page.locator('.customer-chips a').first().click();
    await page.waitForURL(`${demo.url}/customers/${listed.items[0].profileId}`);
    await page.locator('.customer-header h1').waitFor();
    await page.goBack();
  });

  it('draws the paths as a sankey for the customers the API counts', async () => {
    await page.goto(`${demo.url}/journeys?view=paths`);
    const heading = page.locator('#paths-title');
    await heading.waitFor();
    const answer = await demo.admin('POST', '/analytics/paths', { ...(await shownRange()), stepKind: 'touchpoint', direction: 'after', depth: 4, branches: 5 });
    expect(answer.total.customers).toBeGreaterThan(0);
    expect((await heading.textContent())!.replaceAll(',', '')).toContain(`of ${answer.total.customers} customers`);
    // The sankey's nodes carry the touchpoint names: the busiest first touchpoint is drawn.
    const first = answer.total.nodes.filter((node: any) => node.depth === 0).sort((a: any, b: any) => b.customers - a.customers)[0].name;
    await expect.poll(() => page.locator('.chart svg text').allTextContents()).toContain(first);
    expect(await page.locator('.chart svg path').count()).toBeGreaterThan(answer.total.links.length / 4);
    await screenshot(page, 'journeys-paths');
  });

  it('shows channel switching as a heatmap', async () => {
    await page.getByRole('tab', { name: 'Channel switching' }).click();
    const heading = page.locator('#switching-title');
    await heading.waitFor();
    const answer = await demo.admin('POST', '/analytics/channel-switching', { ...(await shownRange()) });
    expect((await heading.textContent())!.replaceAll(',', '')).toContain(`of ${answer.total.customers} customers used more than one channel`);
    await screenshot(page, 'journeys-switching');
  });

  it('lists every touchpoint with its change against the period before, significant ones marked', async () => {
    await page.getByRole('link', { name: 'Touchpoints' }).click();
    await page.locator('.usage-table').waitFor();
    const answer = await demo.admin('POST', '/analytics/touchpoint-usage', { ...(await shownRange()), interval: 'week' });
    const rows = page.locator('.usage-table tbody tr');
    await expect.poll(() => rows.count()).toBe(answer.total.touchpoints.length);
    const flagged = answer.total.touchpoints.filter((row: any) => row.interactions.significant || row.customers.significant).length;
    expect(await page.locator('.usage-table tbody tr.significant').count()).toBe(flagged);
    expect(await cellNumbers('.usage-table tbody tr td:nth-child(2)')).toEqual(answer.total.touchpoints.map((row: any) => row.interactions.current));
    await screenshot(page, 'touchpoints');
  });

  it('fits every main page on a tablet without sideways scrolling', async () => {
    const tablet = await harness.context.newPage();
    try {
      await tablet.setViewportSize({ width: 768, height: 1024 });
      for (const [path, ready] of [
        ['/customers', '.search'],
        ['/sources', '.source-item'],
        ['/journeys', '.funnel-table'],
        ['/journeys?view=paths', '#paths-title'],
        ['/touchpoints', '.usage-table'],
      ] as const) {
        await tablet.goto(`${demo.url}${path}`);
        await tablet.locator(ready).first().waitFor();
        expect(await tablet.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(768);
      }
      await screenshot(tablet, 'touchpoints-tablet', false);
    } finally {
      await tablet.close();
    }
  });
});
