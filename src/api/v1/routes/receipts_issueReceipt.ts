import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1Receipt } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { ReceiptBody, receiptRequestOf } from './receipts_body';
import { answers, V1ReceiptSchema } from '../responses';

const Params = Type.Object({ imp_uid: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * POST /receipts/{imp_uid} — issues a cash receipt of a paid cash payment (bank transfer or
 * virtual account) for its remaining balance. 400 when not paid or already issued.
 */
export function registerV1ReceiptsIssueReceipt(app: FastifyInstance, ctx: V1Context): void {
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof ReceiptBody> }>(
    '/receipts/:imp_uid',
    { schema: { params: Params, body: ReceiptBody, response: answers(V1ReceiptSchema) } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      return ok(toV1Receipt(await ctx.services.receipts.issueForPayment(storeId, request.params.imp_uid, receiptRequestOf(request.body))));
    },
  );
}
