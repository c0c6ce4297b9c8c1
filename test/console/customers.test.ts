import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { createDemoCompany } from '../../src/demo/demo-company.ts';
import { showcaseCustomer } from '../../src/demo/demo-report.ts';
import { screenshot, signIn, startConsole, type ConsoleUnderTest, type DemoServer } from './console-harness.ts';

const COMPANY = { customers: 120, days: 90 };
/** The company `centric demo` generates with these options and its default seed. */
const company = createDemoCompany(COMPANY);

let harness: ConsoleUnderTest;
let demo: DemoServer;
let page: Page;
let graceSource: { id: string; writeKey: string };

beforeAll(async () => {
  // Not signed in: the first test signs in through the page.
  harness = await startConsole(COMPANY, { signedIn: false });
  ({ demo, page } = harness);
  // A customer known first by a cookie and email, then by a user id; one event links the two.
  graceSource = await demo.admin('POST', '/sources', { name: 'Console test shop', channel: 'web', department: 'sales' });
  const batch = [
    { type: 'identify', anonymousId: 'grace-cookie', traits: { email: 'grace.hopper@example.com', name: 'Grace Hopper' } },
    { type: 'track', userId: 'grace-1906', event: 'Signed Up' },
    { type: 'track', userId: 'grace-1906', anonymousId: 'grace-cookie', event: 'Order Completed', properties: { revenue: 42 } },
  ];
  for (const event of batch) await track(event);
  // A lookup fails until the events are stored: that is "not yet", not an error.
  const merged = async () => (await demo.admin('GET', '/profiles/lookup?type=email&value=grace.hopper@example.com')).merges.length === 1;
  await vi.waitUntil(() => merged().catch(() => false), { timeout: 10_000, interval: 100 });
}, 90_000);

afterAll(() => harness?.close());

async function track(event: Record<string, unknown>): Promise<void> {
  const response = await demo.send('/v1/batch', graceSource.writeKey, { batch: [event] });
  expect(response.status).toBe(200);
}

describe('the console, customers', () => {
  it('asks for the admin token, refuses a wrong one in words, and keeps the session in an http-only cookie', async () => {
    await page.goto(`${demo.url}/customers`);
    await page.getByLabel('Admin token').fill('wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not an admin token');
    await screenshot(page, 'sign-in');

    await signIn(page, demo.url, demo.token);
    const cookie = (await harness.context.cookies()).find((entry) => entry.name === 'centric_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookie!.value).not.toContain(demo.token);
    expect(await page.evaluate('document.cookie')).not.toContain('centric_session');
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Who is on the line?');
  });

  it('finds a customer by a phone number typed with spaces and opens their card, with events from three departments', async () => {
    const customer = showcaseCustomer(company)!;
    // "0157 10326532" as someone reads it out: in small groups.
    const digits = customer.phoneNational.replaceAll(' ', '');
    const spoken = `${digits.slice(0, 4)} ${digits.slice(4, 7)} ${digits.slice(7, 10)} ${digits.slice(10)}`.trim();
    await page.getByRole('searchbox', { name: 'Find a customer' }).fill(spoken);
    const hit = page.locator('.hit').first();
    await expect.poll(() => hit.textContent()).toContain(customer.name);
    await screenshot(page, 'customers-search');
    await page.getByRole('searchbox', { name: 'Find a customer' }).press('Enter');

    await page.getByRole('heading', { level: 1, name: customer.name }).waitFor();
    await expect.poll(() => page.locator('.customer-header').textContent()).toContain(customer.email);
    const profile = await demo.admin('GET', `/profiles/lookup?type=phone&value=${encodeURIComponent(customer.phoneNational)}`);
    expect(page.url()).toBe(`${demo.url}/customers/${profile.id}`);

    // The last interaction with each department, at a glance.
    const departments = Object.keys(profile.summary.departments);
    expect(departments.length).toBeGreaterThanOrEqual(3);
    await expect.poll(() => page.locator('.last-list li').count()).toBe(departments.length);

    // The timeline, narrowed to one department at a time, shows that department's events only.
    for (const department of departments.slice(0, 3)) {
      const chip = page.locator(`.filters .chip[data-department="${department}"]`);
      await chip.click();
      await expect.poll(async () => new Set(await page.locator('.event').evaluateAll((items) => items.map((item) => item.getAttribute('data-department'))))).toEqual(
        new Set([department]),
      );
      await chip.click();
    }
    await expect.poll(async () => (await page.locator('.event').count()) > 0).toBe(true);
    await screenshot(page, 'customer-card', false);
  });

  it('undoes a merge only after the confirmation, and the two customers are apart afterwards', async () => {
    await page.goto(`${demo.url}/customers`);
    await page.getByRole('searchbox', { name: 'Find a customer' }).fill('grace.hopper');
    await page.locator('.hit', { hasText: 'Grace Hopper' }).click();
    await page.getByRole('heading', { level: 1, name: 'Grace Hopper' }).waitFor();
    const merges = page.locator('.merge');
    await expect.poll(() => merges.count()).toBe(1);
    expect(await merges.first().textContent()).toContain('grace-1906');

    // Cancelling changes nothing.
    await page.getByRole('button', { name: 'Undo merge…' }).click();
    await page.getByRole('dialog', { name: 'Undo this merge?' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect((await demo.admin('GET', '/profiles/lookup?type=email&value=grace.hopper@example.com')).merges[0].undoneAt).toBeNull();

    await page.getByRole('button', { name: 'Undo merge…' }).click();
    await screenshot(page, 'customer-unmerge-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Undo merge' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Merge undone' }).count()).toBe(1);
    await expect.poll(() => merges.first().textContent()).toContain('Undone');

    const byEmail = await demo.admin('GET', '/profiles/lookup?type=email&value=grace.hopper@example.com');
    const byUserId = await demo.admin('GET', '/profiles/lookup?type=user_id&value=grace-1906');
    expect(byUserId.id).not.toBe(byEmail.id);
    expect(byEmail.merges[0].undoneAt).not.toBeNull();
  });

  it('reads well on a tablet', async () => {
    const customer = showcaseCustomer(company)!;
    const tablet = await harness.context.newPage();
    try {
      await tablet.setViewportSize({ width: 768, height: 1024 });
      await tablet.goto(`${demo.url}/customers?q=${encodeURIComponent(customer.email)}`);
      await tablet.locator('.hit').first().click();
      await tablet.getByRole('heading', { level: 1, name: customer.name }).waitFor();
      await tablet.locator('.event').first().waitFor();
      // Nothing wider than the screen: no sideways scrolling.
      expect(await tablet.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(768);
      await screenshot(tablet, 'customer-card-tablet', false);
    } finally {
      await tablet.close();
    }
  });

  it('signs out: the cookie no longer opens the API and the sign-in page is back', async () => {
    await page.goto(`${demo.url}/customers`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    expect((await harness.context.cookies()).find((entry) => entry.name === 'centric_session')).toBeUndefined();
    const status = await page.evaluate(`fetch('/api/v1/profiles?q=grace').then((response) => response.status)`);
    expect(status).toBe(401);
  });
});
