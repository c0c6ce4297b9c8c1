import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CentricError } from '../../core/errors.ts';
import { CSRF_HEADER, readSessionCookie, verifySessionValue } from './console-session.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Requires an admin on every route of the instance it is added to: `Authorization: Bearer <admin token>`
 * (scripts, SDKs) or the console's session cookie. A cookie arrives with every request the browser
 * makes, so a cookie-authenticated request that changes data must also carry the console's
 * `X-Centric-Console` header, which a cross-site form or a cross-origin fetch without CORS cannot send.
 */
export function requireAdminToken(app: FastifyInstance, adminTokens: string[]): void {
  const check = adminChecker(adminTokens);
  app.addHook('onRequest', async (request) => {
    check(request);
  });
}

/** How a request proved it is an admin's. */
export type AdminCredential = { kind: 'bearer' } | { kind: 'session'; expiresAt: number };

/** A function that returns the request's admin credential or throws the coded error a client should see. */
export function adminChecker(adminTokens: string[]): (request: FastifyRequest) => AdminCredential {
  const tokens = adminTokens.filter((token) => token !== '');
  const isAdmin = adminTokenMatcher(tokens);
  return (request) => {
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw new CentricError('CENTRIC_ERR_AUTH_MISSING_TOKEN', 'send an admin token as "Authorization: Bearer <token>"');
      if (!isAdmin(match[1]!)) throw new CentricError('CENTRIC_ERR_AUTH_INVALID_TOKEN', 'the bearer token is not valid');
      return { kind: 'bearer' };
    }
    const session = readSessionCookie(request.headers.cookie);
    if (session === undefined) {
      throw new CentricError('CENTRIC_ERR_AUTH_MISSING_TOKEN', 'send an admin token as "Authorization: Bearer <token>", or sign in to the console');
    }
    const expiresAt = verifySessionValue(session, tokens, Math.floor(Date.now() / 1000));
    if (expiresAt === null) {
      throw new CentricError('CENTRIC_ERR_AUTH_SESSION_EXPIRED', 'the console session has expired or its admin token was changed; sign in again');
    }
    if (!SAFE_METHODS.has(request.method)) checkSameOrigin(request);
    return { kind: 'session', expiresAt };
  };
}

/** Refuses a cookie-authenticated change that a page on another site could have sent. */
export function checkSameOrigin(request: FastifyRequest): void {
  // The cookie is SameSite=Strict; the header is the second lock, for browsers or proxies that lose
  // SameSite. A custom header cannot be set by a form, and a cross-origin fetch that sets one needs a
  // CORS preflight this server never grants. (No Origin check: proxies that rewrite Host would break it.)
  if (request.headers[CSRF_HEADER] === undefined) {
    throw new CentricError(
      'CENTRIC_ERR_AUTH_CSRF',
      `a request that changes data with the console's session cookie must carry the header "${CSRF_HEADER}"; scripts should send "Authorization: Bearer <token>" instead`,
    );
  }
}

/** Whether `token` is one of the admin tokens, compared in constant time. */
export function adminTokenMatcher(adminTokens: string[]): (token: string) => boolean {
  const digests = adminTokens.filter((token) => token !== '').map(digest);
  return (token) => {
    const given = digest(token);
    return digests.some((known) => timingSafeEqual(known, given));
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
