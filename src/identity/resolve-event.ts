import type { StoredEvent } from '../core/event-schema.ts';
import type { IdentityRules } from '../core/identity-rules.ts';
import { extractIdentifiers, type ExtractedIdentifiers, type Identifier } from './identifiers.ts';
import type { IdentityTx } from './identity-port.ts';
import { resolveIdentity } from './resolver.ts';

export interface EventIdentity {
  profileId: string;
  /** Every identifier the event carried, normalised. */
  carried: Identifier[];
  /** Those that now point at the profile; the rest were refused by a guard. */
  kept: Identifier[];
  warnings: string[];
  mergeIds: number[];
}

/**
 * The ingest step "resolve identity", run inside the commit that stores the event. A store that read
 * the identifiers already (to lock them) passes them as `extracted`, so phones are not parsed twice.
 */
export function resolveEventIdentity(
  tx: IdentityTx, rules: IdentityRules, event: StoredEvent, extracted: ExtractedIdentifiers = extractIdentifiers(event.payload, rules),
): EventIdentity {
  const resolution = resolveIdentity(tx, rules, {
    workspaceId: event.workspaceId,
    messageId: event.messageId,
    identifiers: extracted.identifiers,
    previousId: extracted.previousId,
    at: event.receivedAt,
  });
  const carried = [...extracted.identifiers];
  for (const identifier of resolution.kept) {
    if (!carried.some((known) => known.type === identifier.type && known.value === identifier.value)) carried.push(identifier);
  }
  return {
    profileId: resolution.profileId,
    carried,
    kept: resolution.kept,
    warnings: [...extracted.warnings, ...resolution.warnings],
    mergeIds: resolution.mergeIds,
  };
}
