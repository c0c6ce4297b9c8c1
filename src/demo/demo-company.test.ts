import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_RULES } from '../core/identity-rules.ts';
import { normaliseIdentifier } from '../identity/identifiers.ts';
import { createDemoCompany, DEMO_SOURCES, type DemoEvent } from './demo-company.ts';

const sourceByKey = new Map(DEMO_SOURCES.map((source) => [source.key, source]));
const germanRules = { ...DEFAULT_IDENTITY_RULES, defaultCountry: 'DE' };

/** Where an event happened, as the ingest pipeline will work it out: the event's override, else its source. */
function whereOf({ sourceKey, event }: DemoEvent): { channel: string; touchpoint: string; department: string } {
  const source = sourceByKey.get(sourceKey)!;
  const override = ((event.context as Record<string, unknown> | undefined)?.touchpoint ?? {}) as Record<string, string>;
  return { channel: override.channel ?? source.channel, touchpoint: override.name ?? source.touchpoint, department: override.department ?? source.department };
}

const small = createDemoCompany({ customers: 200, seed: 7 });
const smallEvents = [...small.events()];

describe('demo company', () => {
  it('gives the same events, messageIds included, for the same seed, and other events for another', () => {
    const again = [...createDemoCompany({ customers: 200, seed: 7 }).events()];
    expect(again.map((event) => JSON.stringify(event))).toEqual(smallEvents.map((event) => JSON.stringify(event)));
    const other = [...createDemoCompany({ customers: 200, seed: 8 }).events()];
    expect(other.slice(0, 50).map((event) => event.event.messageId)).not.toEqual(smallEvents.slice(0, 50).map((event) => event.event.messageId));
  });

  it('yields events in time order with unique messageIds, within the year it covers', () => {
    const start = Date.parse('2025-10-31T23:00:00Z');
    const end = Date.parse('2026-11-01T00:00:00Z') + 86_400_000;
    let last = 0;
    for (const { time, event } of smallEvents) {
      expect(time).toBeGreaterThanOrEqual(last);
      expect(Date.parse(event.timestamp)).toBe(time);
      last = time;
    }
    expect(smallEvents[0]!.time).toBeGreaterThanOrEqual(start);
    expect(last).toBeLessThan(end);
    expect(new Set(smallEvents.map((event) => event.event.messageId)).size).toBe(smallEvents.length);
    expect(small.countEvents()).toBe(smallEvents.length);
  });

  it('has about fifty events a customer, and twice the customers give about twice the events', () => {
    const perCustomer = smallEvents.length / 200;
    expect(perCustomer).toBeGreaterThan(35);
    expect(perCustomer).toBeLessThan(70);
    const ratio = createDemoCompany({ customers: 400, seed: 7 }).countEvents() / smallEvents.length;
    expect(ratio).toBeGreaterThan(1.6);
    expect(ratio).toBeLessThan(2.4);
  });

  it('covers every department and channel, and events of one customer span several departments', () => {
    const departments = new Set<string>();
    const channels = new Set<string>();
    const storeTouchpoints = new Set<string>();
    const departmentsOf = new Map<string, Set<string>>();
    for (const event of smallEvents) {
      const where = whereOf(event);
      departments.add(where.department);
      channels.add(where.channel);
      if (where.channel === 'store') storeTouchpoints.add(where.touchpoint);
      let seen = departmentsOf.get(event.person);
      if (!seen) departmentsOf.set(event.person, (seen = new Set()));
      seen.add(where.department);
    }
    expect([...departments].sort()).toEqual(['billing', 'complaints', 'marketing', 'sales', 'service']);
    for (const channel of ['web', 'app', 'email', 'store', 'phone', 'chat', 'whatsapp', 'letter']) expect(channels).toContain(channel);
    expect([...storeTouchpoints].sort()).toEqual(['store berlin-mitte', 'store hamburg', 'store köln', 'store münchen']);
    const acrossThree = small.customers.filter((customer) => (departmentsOf.get(customer.person)?.size ?? 0) >= 3);
    expect(acrossThree.length).toBeGreaterThan(small.customers.length / 3);
  });

  it('writes phone numbers the many ways people do, each one readable as the customer\'s German number', () => {
    const written = new Set<string>();
    const raws: string[] = [];
    for (const { event, person } of smallEvents) {
      const customer = small.customers.find((candidate) => candidate.person === person);
      const context = (event.context ?? {}) as { traits?: { phone?: string } };
      const raw = context.traits?.phone ?? (event.traits as { phone?: string } | undefined)?.phone;
      if (!customer || raw === undefined) continue;
      written.add(raw.replace(/\d/g, '9'));
      raws.push(raw);
      const normalised = normaliseIdentifier('phone', raw, germanRules);
      expect(normalised.ok, raw).toBe(true);
      expect([customer.phone, customer.workPhone]).toContain(normalised.ok ? normalised.value : null);
    }
    expect(written.size).toBeGreaterThan(8);
    expect(raws.some((raw) => raw.startsWith('0049 '))).toBe(true);
    expect(raws.some((raw) => raw.startsWith('+49 (0)'))).toBe(true);
    expect(raws.some((raw) => /^0\d+ \d+$/.test(raw))).toBe(true);
  });

  it('plants the traps: test accounts sharing one address, family tablets, house loyalty cards', () => {
    expect(small.testAccounts).toHaveLength(50);
    const testEmails = smallEvents.filter(({ person, event }) => person.startsWith('qa') && event.type === 'identify').map(({ event }) => String((event.traits as { email: string }).email).trim().toLowerCase());
    expect(new Set(testEmails)).toEqual(new Set(['test@test.com']));
    const family = small.families[0]!;
    expect(family).toBeDefined();
    const tabletLogins = smallEvents.filter(({ event }) => event.type === 'identify' && event.anonymousId === family.tablet).map(({ event }) => event.userId);
    expect(new Set(tabletLogins)).toEqual(new Set(family.members));
    const houseCardUsers = new Set(
      smallEvents
        .filter(({ event }) => JSON.stringify(event.context ?? {}).includes('LC-HOUSE-'))
        .map(({ person }) => person),
    );
    expect(houseCardUsers.size).toBeGreaterThan(3);
  });
});
