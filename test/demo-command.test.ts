import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCentric, type CliResult } from './server-process.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/apps/config.ts';
import { openEmbedded, type EmbeddedCentric } from '../src/apps/embedded.ts';
import { createDemoCompany } from '../src/demo/demo-company.ts';
import { showcaseCustomer } from '../src/demo/demo-report.ts';

const CUSTOMERS = 300;

const dir = mkdtempSync(join(tmpdir(), 'centric-demo-cli-'));
const dataDir = join(dir, 'demo-data');
/** The same company the command generates with its default seed. */
const company = createDemoCompany({ customers: CUSTOMERS });

/** `centric ...` as a real child process, as a user would run it. */
function centric(args: string[]): Promise<CliResult> {
  return runCentric(dir, args);
}

async function withCentric<T>(use: (centric: EmbeddedCentric) => Promise<T>): Promise<T> {
  const centric = await openEmbedded(loadConfig({ dataDir }, {}));
  try {
    return await use(centric);
  } finally {
    await centric.close();
  }
}

let firstRun: CliResult;
let eventsAfterFirstRun: number;

beforeAll(async () => {
  firstRun = await centric(['demo', '--no-serve', '--customers', String(CUSTOMERS), '--data-dir', dataDir]);
  eventsAfterFirstRun = await withCentric((c) => c.store.countEvents('default'));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('centric demo', () => {
  it('loads the generated company and reports what identity resolution made of it', () => {
    expect(firstRun.stderr).not.toContain('centric:');
    expect(firstRun.code).toBe(0);
    expect(firstRun.stdout).toContain('Created 9 sources');
    expect(firstRun.stdout).toContain(`Loaded ${company.countEvents().toLocaleString('en-US')} events`);
    expect(firstRun.stdout).toMatch(/rejected\s+0\n/);
    expect(firstRun.stdout).toMatch(/split\s+0 /);
    expect(eventsAfterFirstRun).toBe(company.countEvents());
  });

  it('finds a customer by the phone number as written at home, with events from at least three departments', async () => {
    const customer = showcaseCustomer(company)!;
    expect(customer.phoneNational).toMatch(/^0\d+ \d+$/);
    await withCentric(async ({ profiles }) => {
      const { profile } = await profiles.lookup('phone', customer.phoneNational);
      expect(profile.identifiers).toEqual(expect.arrayContaining([
        expect.objectContaining({ type: 'user_id', value: customer.userId }),
        expect.objectContaining({ type: 'email', value: customer.email }),
        expect.objectContaining({ type: 'customer_number', value: customer.customerNumber }),
      ]));
      expect((await profiles.lookup('phone', customer.phone.replace(/^\+49/, '0049 '))).profile.id).toBe(profile.id);
      const departments = Object.keys(profile.departments);
      expect(departments.length).toBeGreaterThanOrEqual(3);
      for (const department of departments) {
        const { page } = await profiles.events(profile.id, { limit: 5, departments: [department] });
        expect(page.items.length).toBeGreaterThan(0);
        expect(page.items.every((event) => event.department === department)).toBe(true);
      }
    });
  });

  it('keeps the fifty test accounts that typed the same address apart', async () => {
    await withCentric(async ({ profiles }) => {
      const ids = new Set<string>();
      for (const userId of company.testAccounts) ids.add((await profiles.lookup('user_id', userId)).profile.id);
      expect(ids.size).toBe(company.testAccounts.length);
      const holder = (await profiles.lookup('email', company.sharedTestEmail)).profile;
      expect(holder.identifiers.filter((identifier) => identifier.type === 'user_id')).toHaveLength(1);
    });
  });

  it('keeps family members apart although they share a tablet', async () => {
    expect(company.families.length).toBeGreaterThan(0);
    await withCentric(async ({ profiles }) => {
      for (const family of company.families) {
        const [first, second] = await Promise.all(family.members.map((userId) => profiles.lookup('user_id', userId)));
        expect(first!.profile.id).not.toBe(second!.profile.id);
      }
    });
  });

  it('joins a customer\'s second device to them once they sign in there', async () => {
    const twoDevices = company.customers.filter((customer) => customer.stories.secondDeviceSignedIn);
    expect(twoDevices.length).toBeGreaterThan(5);
    await withCentric(async ({ profiles }) => {
      for (const customer of twoDevices) {
        const { profile } = await profiles.lookup('user_id', customer.userId!);
        expect((await profiles.lookup('anonymous_id', customer.cookies[0]!)).profile.id).toBe(profile.id);
        expect((await profiles.lookup('anonymous_id', customer.cookies[1]!)).profile.id).toBe(profile.id);
      }
    });
  });

  it('stores nothing new when run again, whether it skips the load or sends every event again', async () => {
    const again = await centric(['demo', '--no-serve', '--customers', String(CUSTOMERS), '--data-dir', dataDir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('is loaded already');
    const reload = await centric(['demo', '--no-serve', '--no-check', '--reload', '--customers', String(CUSTOMERS), '--data-dir', dataDir]);
    expect(reload.code).toBe(0);
    expect(reload.stdout).toMatch(/stored\s+0\s+new events/);
    expect(reload.stdout).toContain(`duplicates  ${company.countEvents().toLocaleString('en-US').padStart(10)}`);
    expect(await withCentric((c) => c.store.countEvents('default'))).toBe(eventsAfterFirstRun);
  }, 60_000);
});
