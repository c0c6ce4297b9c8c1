import type { DemoCompany, DemoCustomer } from './demo-company.ts';
import type { IdentityCheck } from './demo-identity-check.ts';
import type { DemoLoadResult } from './demo-loader.ts';
import { formatCount, formatDuration } from '../cli/progress-display.ts';
import { eventsPerSecond } from './demo-progress.ts';

/** What the person at the terminal reads after a demo load: what was stored, and how well identities resolved. */

export function formatLoadSummary(result: DemoLoadResult): string {
  const count = (value: number) => formatCount(value).padStart(10);
  const lines = [
    `${result.interrupted ? 'Interrupted after' : 'Loaded'} ${formatCount(result.events)} events in ${formatDuration(result.elapsedMs)}` +
      ` (${formatCount(eventsPerSecond(result))} events/s)`,
    `  stored      ${count(result.stored)}  new events`,
    `  duplicates  ${count(result.duplicates)}  stored by an earlier run`,
    `  rejected    ${count(result.rejected)}`,
  ];
  for (const rejection of result.rejections) lines.push(`    ${rejection}`);
  if (result.interrupted) lines.push('Run the same command again to go on: events already stored are recognised and skipped.');
  return lines.join('\n');
}

export function formatIdentityCheck(company: DemoCompany, check: IdentityCheck): string {
  const count = (value: number) => formatCount(value).padStart(10);
  const { customers } = company.options;
  const lines = [
    `Identity resolution, checked against who really made each event:`,
    `  customers   ${count(customers)}  (+ ${formatCount(check.people - check.customers)} anonymous visitors and test accounts)`,
    `  profiles    ${count(check.profiles)}  (anonymous receipts, calls and visits nobody identified are profiles of their own)`,
  ];
  if (check.merges !== null) lines.push(`  merges      ${count(check.merges)}  (profiles joined when an event linked them)`);
  lines.push(
    `  one profile ${count(check.customersInOneProfile)}  customers with all their identifiers in one profile`,
    `  unlinked    ${count(check.customersUnlinked)}  customers whose parts no event links (a customer number only ever on letters, say)`,
    `  split       ${count(check.splits.filter((split) => split.person.startsWith('c')).length)}  customers whose linked identifiers sit in several profiles (under-merged)`,
  );
  const knownJoined = check.joined.filter((profile) => profile.knownPeople.length > 1);
  const anonymousJoined = check.joined.filter((profile) => profile.knownPeople.length <= 1);
  lines.push(
    `  joined      ${count(knownJoined.length)}  profiles holding several known people (over-merged)`,
    `  glued       ${count(anonymousJoined.length)}  profiles gathering anonymous events of several people (${formatCount(anonymousJoined.reduce((sum, profile) => sum + profile.people.length, 0))} people)`,
  );
  if (check.shared.length > 0) {
    const traps = check.shared.slice(0, 4).map((shared) => `${shared.identifier} (${shared.people} people)`).join(', ');
    lines.push(`  shared      ${count(check.shared.length)}  identifiers several people use, left out of the check: ${traps}${check.shared.length > 4 ? ', ...' : ''}`);
  }
  for (const profile of knownJoined.slice(0, 3)) {
    lines.push(`    over-merged ${profile.profileId}: ${profile.knownPeople.slice(0, 6).join(', ')}${profile.knownPeople.length > 6 ? ', ...' : ''} (${profile.examples.slice(0, 3).join('; ')})`);
  }
  for (const split of check.splits.filter((entry) => entry.person.startsWith('c')).slice(0, 3)) {
    lines.push(`    split ${split.person}: ${split.profiles.map((profile) => `${profile.profileId} [${profile.identifiers.slice(0, 3).join(', ')}]`).join(' / ')}`);
  }
  return lines.join('\n');
}

/** A customer worth looking up: known online and in a store, a caller who gave their number, with orders and invoices. */
export function showcaseCustomer(company: DemoCompany): DemoCustomer | null {
  const score = (customer: DemoCustomer) =>
    (customer.phoneGiven ? 4 : 0) + (customer.userId ? 1 : 0) + (customer.loyaltyCard ? 1 : 0) + Math.min(customer.stories.calls, 1) + Math.min(customer.stories.orders, 1) +
    Math.min(customer.stories.storeVisits, 1) + Math.min(customer.stories.complaints, 1) + Math.min(customer.stories.surveys, 1) + (customer.newsletter ? 1 : 0);
  let best: DemoCustomer | null = null;
  for (const customer of company.customers) if (!best || score(customer) > score(best)) best = customer;
  return best;
}

/** Lookups to paste into a shell: one customer by phone as written at home, by email, by customer number; the traps. */
export function lookupExamples(company: DemoCompany, url: string, token: string): string {
  const customer = showcaseCustomer(company);
  const lookup = (type: string, value: string) =>
    `  curl -sG ${url}/api/v1/profiles/lookup -H 'authorization: Bearer ${token}' --data-urlencode type=${type} --data-urlencode 'value=${value}'`;
  const lines: string[] = [];
  if (customer) {
    lines.push(`${customer.name} (${customer.city}) by phone as written at home, by email, by customer number:`);
    lines.push(lookup('phone', customer.phoneNational), lookup('email', customer.email), lookup('customer_number', customer.customerNumber));
    lines.push(`Their timeline across departments: curl -s ${url}/api/v1/profiles/PROFILE_ID/events -H 'authorization: Bearer ${token}'`);
  }
  const family = company.families[0];
  if (family) {
    lines.push(`A family tablet used by ${family.members.join(' and ')}: two customers, not one:`);
    lines.push(lookup('user_id', family.members[0]), lookup('user_id', family.members[1]));
  }
  lines.push(`${company.testAccounts.length} test accounts typed "${company.sharedTestEmail}"; each stays a profile of its own:`);
  lines.push(lookup('user_id', company.testAccounts[1] ?? company.testAccounts[0]!));
  return lines.join('\n');
}
