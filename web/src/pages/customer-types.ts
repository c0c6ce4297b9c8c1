/** The shapes of the profile API's answers, as the console reads them. */

import type { Static } from 'typebox';
import type { SourceResponse } from '../../../src/http/schemas.ts';

export interface ProfileHit {
  id: string;
  displayName: string | null;
  email: string | null;
  phone: string | null;
  lastSeen: string | null;
  matched: string;
}

export interface Trait {
  value: unknown;
  at: string | null;
  sourceId: string | null;
  messageId: string | null;
}

export interface Identifier {
  type: string;
  value: string;
  addedAt?: string | null;
  dropped?: boolean;
}

export interface Merge {
  id: number;
  survivorId: string;
  absorbedId: string;
  absorbedIdentifiers: Identifier[];
  linkingIdentifiers: Identifier[];
  messageId: string;
  rule: string;
  createdAt: string | null;
  undoneAt: string | null;
}

export interface Profile {
  id: string;
  requestedId?: string;
  note?: string;
  displayName: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  traits: Record<string, Trait>;
  identifiers: Identifier[];
  summary: {
    firstSeen: string | null;
    lastSeen: string | null;
    eventCount: number;
    departments: Record<string, number>;
    channels: Record<string, number>;
    touchpoints: Record<string, number>;
  };
  merges: Merge[];
}

export interface TimelineEvent {
  messageId: string;
  sourceId: string;
  type: string;
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  channel: string;
  touchpoint: string;
  department: string;
  timestamp: string;
  receivedAt: string;
  warnings: string[];
  payload: { properties?: Record<string, unknown>; traits?: Record<string, unknown>; name?: string; context?: { traits?: Record<string, unknown> } } & Record<string, unknown>;
  identifiers: Identifier[];
}

export interface TimelinePage {
  profileId: string;
  items: TimelineEvent[];
  nextCursor: string | null;
}

/** What undoing a merge moved back: the server's own type (a type-only import, no server code in the bundle). */
export type { UnmergeResult } from '../../../src/identity/unmerge.ts';

/** A source as the sources API answers it. */
export type Source = Static<typeof SourceResponse>;
