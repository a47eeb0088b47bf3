import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1ExternalReceipt } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { ExternalReceiptBody, receiptRequestOf } from './receipts_body';
import { answers, V1ExternalReceiptSchema } from '../responses';

const Params = Type.Object({ merchant_uid: Type.String({ minLength: 1, maxLength: 80 }) });

/**
 * POST /receipts/external/{merchant_uid} — issues a cash receipt of a cash sale gyeol did not take
 * (`channel_key` or `pg` picks the PG channel; the store's default channel when neither is sent).
 */
export function registerV1ReceiptsIssueExternalReceipt(app: FastifyInstance, ctx: V1Context): void {
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof ExternalReceiptBody> }>(
    '/receipts/external/:merchant_uid',
    { schema: { params: Params, body: ExternalReceiptBody, response: answers(V1ExternalReceiptSchema) } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      const body = request.body;
      const receipt = await ctx.services.receipts.issueExternal(storeId, request.params.merchant_uid, {
        ...receiptRequestOf(body),
        channelKey: body.channel_key,
        pg: body.pg,
        name: body.name,
        amount: body.amount,
        payMethod: body.pay_method,
      });
      return ok(toV1ExternalReceipt(receipt));
    },
  );
}
