import Type, { type Static } from 'typebox';

/** The call types of the Segment spec; anything else is rejected. */
export const EventTypes = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof EventTypes)[number];

const JsonObject = Type.Record(Type.String(), Type.Unknown());
const Id = Type.Union([Type.String(), Type.Number()]);
const Time = Type.String({ description: 'ISO-8601 date-time' });

/**
 * One event as a sender may send it (the Segment spec). Field types are checked here;
 * rules that depend on the call type (track needs `event`, alias needs `previousId`) live in
 * the validate step, so each rejection can name its field and reason.
 */
export const IncomingEvent = Type.Object(
  {
    type: Type.Optional(Type.String()),
    messageId: Type.Optional(Type.String({ maxLength: 200 })),
    userId: Type.Optional(Type.Union([Id, Type.Null()])),
    anonymousId: Type.Optional(Type.Union([Id, Type.Null()])),
    previousId: Type.Optional(Id),
    groupId: Type.Optional(Id),
    event: Type.Optional(Type.String()),
    name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    category: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    properties: Type.Optional(JsonObject),
    traits: Type.Optional(JsonObject),
    context: Type.Optional(JsonObject),
    integrations: Type.Optional(JsonObject),
    timestamp: Type.Optional(Time),
    originalTimestamp: Type.Optional(Time),
    sentAt: Type.Optional(Time),
    channel: Type.Optional(Type.String()),
    writeKey: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export type IncomingEvent = Static<typeof IncomingEvent>;

/** Where an interaction happened; every stored event carries all three. */
export interface Touchpoint {
  channel: string;
  touchpoint: string;
  department: string;
}

/**
 * An event as Centric stores it (version 1 of the envelope). Times are epoch milliseconds;
 * `payload` keeps every field the sender sent, normalised, so profiles can be rebuilt from it.
 */
export interface StoredEvent extends Touchpoint {
  envelopeVersion: 1;
  workspaceId: string;
  sourceId: string;
  messageId: string;
  type: EventType;
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  timestamp: number;
  originalTimestamp: number | null;
  sentAt: number | null;
  receivedAt: number;
  warnings: string[];
  payload: Record<string, unknown>;
}
