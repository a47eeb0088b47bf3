import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1Schedule } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1ScheduleSchema } from '../responses';
import { ScheduleParams } from './subscribe_getScheduleByMid';

export const ScheduleAtBody = Type.Object({ schedule_at: Type.Integer({ description: '결제요청 예약시각 (UNIX 초)' }) });

/**
 * PUT /subscribe/payments/schedule/{merchant_uid} (updateScheduleByMid) — a new `schedule_at` for
 * a schedule that has not run: 400 when it ran, is running or was revoked, or the time is past; 404.
 */
export function registerV1SubscribeUpdateScheduleByMid(app: FastifyInstance, ctx: V1Context): void {
  app.put<{ Params: Static<typeof ScheduleParams>; Body: Static<typeof ScheduleAtBody> }>(
    '/subscribe/payments/schedule/:merchant_uid',
    { schema: { params: ScheduleParams, body: ScheduleAtBody, response: answers(V1ScheduleSchema) } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      return ok(toV1Schedule(await ctx.services.schedules.update(storeId, request.params.merchant_uid, request.body.schedule_at)));
    },
  );
}
