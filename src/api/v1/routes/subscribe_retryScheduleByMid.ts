import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1Payment } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1PaymentSchema } from '../responses';
import { ScheduleParams } from './subscribe_getScheduleByMid';

/**
 * POST /subscribe/payments/schedule/{merchant_uid}/retry (retryScheduleByMid) — charges a failed
 * or revoked schedule now and answers the payment (V1: check its `status`; a decline is `failed`
 * with `fail_reason`). 400 for a schedule that waits, runs or was paid; 404.
 */
export function registerV1SubscribeRetryScheduleByMid(app: FastifyInstance, ctx: V1Context): void {
  app.post<{ Params: Static<typeof ScheduleParams> }>(
    '/subscribe/payments/schedule/:merchant_uid/retry',
    { schema: { params: ScheduleParams, response: answers(V1PaymentSchema) } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      const payment = await ctx.services.schedules.retry(storeId, request.params.merchant_uid);
      // A payment just made has no cancels.
      return ok(toV1Payment(payment));
    },
  );
}
