import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { includeSandbox, requireStore, type V1Context } from '../context';
import { ok } from '../../../http/envelope';
import { toV1PaymentWithCancels } from '../../../http/presenters';
import { answers, V1PaymentSchema } from '../responses';

const Params = Type.Object({ imp_uid: Type.String({ minLength: 1, maxLength: 64 }) });
const Query = Type.Object({ include_sandbox: Type.Optional(Type.Boolean()) });

/** GET /payments/{imp_uid} — one payment of the caller's store. */
export function registerV1PaymentsGetPayment(app: FastifyInstance, ctx: V1Context): void {
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/payments/:imp_uid',
    { schema: { params: Params, querystring: Query, response: answers(V1PaymentSchema) } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      const payment = await ctx.services.payments.getByImpUid(storeId, request.params.imp_uid, {
        includeSandbox: includeSandbox(ctx, request.query.include_sandbox),
      });
      return ok(toV1PaymentWithCancels(payment));
    },
  );
}
