import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import secureJson from 'secure-json-parse';
import { CentricError } from '../core/errors.ts';
import { formatKb } from '../ingest/steps/check-event-size-step.ts';

/**
 * Turns a tracking request's bytes into JSON: undoes gzip, deflate or br content-encoding
 * (never inflating past the limit, so a small bomb cannot fill memory), then parses without
 * letting `__proto__` or `constructor.prototype` keys reach any object.
 */
export function decodeJsonBody(body: Buffer, contentEncoding: string | undefined, limitBytes: number, limitName: string): unknown {
  const text = decompress(body, (contentEncoding ?? 'identity').trim().toLowerCase(), limitBytes, limitName).toString('utf8');
  if (text.trim() === '') throw new CentricError('CENTRIC_ERR_REQUEST_INVALID_JSON', 'request body is empty; send a JSON object');
  try {
    return secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch (error) {
    throw new CentricError('CENTRIC_ERR_REQUEST_INVALID_JSON', `request body is not valid JSON: ${(error as Error).message}`);
  }
}

function decompress(body: Buffer, encoding: string, limitBytes: number, limitName: string): Buffer {
  const tooLarge = (): CentricError =>
    new CentricError('CENTRIC_ERR_LIMIT_BATCH_TOO_LARGE', `request body is larger than the ${limitName} limit of ${formatKb(limitBytes)} (${limitBytes} bytes) once decompressed`);
  let output: Buffer;
  try {
    switch (encoding) {
      case 'identity':
      case '':
        output = body;
        break;
      case 'gzip':
      case 'x-gzip':
        output = gunzipSync(body, { maxOutputLength: limitBytes + 1 });
        break;
      case 'deflate':
        output = inflateSync(body, { maxOutputLength: limitBytes + 1 });
        break;
      case 'br':
        output = brotliDecompressSync(body, { maxOutputLength: limitBytes + 1 });
        break;
      default:
        throw new CentricError(
          'CENTRIC_ERR_REQUEST_UNSUPPORTED_ENCODING',
          `content-encoding "${encoding}" is not supported; use gzip, deflate, br or none`,
        );
    }
  } catch (error) {
    if (error instanceof CentricError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw new CentricError('CENTRIC_ERR_REQUEST_INVALID_COMPRESSION', `request body is not valid ${encoding} data: ${(error as Error).message}`);
  }
  if (output.length > limitBytes) throw tooLarge();
  return output;
}
