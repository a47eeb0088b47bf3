import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PAYMENT_STATUSES } from '../../../domain/payment';
import { ok } from '../../../http/envelope';
import { toV1PagedPayments } from '../../../http/presenters';
import { MAX_PAGE, MAX_PAGE_SIZE } from '../../../services/payments';
import { includeSandbox, requireStore, type V1Context } from '../context';
import { PaymentSortingSchema, StringEnum } from '../schema';
import { answers, V1PagedPaymentsSchema } from '../responses';

const Params = Type.Object({
  merchant_uid: Type.String({ minLength: 1, maxLength: 80 }),
  // '' is the empty trailing segment `iamporter` sends without a status (`/findAll/{uid}/`).
  payment_status: Type.Optional(StringEnum(['', ...PAYMENT_STATUSES] as const)),
});
const Query = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE })),
  sorting: Type.Optional(PaymentSortingSchema),
  include_sandbox: Type.Optional(Type.Boolean()),
});
type Route = { Params: Static<typeof Params>; Querystring: Static<typeof Query> };

/** GET /payments/findAll/{merchant_uid}[/{payment_status}] — every payment of the order, paged; 404 when none. */
export function registerV1PaymentsFindAllPayments(app: FastifyInstance, ctx: V1Context): void {
  const handler = async (request: FastifyRequest<Route>) => {
    const storeId = await requireStore(ctx, request);
    const status = request.params.payment_status || undefined;
    const page = await ctx.services.payments.listByMerchantUid(
      storeId,
      request.params.merchant_uid,
      { status },
      request.query,
      { includeSandbox: includeSandbox(ctx, request.query.include_sandbox) },
    );
    return ok(toV1PagedPayments(page));
  };
  const schema = { params: Params, querystring: Query, response: answers(V1PagedPaymentsSchema) };
  app.get<Route>('/payments/findAll/:merchant_uid', { schema }, handler);
  app.get<Route>('/payments/findAll/:merchant_uid/:payment_status', { schema }, handler);
}
