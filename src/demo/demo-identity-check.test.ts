import { describe, expect, it } from 'vitest';
import { DEFAULT_IDENTITY_RULES } from '../core/identity-rules.ts';
import { checkIdentities } from './demo-identity-check.ts';
import { createDemoCompany } from './demo-company.ts';

const company = createDemoCompany({ customers: 40, days: 60, seed: 3 });
const rules = { ...DEFAULT_IDENTITY_RULES, defaultCountry: 'DE' };

describe('identity check against the ground truth', () => {
  it('reports one profile for everybody as over-merged and a profile per identifier as split', async () => {
    const nothingStored = await checkIdentities({ company, rules, ownerOf: async () => null });
    expect(nothingStored.customers).toBe(40);
    expect(nothingStored.profiles).toBe(0);

    const everybody = await checkIdentities({ company, rules, ownerOf: async () => 'prf_all' });
    expect(everybody.profiles).toBe(1);
    expect(everybody.splits).toEqual([]);
    expect(everybody.joined).toHaveLength(1);
    expect(everybody.joined[0]!.knownPeople.length).toBeGreaterThan(30);

    const apart = await checkIdentities({ company, rules, ownerOf: async (identifier) => `prf_${identifier.type}_${identifier.value}` });
    expect(apart.joined).toEqual([]);
    expect(apart.splits.length).toBeGreaterThan(30);
    expect(apart.customersInOneProfile).toBeLessThan(5);
  });

  it('leaves identifiers several people use out, so the test address does not count as joining the testers', async () => {
    const check = await checkIdentities({
      company, rules, ownerOf: async (identifier) => (identifier.type === 'email' && identifier.value === 'test@test.com' ? 'prf_tests' : `prf_${identifier.value}`),
    });
    expect(check.shared).toContainEqual({ identifier: 'email:test@test.com', people: 50 });
    expect(check.joined.filter((profile) => profile.profileId === 'prf_tests')).toEqual([]);
  });
});
