import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { unixSeconds } from '../../../domain/clock';
import type { V1Context } from '../context';
import { ok } from '../../../http/envelope';
import { answers, V1TokenSchema } from '../responses';

const GetTokenBody = Type.Object({
  imp_key: Type.String({ minLength: 1 }),
  imp_secret: Type.String({ minLength: 1 }),
});

/** POST /users/getToken — JSON or form body; the same token comes back while it is valid. */
export function registerV1UsersGetToken(app: FastifyInstance, ctx: V1Context): void {
  app.post<{ Body: Static<typeof GetTokenBody> }>('/users/getToken', { schema: { body: GetTokenBody, response: answers(V1TokenSchema) } }, async (request) => {
    const issued = await ctx.services.auth.issueToken(request.body.imp_key, request.body.imp_secret);
    return ok({
      access_token: issued.accessToken,
      now: unixSeconds(issued.now),
      expired_at: unixSeconds(issued.expiresAt),
    });
  });
}
