import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { PAYMENT_STATUSES } from '../../../domain/payment';
import { ok } from '../../../http/envelope';
import { toV1PagedPayments } from '../../../http/presenters';
import { MAX_PAGE, MAX_PAGE_SIZE, MAX_UNIX_SECONDS } from '../../../services/payments';
import { includeSandbox, requireStore, type V1Context } from '../context';
import { PaymentSortingSchema, StringEnum } from '../schema';
import { answers, V1PagedPaymentsSchema } from '../responses';

const Params = Type.Object({ payment_status: StringEnum(['all', ...PAYMENT_STATUSES] as const) });
const Query = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE })),
  from: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_UNIX_SECONDS })),
  to: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_UNIX_SECONDS })),
  sorting: Type.Optional(PaymentSortingSchema),
  include_sandbox: Type.Optional(Type.Boolean()),
});

/**
 * GET /payments/status/{payment_status} — the store's payments of a status, paged, within a
 * `from`–`to` window (UNIX seconds, at most 90 days; default the last 90 days) of the status's own
 * time: started for `all` and `ready`, paid, failed or cancelled for the others.
 */
export function registerV1PaymentsGetPaymentsByStatus(app: FastifyInstance, ctx: V1Context): void {
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/payments/status/:payment_status',
    { schema: { params: Params, querystring: Query, response: answers(V1PagedPaymentsSchema) } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      const { from, to, ...pageQuery } = request.query;
      const page = await ctx.services.payments.listByStatus(storeId, request.params.payment_status, { from, to }, pageQuery, {
        includeSandbox: includeSandbox(ctx, request.query.include_sandbox),
      });
      return ok(toV1PagedPayments(page));
    },
  );
}
