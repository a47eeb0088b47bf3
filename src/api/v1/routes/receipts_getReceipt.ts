import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1Receipt } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1ReceiptSchema } from '../responses';

const Params = Type.Object({ imp_uid: Type.String({ minLength: 1, maxLength: 64 }) });

/** GET /receipts/{imp_uid} — the payment's cash receipt (a cancelled one shows `cancelled_at`); 404 when none. */
export function registerV1ReceiptsGetReceipt(app: FastifyInstance, ctx: V1Context): void {
  app.get<{ Params: Static<typeof Params> }>('/receipts/:imp_uid', { schema: { params: Params, response: answers(V1ReceiptSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    return ok(toV1Receipt(await ctx.services.receipts.getForPayment(storeId, request.params.imp_uid)));
  });
}
