import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1ExternalReceipt } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1ExternalReceiptSchema } from '../responses';

const Params = Type.Object({ merchant_uid: Type.String({ minLength: 1, maxLength: 80 }) });

/** DELETE /receipts/external/{merchant_uid} — cancels the external sale's cash receipt through the PG. */
export function registerV1ReceiptsRevokeExternalReceipt(app: FastifyInstance, ctx: V1Context): void {
  app.delete<{ Params: Static<typeof Params> }>('/receipts/external/:merchant_uid', { schema: { params: Params, response: answers(V1ExternalReceiptSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    return ok(toV1ExternalReceipt(await ctx.services.receipts.cancelExternal(storeId, request.params.merchant_uid)));
  });
}
