import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { includeSandbox, requireStore, type V1Context } from '../context';
import { answers, Envelope } from '../responses';

const Params = Type.Object({ imp_uid: Type.String({ minLength: 1, maxLength: 64 }) });
const Query = Type.Object({ include_sandbox: Type.Optional(Type.Boolean()) });

/**
 * GET /payments/{imp_uid}/balance — V1 answers PAYCO's balance breakdown; gyeol's PGs have none,
 * so a found payment answers 501 in the envelope naming its PG (404 when not found).
 */
export function registerV1PaymentsBalance(app: FastifyInstance, ctx: V1Context): void {
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/payments/:imp_uid/balance',
    { schema: { params: Params, querystring: Query, response: answers(Type.Null(), { 501: Envelope(Type.Null()) }) } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      return ctx.services.payments.balance(storeId, request.params.imp_uid, {
        includeSandbox: includeSandbox(ctx, request.query.include_sandbox),
      });
    },
  );
}
