import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { IdentityRules } from '../../../core/identity-rules.ts';
import type { ProfileService } from '../../../profiles/profile-service.ts';
import { ErrorResponse } from '../../schemas.ts';

/** The workspace's identity rules: identifier types, priorities, limits, blocked values. */
export async function identityRulesRoutes(app: FastifyInstance, options: { profiles: ProfileService }): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/identity/rules', async () => options.profiles.rules());
  api.put('/identity/rules', { schema: { body: IdentityRules, response: { 200: IdentityRules, 400: ErrorResponse } } }, async (request) =>
    options.profiles.setRules(request.body),
  );
}
