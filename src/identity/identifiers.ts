import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { IdentityRules } from '../core/identity-rules.ts';

/** One way a touchpoint knows a customer, normalised: (type, value). */
export interface Identifier {
  type: string;
  value: string;
}

export type NormaliseResult = { ok: true; value: string } | { ok: false; reason: string };

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const ALL_ZERO = /^[0\-_.:\s]+$/;

/**
 * Normalises one identifier value for its type, or says why it cannot link anything:
 * emails are trimmed and lower-cased, phones become E.164, blocked and all-zero values are refused.
 */
export function normaliseIdentifier(type: string, raw: unknown, rules: IdentityRules): NormaliseResult {
  if (typeof raw !== 'string' && typeof raw !== 'number') return { ok: false, reason: 'is not a string' };
  let value = String(raw).trim();
  if (isBlocked(value, rules)) return { ok: false, reason: `"${value}" is a blocked value` };
  if (type === 'email') {
    value = value.toLowerCase();
    if (!EMAIL.test(value)) return { ok: false, reason: `"${value}" is not an email address` };
  } else if (type === 'phone') {
    const phone = parsePhoneNumberFromString(value, (rules.defaultCountry ?? undefined) as CountryCode | undefined);
    if (!phone || !phone.isValid()) {
      return {
        ok: false,
        reason: `"${value}" is not a valid phone number${rules.defaultCountry ? ` (default country ${rules.defaultCountry})` : '; national numbers need a default country'}`,
      };
    }
    value = phone.number;
  }
  if (value.length > 512) return { ok: false, reason: 'is longer than 512 characters' };
  return { ok: true, value };
}

function isBlocked(value: string, rules: IdentityRules): boolean {
  if (value === '') return true;
  const bare = value.replace(/^["'`]+|["'`]+$/g, '').trim().toLowerCase();
  if (bare === '' || ALL_ZERO.test(bare)) return true;
  return rules.blockedValues.includes(bare);
}

export interface ExtractedIdentifiers {
  identifiers: Identifier[];
  /** An alias call's previousId: a user_id or anonymous_id, whichever the workspace knows. */
  previousId?: string;
  warnings: string[];
}

/**
 * The identifiers an event carries: userId, anonymousId, email and phone from `traits` and
 * `context.traits`, alias's previousId, and `context.externalIds` of declared types.
 */
export function extractIdentifiers(payload: Record<string, unknown>, rules: IdentityRules): ExtractedIdentifiers {
  const found: Identifier[] = [];
  const warnings: string[] = [];
  const add = (type: string, raw: unknown, where: string) => {
    if (raw === undefined || raw === null) return;
    const result = normaliseIdentifier(type, raw, rules);
    if (!result.ok) {
      warnings.push(`${where} ${result.reason}; it links nothing`);
      return;
    }
    if (!found.some((known) => known.type === type && known.value === result.value)) found.push({ type, value: result.value });
  };
  add('user_id', payload.userId, 'userId');
  add('anonymous_id', payload.anonymousId, 'anonymousId');
  let previousId: string | undefined;
  if (payload.type === 'alias' && payload.previousId !== undefined) {
    const result = normaliseIdentifier('user_id', payload.previousId, rules);
    if (result.ok) previousId = result.value;
    else warnings.push(`previousId ${result.reason}; it links nothing`);
  }
  const context = asObject(payload.context);
  for (const [traits, where] of [[asObject(payload.traits), 'traits'], [asObject(context?.traits), 'context.traits']] as const) {
    if (!traits) continue;
    add('email', traits.email, `${where}.email`);
    add('phone', traits.phone, `${where}.phone`);
  }
  const externalIds = context?.externalIds;
  if (Array.isArray(externalIds)) {
    externalIds.forEach((entry, index) => {
      const external = asObject(entry);
      const type = typeof external?.type === 'string' ? external.type.trim().toLowerCase() : '';
      if (!rules.types[type]) {
        warnings.push(`context.externalIds[${index}] has type "${type}", which this workspace does not declare; it links nothing`);
        return;
      }
      add(type, external?.id, `context.externalIds[${index}].id`);
    });
  }
  return previousId === undefined ? { identifiers: found, warnings } : { identifiers: found, previousId, warnings };
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function identifierKey(identifier: Identifier): string {
  return `${identifier.type}\u0000${identifier.value}`;
}

/** The key of an identifier within a workspace, for maps that span workspaces. */
export function identityKey(workspaceId: string, identifier: Identifier): string {
  return `${workspaceId}\u0000${identifierKey(identifier)}`;
}

export function priorityOf(type: string, rules: IdentityRules): number {
  return rules.types[type]?.priority ?? 50;
}
