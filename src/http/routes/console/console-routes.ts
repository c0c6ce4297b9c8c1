import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CentricError } from '../../../core/errors.ts';
import { adminChecker, adminTokenMatcher, checkSameOrigin } from '../../plugins/admin-auth.ts';
import { createSessionValue, SESSION_SECONDS, sessionCookieHeader } from '../../plugins/console-session.ts';
import { isoTime } from '../../iso-time.ts';
import { ErrorResponse } from '../../schemas.ts';

/** Where `npm run build` puts the console: web/dist at the root of the project. */
export const DEFAULT_CONSOLE_DIR = resolve(import.meta.dirname, '../../../../web/dist');

/** The paths the console's own router draws; each gets the console's page. */
const CONSOLE_PATHS = ['/', '/sign-in', '/customers', '/customers/*', '/sources', '/sources/*', '/segments', '/segments/*', '/journeys', '/journeys/*', '/touchpoints', '/touchpoints/*'];

export interface ConsoleRoutesOptions {
  adminTokens: string[];
  /** The built console (index.html and assets/); defaults to web/dist. */
  dir?: string;
}

/** Whether the console is built in `dir`, and the command that builds it when it is not. */
export function consoleBuildStatus(dir: string = DEFAULT_CONSOLE_DIR): { built: boolean; hint: string } {
  return { built: existsSync(join(dir, 'index.html')), hint: 'run "npm run build" (npm ci runs it too), then start the server again' };
}

/** The line `serve` and `demo` print about the console: where to open it, or how to build it. */
export function consoleStartLine(url: string, dir: string = DEFAULT_CONSOLE_DIR): string {
  const status = consoleBuildStatus(dir);
  return status.built
    ? `Web console: ${url}/ (sign in with the admin token)`
    : `Web console: not built; ${status.hint}`;
}

const SessionBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false });
const SessionResponse = Type.Object({ signedIn: Type.Literal(true), expiresAt: Type.String({ format: 'date-time' }) });

/**
 * The web console: its sign-in (an admin token exchanged for an http-only session cookie) and its
 * built files, with the console's page for each of its paths so reloading a deep link works.
 */
export async function consoleRoutes(app: FastifyInstance, options: ConsoleRoutesOptions): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const tokens = options.adminTokens.filter((token) => token !== '');
  const checkAdmin = adminChecker(tokens);
  const isAdmin = adminTokenMatcher(tokens);

  api.post(
    '/api/v1/session',
    { schema: { body: SessionBody, response: { 200: SessionResponse, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse } } },
    async (request, reply) => {
      checkSameOrigin(request);
      const token = request.body.token.trim();
      if (!isAdmin(token)) throw new CentricError('CENTRIC_ERR_AUTH_INVALID_TOKEN', 'that is not an admin token of this server; it was printed when the server started, or is in CENTRIC_ADMIN_TOKEN');
      const expiresAt = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
      reply.header('set-cookie', sessionCookie(request, createSessionValue(token, expiresAt), SESSION_SECONDS));
      return { signedIn: true as const, expiresAt: isoTime(expiresAt * 1000) };
    },
  );

  api.get('/api/v1/session', { schema: { response: { 200: SessionResponse, 401: ErrorResponse } } }, async (request) => {
    const credential = checkAdmin(request);
    const expiresAt = credential.kind === 'session' ? credential.expiresAt : Math.floor(Date.now() / 1000) + SESSION_SECONDS;
    return { signedIn: true as const, expiresAt: isoTime(expiresAt * 1000) };
  });

  api.delete('/api/v1/session', async (request, reply) => {
    checkSameOrigin(request);
    reply.header('set-cookie', sessionCookie(request, '', 0));
    return reply.status(204).send();
  });

  const dir = options.dir ?? DEFAULT_CONSOLE_DIR;
  const status = consoleBuildStatus(dir);
  if (!status.built) {
    for (const path of CONSOLE_PATHS) {
      app.get(path, async () => {
        throw new CentricError('CENTRIC_ERR_CONSOLE_NOT_BUILT', `the web console is not built (no ${join(dir, 'index.html')}): ${status.hint}`);
      });
    }
    return;
  }

  // Built files carry a content hash in their names, so browsers may keep them; index.html must be asked for each time.
  await app.register(fastifyStatic, { root: join(dir, 'assets'), prefix: '/assets/', immutable: true, maxAge: '365d', preCompressed: true, index: false });
  const page = (_request: FastifyRequest, reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').sendFile('index.html', dir, { cacheControl: false });
  for (const path of CONSOLE_PATHS) app.get(path, page);
}

function sessionCookie(request: FastifyRequest, value: string, maxAge: number): string {
  return sessionCookieHeader(value, maxAge, request.protocol === 'https');
}
