import type { FastifyError, FastifyInstance } from 'fastify';
import { CentricError } from '../../core/errors.ts';
import { formatKb } from '../../ingest/steps/check-event-size-step.ts';

/** Every error leaves as `{error: {code, message}}`; 5xx details stay in the log. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof CentricError) {
      return reply.status(error.status).send({ error: { code: error.code, message: error.message, ...error.details } });
    }
    if (error.validation) {
      return reply.status(400).send({ error: { code: 'CENTRIC_ERR_REQUEST_INVALID_BODY', message: describeValidation(error) } });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 0;
      const isEvent = /^\/v1\/(track|identify|page|screen|group|alias)$/.test(request.routeOptions.url ?? '');
      return reply.status(413).send({
        error: {
          code: isEvent ? 'CENTRIC_ERR_LIMIT_EVENT_TOO_LARGE' : 'CENTRIC_ERR_LIMIT_BATCH_TOO_LARGE',
          message: `request body is larger than the ${isEvent ? 'per-event' : 'per-request'} limit of ${formatKb(limit)} (${limit} bytes)`,
        },
      });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send({ error: { code: 'CENTRIC_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE', message: `content-type ${request.headers['content-type'] ?? '(none)'} is not supported here; send application/json` } });
    }
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError) {
      return reply.status(400).send({ error: { code: 'CENTRIC_ERR_REQUEST_INVALID_JSON', message: `request body is not valid JSON: ${error.message}` } });
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error: { code: 'CENTRIC_ERR_REQUEST_INVALID_BODY', message: error.message } });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: { code: 'CENTRIC_ERR_INTERNAL', message: 'internal error; the details are in the server log' } });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'CENTRIC_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
}

function describeValidation(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return error.message;
  const where = error.validationContext ?? 'body';
  const path = first.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : '';
  const missing = (first.params as { missingProperty?: string }).missingProperty;
  const field = missing ?? path;
  return field ? `${where} field "${field}" ${missing ? 'is required' : first.message}` : `${where} ${first.message}`;
}
