import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1PaymentWithCancels } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1PaymentSchema } from '../responses';

const Amount = Type.Optional(Type.Union([Type.Number(), Type.Null()]));
const Text = (maxLength: number) => Type.Optional(Type.Union([Type.String({ maxLength }), Type.Null()]));

/** The body of `POST /payments/cancel` (JSON or form; forms send numbers and booleans as text). */
export const CancelBody = Type.Object({
  imp_uid: Text(64),
  merchant_uid: Text(80),
  amount: Amount,
  tax_free: Amount,
  vat_amount: Amount,
  checksum: Amount,
  reason: Text(1000),
  refund_holder: Text(100),
  refund_bank: Text(20),
  refund_account: Text(40),
  refund_tel: Text(40),
  // Accepted and ignored: gyeol's PG has no promotions to keep, and no Naver Pay requester.
  retain_promotion: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  enable_webhook: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
});

type Route = { Body: Static<typeof CancelBody> };

/**
 * POST /payments/cancel — cancels all that is left of a paid payment, or `amount` of it, through
 * its PG. Refusals are V1's HTTP 200 with code 1; a virtual-account refund is answered once the
 * PG accepts it (`message` says it is pending) and shows in `cancel_history` when it is done.
 */
export function registerV1PaymentsCancelPayment(app: FastifyInstance, ctx: V1Context): void {
  app.post<Route>('/payments/cancel', { schema: { body: CancelBody, response: answers(V1PaymentSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    const b = request.body ?? {};
    const answer = await ctx.services.cancels.cancel(storeId, {
      impUid: b.imp_uid,
      merchantUid: b.merchant_uid,
      amount: b.amount,
      taxFree: b.tax_free,
      vatAmount: b.vat_amount,
      checksum: b.checksum,
      reason: b.reason,
      refundHolder: b.refund_holder,
      refundBank: b.refund_bank,
      refundAccount: b.refund_account,
      refundTel: b.refund_tel,
      enableWebhook: b.enable_webhook,
    });
    return ok(toV1PaymentWithCancels(answer), answer.note);
  });
}
