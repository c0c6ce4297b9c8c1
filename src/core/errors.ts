/**
 * The one catalogue of coded errors. Each code maps to the HTTP status a client sees;
 * anything not in this list is a bug and is answered as a 500 without details.
 */
export const ErrorCatalogue = {
  CENTRIC_ERR_AUTH_MISSING_WRITE_KEY: 401,
  CENTRIC_ERR_AUTH_INVALID_WRITE_KEY: 401,
  CENTRIC_ERR_AUTH_SOURCE_DISABLED: 401,
  CENTRIC_ERR_AUTH_MISSING_TOKEN: 401,
  CENTRIC_ERR_AUTH_INVALID_TOKEN: 401,
  CENTRIC_ERR_REQUEST_INVALID_JSON: 400,
  CENTRIC_ERR_REQUEST_INVALID_BODY: 400,
  CENTRIC_ERR_REQUEST_UNSUPPORTED_ENCODING: 415,
  CENTRIC_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE: 415,
  CENTRIC_ERR_REQUEST_INVALID_COMPRESSION: 400,
  CENTRIC_ERR_LIMIT_EVENT_TOO_LARGE: 413,
  CENTRIC_ERR_LIMIT_BATCH_TOO_LARGE: 413,
  CENTRIC_ERR_LIMIT_BATCH_EMPTY: 400,
  CENTRIC_ERR_EVENT_MISSING_IDENTITY: 400,
  CENTRIC_ERR_EVENT_INVALID_FIELD: 400,
  CENTRIC_ERR_EVENT_MISSING_FIELD: 400,
  CENTRIC_ERR_EVENT_UNKNOWN_TYPE: 400,
  CENTRIC_ERR_EVENT_INVALID_TIMESTAMP: 400,
  CENTRIC_ERR_EVENT_INVALID_TOUCHPOINT: 400,
  CENTRIC_ERR_EVENT_NOT_AN_OBJECT: 400,
  CENTRIC_ERR_BATCH_NO_VALID_EVENT: 400,
  CENTRIC_ERR_SOURCE_NOT_FOUND: 404,
  CENTRIC_ERR_SOURCE_NAME_TAKEN: 409,
  CENTRIC_ERR_FAILED_EVENT_NOT_FOUND: 404,
  CENTRIC_ERR_FAILED_EVENT_ALREADY_REPLAYED: 409,
  CENTRIC_ERR_PROFILE_NOT_FOUND: 404,
  CENTRIC_ERR_MERGE_NOT_FOUND: 404,
  CENTRIC_ERR_MERGE_ALREADY_UNDONE: 409,
  CENTRIC_ERR_IDENTITY_INVALID_IDENTIFIER: 400,
  CENTRIC_ERR_IMPORT_CSV_FIELD_COUNT: 400,
  CENTRIC_ERR_IMPORT_CSV_UNREADABLE: 400,
  CENTRIC_ERR_IMPORT_INVALID_VALUE: 400,
  CENTRIC_ERR_NOT_FOUND: 404,
  CENTRIC_ERR_STORE_UNAVAILABLE: 503,
  CENTRIC_ERR_INGEST_BACKLOG: 503,
  CENTRIC_ERR_INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ErrorCatalogue;

/** An expected failure with a code from the catalogue; its message is safe to show a client. */
export class CentricError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'CentricError';
    this.code = code;
    this.status = ErrorCatalogue[code];
    this.details = details;
  }
}

export function isCentricError(value: unknown): value is CentricError {
  return value instanceof CentricError;
}
