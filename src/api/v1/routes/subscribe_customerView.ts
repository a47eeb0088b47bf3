import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MAX_CUSTOMER_UID_LENGTH } from '../../../domain/billing';
import { ok } from '../../../http/envelope';
import { toV1Customer } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, Envelope, V1CustomerSchema } from '../responses';

const Params = Type.Object({ customer_uid: Type.String({ minLength: 1, maxLength: MAX_CUSTOMER_UID_LENGTH }) });
const Uids = Type.Array(Type.String({ minLength: 1, maxLength: MAX_CUSTOMER_UID_LENGTH }), { maxItems: 100 });
// `customer_uid[]=a&customer_uid[]=b` (qs "brackets"); a bare `customer_uid=a` is read the same way.
const ManyQuery = Type.Object({ 'customer_uid[]': Type.Optional(Uids), customer_uid: Type.Optional(Uids) });
// V1's DELETE takes a reason and a requester; gyeol keeps neither (the key is simply gone).
const DeleteQuery = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 256 })), 'extra[requester]': Type.Optional(Type.String({ maxLength: 40 })) });

/**
 * Billing customers (V1 `customer_view`, `customer_view_multiple`, `customer_delete`):
 * GET /subscribe/customers/{customer_uid}, GET /subscribe/customers?customer_uid[]=… (207 when some
 * are missing, 404 when none), DELETE /subscribe/customers/{customer_uid}. Issuing by API
 * (`POST /subscribe/customers/{uid}`) stays V1's 501: Smartro issues keys through its window only.
 */
export function registerV1SubscribeCustomers(app: FastifyInstance, ctx: V1Context): void {
  app.get<{ Params: Static<typeof Params> }>('/subscribe/customers/:customer_uid', { schema: { params: Params, response: answers(V1CustomerSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    return ok(toV1Customer(await ctx.services.billing.customer(storeId, request.params.customer_uid)));
  });
  app.get<{ Querystring: Static<typeof ManyQuery> }>(
    '/subscribe/customers',
    { schema: { querystring: ManyQuery, response: answers(Type.Array(V1CustomerSchema), { 207: Envelope(Type.Array(V1CustomerSchema)) }) } },
    async (request, reply) => {
      const storeId = await requireStore(ctx, request);
      const found = await ctx.services.billing.customers(storeId, [...(request.query['customer_uid[]'] ?? []), ...(request.query.customer_uid ?? [])]);
      return reply.status(found.complete ? 200 : 207).send(ok(found.customers.map(toV1Customer)));
    },
  );
  app.delete<{ Params: Static<typeof Params>; Querystring: Static<typeof DeleteQuery> }>(
    '/subscribe/customers/:customer_uid',
    { schema: { params: Params, querystring: DeleteQuery, response: answers(V1CustomerSchema) } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      return ok(toV1Customer(await ctx.services.billing.deleteCustomer(storeId, request.params.customer_uid)));
    },
  );
}
