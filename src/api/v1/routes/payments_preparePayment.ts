import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1Prepare } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1PrepareSchema } from '../responses';

/** The body of both POST (preparePayment) and PUT (editPreparePayment); forms send the amount as text. */
export const PrepareBody = Type.Object({
  merchant_uid: Type.String({ minLength: 1, maxLength: 80 }),
  amount: Type.Number(),
  currency: Type.Optional(Type.Union([Type.String({ maxLength: 8 }), Type.Null()])),
});

type Route = { Body: Static<typeof PrepareBody> };

/**
 * POST /payments/prepare — registers the amount of a merchant_uid before the window opens (the
 * checkout then refuses any other amount); PUT /payments/prepare changes it (404 when none).
 */
export function registerV1PaymentsPreparePayment(app: FastifyInstance, ctx: V1Context): void {
  const input = (body: Route['Body']) => ({ merchantUid: body.merchant_uid, amount: body.amount, currency: body.currency });
  app.post<Route>('/payments/prepare', { schema: { body: PrepareBody, response: answers(V1PrepareSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    return ok(toV1Prepare(await ctx.services.prepares.prepare(storeId, input(request.body))));
  });
  app.put<Route>('/payments/prepare', { schema: { body: PrepareBody, response: answers(V1PrepareSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    return ok(toV1Prepare(await ctx.services.prepares.update(storeId, input(request.body))));
  });
}
