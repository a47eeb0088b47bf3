import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1Receipt } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1ReceiptSchema } from '../responses';

const Params = Type.Object({ imp_uid: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * DELETE /receipts/{imp_uid} — cancels the payment's cash receipt through the PG and answers it
 * cancelled. Cancelling a payment does not cancel its receipt: this call does.
 */
export function registerV1ReceiptsRevokeReceipt(app: FastifyInstance, ctx: V1Context): void {
  app.delete<{ Params: Static<typeof Params> }>('/receipts/:imp_uid', { schema: { params: Params, response: answers(V1ReceiptSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    return ok(toV1Receipt(await ctx.services.receipts.cancelForPayment(storeId, request.params.imp_uid)));
  });
}
