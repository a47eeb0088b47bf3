import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1PaymentWithCancels } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1PaymentSchema } from '../responses';

const Params = Type.Object({ imp_uid: Type.String({ minLength: 1, maxLength: 64 }) });
// `pg_api_key` is inicis's; accepted and ignored.
const Query = Type.Object({ pg_api_key: Type.Optional(Type.String({ maxLength: 200 })) });

/**
 * DELETE /vbanks/{imp_uid} — revokes an issued virtual account nobody paid, through the PG's
 * cancel (Smartro removes the account number). The payment becomes `failed` (V1's console shows
 * 결제실패 / 계좌말소); 400 when it is not an issued, unpaid account.
 */
export function registerV1VbanksRevokeVbank(app: FastifyInstance, ctx: V1Context): void {
  app.delete<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/vbanks/:imp_uid',
    { schema: { params: Params, querystring: Query, response: answers(V1PaymentSchema) } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      return ok(toV1PaymentWithCancels(await ctx.services.cancels.revokeVbank(storeId, request.params.imp_uid)));
    },
  );
}
