import Type from 'typebox';

/** The error body every failing route returns. */
export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: true }),
});

/** A time in an answer: ISO 8601 text in UTC. */
export const Time = Type.String({ format: 'date-time' });
export const NullableTime = Type.Union([Time, Type.Null()]);

export const ChannelCode = Type.String({ minLength: 1, maxLength: 64, description: 'a code such as web, app, phone, store' });

export const SourceResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  writeKey: Type.String(),
  channel: Type.Optional(Type.String()),
  touchpoint: Type.Optional(Type.String()),
  department: Type.Optional(Type.String()),
  enabled: Type.Boolean(),
  createdAt: Time,
  updatedAt: Time,
});

/** A stored event as the management API shows it (recent events, a customer's timeline). */
export const EventResponse = Type.Object({
  messageId: Type.String(),
  sourceId: Type.String(),
  type: Type.String({ description: 'track, identify, page, screen, group or alias' }),
  event: Type.Union([Type.String(), Type.Null()]),
  userId: Type.Union([Type.String(), Type.Null()]),
  anonymousId: Type.Union([Type.String(), Type.Null()]),
  channel: Type.String(),
  touchpoint: Type.String(),
  department: Type.String(),
  timestamp: Time,
  receivedAt: Time,
  originalTimestamp: NullableTime,
  sentAt: NullableTime,
  warnings: Type.Array(Type.String()),
  payload: Type.Record(Type.String(), Type.Unknown(), { description: 'the call as the source sent it (properties, traits, context, ...)' }),
});

/** A refused event with why it was refused, and whether a replay stored it since. */
export const FailedEventResponse = Type.Object({
  id: Type.Integer(),
  sourceId: Type.String(),
  receivedAt: Time,
  code: Type.String(),
  message: Type.String(),
  field: Type.Union([Type.String(), Type.Null()]),
  payload: Type.Unknown(),
  replayedAt: NullableTime,
  replayedMessageId: Type.Union([Type.String(), Type.Null()]),
});

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
};
