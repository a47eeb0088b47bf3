import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { PAYMENT_STATUSES } from '../../../domain/payment';
import { includeSandbox, requireStore, type V1Context } from '../context';
import { ok } from '../../../http/envelope';
import { toV1PaymentWithCancels } from '../../../http/presenters';
import { PaymentSortingSchema, StringEnum } from '../schema';
import { answers, V1PaymentSchema } from '../responses';

const Status = StringEnum(PAYMENT_STATUSES);
const Params = Type.Object({
  merchant_uid: Type.String({ minLength: 1, maxLength: 80 }),
  payment_status: Type.Optional(Status),
});
const Query = Type.Object({
  sorting: Type.Optional(PaymentSortingSchema),
  include_sandbox: Type.Optional(Type.Boolean()),
});

type Route = { Params: Static<typeof Params>; Querystring: Static<typeof Query> };

/**
 * GET /payments/find/{merchant_uid}[/{payment_status}] — the first payment of that order by
 * `sorting` (default `-started`); with a status, the latest in that status.
 */
export function registerV1PaymentsFindPayment(app: FastifyInstance, ctx: V1Context): void {
  const handler = async (request: { params: Route['Params']; query: Route['Querystring'] } & Parameters<typeof requireStore>[1]) => {
    const storeId = await requireStore(ctx, request);
    const payment = await ctx.services.payments.findByMerchantUid(
      storeId,
      request.params.merchant_uid,
      { status: request.params.payment_status, sorting: request.query.sorting },
      { includeSandbox: includeSandbox(ctx, request.query.include_sandbox) },
    );
    return ok(toV1PaymentWithCancels(payment));
  };
  const schema = { params: Params, querystring: Query, response: answers(V1PaymentSchema) };
  app.get<Route>('/payments/find/:merchant_uid', { schema }, handler);
  app.get<Route>('/payments/find/:merchant_uid/:payment_status', { schema }, handler);
}
