import Type from 'typebox';

/** The error body every failing route returns. */
export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: true }),
});

export const ChannelCode = Type.String({ minLength: 1, maxLength: 64, description: 'a code such as web, app, phone, store' });

export const SourceResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  writeKey: Type.String(),
  channel: Type.Optional(Type.String()),
  touchpoint: Type.Optional(Type.String()),
  department: Type.Optional(Type.String()),
  enabled: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
};
