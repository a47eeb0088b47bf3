import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1Prepare } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1PrepareSchema } from '../responses';

const Params = Type.Object({ merchant_uid: Type.String({ minLength: 1, maxLength: 80 }) });

/** GET /payments/prepare/{merchant_uid} — the registered amount; 404 when none. */
export function registerV1PaymentsGetPaymentPrepare(app: FastifyInstance, ctx: V1Context): void {
  app.get<{ Params: Static<typeof Params> }>('/payments/prepare/:merchant_uid', { schema: { params: Params, response: answers(V1PrepareSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    return ok(toV1Prepare(await ctx.services.prepares.get(storeId, request.params.merchant_uid)));
  });
}
