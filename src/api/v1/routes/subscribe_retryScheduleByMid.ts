import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1Payment } from '../../../http/presenters';
import { outcomeUnknownError } from '../../../services/billing-charges';
import { requireStore, type V1Context } from '../context';
import { answers, Envelope, V1PaymentSchema } from '../responses';
import { ScheduleParams } from './subscribe_getScheduleByMid';

/**
 * POST /subscribe/payments/schedule/{merchant_uid}/retry (retryScheduleByMid) — charges a failed
 * or revoked schedule now and answers the payment (V1: check its `status`; a decline is `failed`
 * with `fail_reason`). 400 for a schedule that waits, runs or was paid; 404; 504 when the PG's
 * answer is not known yet (as `again`).
 */
export function registerV1SubscribeRetryScheduleByMid(app: FastifyInstance, ctx: V1Context): void {
  app.post<{ Params: Static<typeof ScheduleParams> }>(
    '/subscribe/payments/schedule/:merchant_uid/retry',
    { schema: { params: ScheduleParams, response: answers(V1PaymentSchema, { 504: Envelope(Type.Null()) }) } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      const payment = await ctx.services.schedules.retry(storeId, request.params.merchant_uid);
      // As `again` answers it: the PG's answer not known yet is a 504 naming the imp_uid (the
      // scheduler records the run once the reconciler settles the payment).
      if (payment.status === 'ready') throw outcomeUnknownError(payment);
      // A payment just made has no cancels.
      return ok(toV1Payment(payment));
    },
  );
}
