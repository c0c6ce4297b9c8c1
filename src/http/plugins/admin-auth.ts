import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CentricError } from '../../core/errors.ts';

/** Requires `Authorization: Bearer <admin token>` on every route of the instance it is added to. */
export function requireAdminToken(app: FastifyInstance, adminTokens: string[]): void {
  const digests = adminTokens.filter((token) => token !== '').map(digest);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new CentricError('CENTRIC_ERR_AUTH_MISSING_TOKEN', 'send an admin token as "Authorization: Bearer <token>"');
    }
    const given = digest(match[1]!);
    if (!digests.some((known) => timingSafeEqual(known, given))) {
      throw new CentricError('CENTRIC_ERR_AUTH_INVALID_TOKEN', 'the bearer token is not valid');
    }
  });
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
