import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { V1_SCHEDULE_STATUSES } from '../../../domain/schedules';
import { ok } from '../../../http/envelope';
import { toV1PagedSchedules } from '../../../http/presenters';
import { MAX_PAGE, MAX_PAGE_SIZE, MAX_UNIX_SECONDS } from '../../../services/payments';
import { requireStore, type V1Context } from '../context';
import { answers, V1PagedSchedulesSchema } from '../responses';
import { StringEnum } from '../schema';

const Query = Type.Object({
  schedule_from: Type.Integer({ minimum: 0, maximum: MAX_UNIX_SECONDS }),
  schedule_to: Type.Integer({ minimum: 0, maximum: MAX_UNIX_SECONDS }),
  schedule_status: Type.Optional(StringEnum(V1_SCHEDULE_STATUSES)),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE })),
  sorting: Type.Optional(StringEnum(['scheduled', '-scheduled'] as const, { description: 'scheduled: 예약시각 과거순 (기본: 최신순)' })),
});

/**
 * GET /subscribe/payments/schedule (findSchedulesByRange) — the store's schedules with
 * `schedule_from` ≤ `schedule_at` < `schedule_to` (at most 3 months), optionally of one
 * `schedule_status`, newest first (`sorting=scheduled`: oldest first). Answered paged,
 * `{total, previous, next, list}`, as the description says (V1's schema says a bare array).
 */
export function registerV1SubscribeFindSchedulesByRange(app: FastifyInstance, ctx: V1Context): void {
  app.get<{ Querystring: Static<typeof Query> }>('/subscribe/payments/schedule', { schema: { querystring: Query, response: answers(V1PagedSchedulesSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    const q = request.query;
    const page = await ctx.services.schedules.listByRange(storeId, {
      from: q.schedule_from,
      to: q.schedule_to,
      status: q.schedule_status,
      page: q.page,
      limit: q.limit,
      sorting: q.sorting,
    });
    return ok(toV1PagedSchedules(page));
  });
}
