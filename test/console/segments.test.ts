import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot, startConsole, type ConsoleUnderTest, type DemoServer } from './console-harness.ts';

const SEGMENT = 'Repeat buyers (console test)';
/** What the "Bought twice in 90 days" template must mean. */
const BOUGHT_TWICE = { version: 1, condition: { kind: 'performed', event: 'Order Completed', count: { op: 'at_least', value: 2 }, window: { lastDays: 90 } } };

let harness: ConsoleUnderTest;
let demo: DemoServer;
let page: Page;
let segmentId: string;

beforeAll(async () => {
  harness = await startConsole({ customers: 12, days: 30 }, { signedIn: true });
  ({ demo, page } = harness);
  // Three shop customers of our own: two buy twice or more, one buys once.
  const source = await demo.admin('POST', '/sources', { name: 'Segments test shop', channel: 'web', department: 'sales' });
  const order = (userId: string, revenue: number) => ({ type: 'track', userId, event: 'Order Completed', properties: { revenue } });
  const batch = [
    { type: 'identify', userId: 'seg-ada', traits: { name: 'Ada Lovelace', email: 'ada@example.com' } },
    { type: 'identify', userId: 'seg-grace', traits: { name: 'Grace Hopper', email: 'grace@example.com' } },
    { type: 'identify', userId: 'seg-alan', traits: { name: 'Alan Turing', email: 'alan@example.com' } },
    order('seg-ada', 30), order('seg-ada', 45), order('seg-grace', 12), order('seg-grace', 80), order('seg-grace', 5), order('seg-alan', 60),
  ];
  const response = await demo.send('/v1/batch', source.writeKey, { batch });
  expect(response.status).toBe(200);
  // A lookup fails until the events are stored: that is "not yet", not an error.
  const stored = async () => {
    const counts = await Promise.all(['seg-ada', 'seg-grace', 'seg-alan'].map(async (userId) => (await profileOf(userId)).summary.eventCount));
    return counts.join() === '3,4,2';
  };
  await vi.waitUntil(() => stored().catch(() => false), { timeout: 15_000, interval: 100 });
}, 120_000);

afterAll(() => harness?.close());

async function profileOf(userId: string): Promise<any> {
  return demo.admin('GET', `/profiles/lookup?type=user_id&value=${userId}`);
}

async function allMembers(id: string): Promise<Array<{ profileId: string; displayName: string | null }>> {
  return (await demo.admin('GET', `/segments/${id}/members?limit=500`)).items;
}

function number(value: number): string {
  return value.toLocaleString('en-US');
}

describe('the console, segments', () => {
  it('lists the computed traits a new workspace starts with', async () => {
    await page.getByRole('link', { name: 'Segments', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Segments' }).waitFor();
    const traits = page.getByRole('region', { name: /Computed traits/ });
    await expect.poll(() => traits.locator('tbody tr').count()).toBe((await demo.admin('GET', '/computed-traits')).items.length);
    const row = traits.locator('tr', { hasText: 'lifetime_value' });
    expect(await row.textContent()).toContain('Lifetime value');
    expect(await row.textContent()).toContain('Sum');
    expect(await row.textContent()).toContain('property revenue');
  });

  it('previews the "Bought twice in 90 days" template with the size the API counts, saves it, and shows it ready with that size', async () => {
    await page.getByRole('button', { name: 'New segment' }).click();
    const form = page.getByRole('form', { name: 'New segment' });
    // The demo computes each customer's last NPS score, so the detractors template is offered too.
    expect(await form.getByRole('group', { name: 'Start from' }).getByRole('button').allTextContents()).toEqual([
      'Bought twice in 90 days', 'Store customers who never used the app', 'No purchase for 30 days', 'Detractors in the last survey',
    ]);
    await form.getByRole('button', { name: 'No purchase for 30 days' }).click();
    await form.getByRole('button', { name: 'Bought twice in 90 days' }).click();
    const editor = form.getByLabel('Definition');
    expect(JSON.parse(await editor.inputValue())).toEqual(BOUGHT_TWICE);

    const expected = (await demo.admin('POST', '/segments/preview', { definition: BOUGHT_TWICE })).size as number;
    expect(expected).toBeGreaterThanOrEqual(2);
    await expect.poll(() => form.getByTestId('preview-size').textContent()).toBe(number(expected));
    await expect.poll(() => form.getByRole('status', { name: 'Preview result' }).getByRole('link').count()).toBe(Math.min(expected, 8));

    await form.getByLabel('Name').fill(SEGMENT);
    await screenshot(page, 'segments-new');
    await form.getByRole('button', { name: 'Save segment' }).click();
    const notice = page.getByRole('status').filter({ hasText: `Segment “${SEGMENT}” saved` });
    await expect.poll(() => notice.count()).toBe(1);
    expect(await page.getByRole('form', { name: 'New segment' }).count()).toBe(0);

    // The list asks again by itself while the segment computes: no reload here.
    const row = page.locator(`tr[data-segment="${SEGMENT}"]`);
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('ready');
    await expect.poll(() => row.getByTestId('segment-size').textContent(), { timeout: 20_000 }).toBe(number(expected));
    expect(await notice.textContent()).toContain(`saved and computed: ${number(expected)} customers are in it now`);
    segmentId = (await demo.admin('GET', '/segments')).items.find((segment: any) => segment.name === SEGMENT).id;
    const members = await allMembers(segmentId);
    expect(members.length).toBe(expected);
    const names = members.map((member) => member.displayName);
    expect(names).toEqual(expect.arrayContaining(['Ada Lovelace', 'Grace Hopper']));
    expect(names).not.toContain('Alan Turing');
    await screenshot(page, 'segments');
  });

  it('opens the segment with its definition, members, history and a CSV of the members, and a member opens the customer', async () => {
    await page.getByRole('link', { name: SEGMENT }).click();
    await page.getByRole('heading', { level: 1, name: SEGMENT }).waitFor();
    expect(page.url()).toBe(`${demo.url}/segments/${segmentId}`);
    expect(JSON.parse((await page.locator('pre.definition').textContent())!)).toEqual(BOUGHT_TWICE);

    const firstPage = (await demo.admin('GET', `/segments/${segmentId}/members?limit=25`)).items;
    const members = page.getByRole('table', { name: 'Members' });
    await expect.poll(() => members.locator('tbody tr td:first-child').allTextContents()).toEqual(
      firstPage.map((member: any) => member.displayName ?? member.profileId),
    );
    const history = page.getByRole('table', { name: 'Recent changes' });
    await expect.poll(() => history.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await history.locator('tbody tr').first().textContent()).toContain('entered');
    await screenshot(page, 'segment-detail');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`${SEGMENT}.csv`);
    const lines = readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('profile_id,display_name,email,user_id,entered_at');
    expect(lines.length - 1).toBe((await allMembers(segmentId)).length);
    expect(lines.some((line) => line.includes('Ada Lovelace') && line.includes('ada@example.com') && line.includes('seg-ada'))).toBe(true);

    await members.getByRole('link', { name: 'Ada Lovelace' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ada Lovelace' }).waitFor();
    const block = page.getByRole('region', { name: /Segments/ });
    await block.getByRole('link', { name: SEGMENT }).waitFor();
    await expect.poll(() => block.textContent()).toContain('Lifetime value');
    await expect.poll(() => block.locator('dt', { hasText: 'Lifetime value' }).locator('xpath=following-sibling::dd[1]').textContent()).toBe('75');
    await screenshot(page, 'customer-segments');
  });

  it('names the field the server refuses, beside the editor, and says when the text is not JSON', async () => {
    await page.getByRole('link', { name: 'Segments', exact: true }).click();
    await page.getByRole('button', { name: 'New segment' }).click();
    const form = page.getByRole('form', { name: 'New segment' });
    const editor = form.getByLabel('Definition');
    await editor.fill(JSON.stringify({ version: 1, condition: { kind: 'performed', event: 'Order Completed', count: { op: 'twice', value: 2 } } }));
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('The server does not accept this definition: definition.condition.count.op');
    await form.getByLabel('Name').fill('Never saved');
    const saved = page.waitForResponse((response) => response.url().endsWith('/api/v1/segments') && response.request().method() === 'POST');
    await form.getByRole('button', { name: 'Save segment' }).click();
    expect((await saved).status()).toBe(400);
    // Said once, beside the editor, not again under the form.
    expect(await form.getByRole('alert').count()).toBe(1);
    expect(await form.getByRole('alert').textContent()).toContain('definition.condition.count.op');
    await screenshot(page, 'segments-refused');

    await editor.fill('{"version": 1, "condition": ');
    await expect.poll(() => form.textContent()).toContain('This is not valid JSON yet');
    expect(await form.getByRole('button', { name: 'Save segment' }).isDisabled()).toBe(true);
    await form.getByRole('button', { name: 'Cancel' }).click();
    expect((await demo.admin('GET', '/segments')).items.map((segment: any) => segment.name)).not.toContain('Never saved');
  });

  it('deletes a segment after a confirmation, and says plainly when another segment still names it', async () => {
    const loyal = await demo.admin('POST', '/segments', {
      name: 'Loyal repeat buyers',
      definition: { version: 1, condition: { kind: 'and', conditions: [{ kind: 'segment', segmentId }, { kind: 'performed', event: 'Order Completed', count: { op: 'at_least', value: 3 } }] } },
    });

    await page.goto(`${demo.url}/segments/${segmentId}`);
    await page.getByRole('heading', { level: 1, name: SEGMENT }).waitFor();
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('dialog', { name: 'Delete this segment?' }).getByRole('button', { name: 'Delete segment' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'The segment was not deleted.' });
    await expect.poll(() => refusal.textContent()).toContain('"Loyal repeat buyers"');
    expect(await refusal.textContent()).toContain('change those first');
    expect(page.url()).toBe(`${demo.url}/segments/${segmentId}`);

    await page.goto(`${demo.url}/segments/${loyal.id}`);
    await page.getByRole('heading', { level: 1, name: 'Loyal repeat buyers' }).waitFor();
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('dialog', { name: 'Delete this segment?' }).getByRole('button', { name: 'Delete segment' }).click();
    await page.getByRole('heading', { level: 1, name: 'Segments' }).waitFor();
    await page.locator(`tr[data-segment="${SEGMENT}"]`).waitFor();
    expect(await page.locator('tr[data-segment="Loyal repeat buyers"]').count()).toBe(0);
    const names = (await demo.admin('GET', '/segments')).items.map((segment: any) => segment.name);
    expect(names).toContain(SEGMENT);
    expect(names).not.toContain('Loyal repeat buyers');
  });

  it('reads well on a tablet', async () => {
    const tablet = await harness.context.newPage();
    try {
      await tablet.setViewportSize({ width: 768, height: 1024 });
      await tablet.goto(`${demo.url}/segments/${segmentId}`);
      await tablet.getByRole('table', { name: 'Members' }).waitFor();
      expect(await tablet.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(768);
      await screenshot(tablet, 'segment-detail-tablet', false);

      await tablet.getByRole('link', { name: 'Segments', exact: true }).click();
      await tablet.getByRole('button', { name: 'New segment' }).click();
      await tablet.getByTestId('preview-size').waitFor();
      expect(await tablet.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(768);
      await screenshot(tablet, 'segments-new-tablet', false);
    } finally {
      await tablet.close();
    }
  });
});
