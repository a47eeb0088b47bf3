import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1Schedule } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1ScheduleSchema } from '../responses';

export const ScheduleParams = Type.Object({ merchant_uid: Type.String({ minLength: 1, maxLength: 80 }) });

/** GET /subscribe/payments/schedule/{merchant_uid} (getScheduleByMid) — one schedule and its latest run; 404 when none. */
export function registerV1SubscribeGetScheduleByMid(app: FastifyInstance, ctx: V1Context): void {
  app.get<{ Params: Static<typeof ScheduleParams> }>(
    '/subscribe/payments/schedule/:merchant_uid',
    { schema: { params: ScheduleParams, response: answers(V1ScheduleSchema) } },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      return ok(toV1Schedule(await ctx.services.schedules.get(storeId, request.params.merchant_uid)));
    },
  );
}
