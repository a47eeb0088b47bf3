import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MAX_CUSTOMER_UID_LENGTH } from '../../../domain/billing';
import { ok } from '../../../http/envelope';
import { toV1PagedPayments } from '../../../http/presenters';
import { MAX_PAGE } from '../../../services/payments';
import { includeSandbox, requireStore, type V1Context } from '../context';
import { answers, V1PagedPaymentsSchema } from '../responses';

const Params = Type.Object({ customer_uid: Type.String({ minLength: 1, maxLength: MAX_CUSTOMER_UID_LENGTH }) });
const Query = Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })) });
type Route = { Params: Static<typeof Params>; Querystring: Static<typeof Query> };

/**
 * GET /subscribe/customers/{customer_uid}/payments (customer_payments) — the payments that issued
 * or charged the key, newest first, 20 a page, in V1's paged shape `{total, previous, next, list}`;
 * 404 when gyeol knows neither a key nor a payment of that customer_uid.
 */
export function registerV1SubscribeCustomerPayments(app: FastifyInstance, ctx: V1Context): void {
  app.get<Route>(
    '/subscribe/customers/:customer_uid/payments',
    { schema: { params: Params, querystring: Query, response: answers(V1PagedPaymentsSchema) } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      const page = await ctx.services.payments.listByCustomerUid(storeId, request.params.customer_uid, request.query, {
        includeSandbox: includeSandbox(ctx, undefined),
      });
      return ok(toV1PagedPayments(page));
    },
  );
}
