import Type, { type Static } from 'typebox';

/** How one identifier type links events to profiles. */
export const IdentifierTypeRule = Type.Object({
  /** Higher wins: when two profiles cannot be joined, the event keeps its higher-priority identifier. */
  priority: Type.Integer({ minimum: 0, maximum: 1000 }),
  /** Most values of this type one profile may hold; null means no limit. */
  limit: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
});
export type IdentifierTypeRule = Static<typeof IdentifierTypeRule>;

/** The identity rules of a workspace (version 1); stored as JSON and changed through the API. */
export const IdentityRules = Type.Object({
  version: Type.Literal(1),
  types: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }), IdentifierTypeRule),
  /** Values that never link anything, compared trimmed, lower-cased and without quotes. */
  blockedValues: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 1000 }),
  /** Most identifiers one profile may hold in all. */
  maxIdentifiersPerProfile: Type.Integer({ minimum: 1, maximum: 100_000 }),
  /**
   * An identifier that has tied different customers together this many times (each refused by a
   * limit) is treated as shared, like "test@test.com" typed by many, and stops linking anything.
   */
  sharedAfterConflicts: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  /** ISO country used to read national phone numbers such as "030 1234567"; null accepts only +-numbers. */
  defaultCountry: Type.Union([Type.String({ pattern: '^[A-Z]{2}$' }), Type.Null()]),
});
export type IdentityRules = Static<typeof IdentityRules>;

export const BUILT_IN_TYPES = ['user_id', 'anonymous_id', 'email', 'phone'] as const;

export const DEFAULT_IDENTITY_RULES: IdentityRules = {
  version: 1,
  types: {
    user_id: { priority: 100, limit: 1 },
    customer_number: { priority: 90, limit: 1 },
    email: { priority: 80, limit: 5 },
    phone: { priority: 70, limit: 5 },
    loyalty_card: { priority: 60, limit: 5 },
    device_id: { priority: 20, limit: null },
    anonymous_id: { priority: 10, limit: null },
  },
  blockedValues: [
    'null', 'undefined', 'anonymous', 'guest', '0', '-1', '[object object]', 'nan', 'none', 'true', 'false',
    'n/a', 'na', 'unknown', 'nil', 'empty', 'test', 'user', 'default',
  ],
  maxIdentifiersPerProfile: 1000,
  sharedAfterConflicts: 3,
  defaultCountry: null,
};
