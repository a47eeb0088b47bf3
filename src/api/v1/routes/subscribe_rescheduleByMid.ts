import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1Schedule } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1ScheduleSchema } from '../responses';
import { ScheduleParams } from './subscribe_getScheduleByMid';
import { ScheduleAtBody } from './subscribe_updateScheduleByMid';

/**
 * POST /subscribe/payments/schedule/{merchant_uid}/reschedule (rescheduleByMid) — a failed or
 * revoked schedule waits again for a new `schedule_at` (400 otherwise, or when the time is past; 404).
 */
export function registerV1SubscribeRescheduleByMid(app: FastifyInstance, ctx: V1Context): void {
  app.post<{ Params: Static<typeof ScheduleParams>; Body: Static<typeof ScheduleAtBody> }>(
    '/subscribe/payments/schedule/:merchant_uid/reschedule',
    { schema: { params: ScheduleParams, body: ScheduleAtBody, response: answers(V1ScheduleSchema) } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      return ok(toV1Schedule(await ctx.services.schedules.reschedule(storeId, request.params.merchant_uid, request.body.schedule_at)));
    },
  );
}
