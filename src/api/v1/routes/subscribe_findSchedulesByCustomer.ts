import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_CUSTOMER_UID_LENGTH } from '../../../domain/billing';
import { V1_SCHEDULE_STATUSES } from '../../../domain/schedules';
import { ok } from '../../../http/envelope';
import { toV1PagedSchedules } from '../../../http/presenters';
import { MAX_PAGE, MAX_PAGE_SIZE, MAX_UNIX_SECONDS } from '../../../services/payments';
import { requireStore, type V1Context } from '../context';
import { answers, V1PagedSchedulesSchema } from '../responses';
import { StringEnum } from '../schema';

const Params = Type.Object({ customer_uid: Type.String({ minLength: 1, maxLength: MAX_CUSTOMER_UID_LENGTH }) });
const Status = StringEnum(V1_SCHEDULE_STATUSES);
const Query = Type.Object({
  from: Type.Integer({ minimum: 0, maximum: MAX_UNIX_SECONDS }),
  to: Type.Integer({ minimum: 0, maximum: MAX_UNIX_SECONDS }),
  // V1 spells it with a hyphen here; the range list's underscore is read too.
  'schedule-status': Type.Optional(Status),
  schedule_status: Type.Optional(Status),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE })),
});

type Route = { Params: Static<typeof Params>; Querystring: Static<typeof Query> };

/**
 * GET /subscribe/payments/schedule/customers/{customer_uid} and
 * GET /subscribe/customers/{customer_uid}/schedules (findSchedulesByCustomer, both V1 paths) —
 * the customer's schedules with `from` ≤ `schedule_at` < `to` (at most 3 months), optionally of
 * one `schedule-status`, newest first; paged `{total, previous, next, list}` as the V1 clients read it.
 */
export function registerV1SubscribeFindSchedulesByCustomer(app: FastifyInstance, ctx: V1Context): void {
  const handler = async (request: FastifyRequest<Route>) => {
    const storeId = await requireStore(ctx, request);
    const q = request.query;
    const page = await ctx.services.schedules.listByCustomer(storeId, request.params.customer_uid, {
      from: q.from,
      to: q.to,
      status: q['schedule-status'] ?? q.schedule_status,
      page: q.page,
      limit: q.limit,
    });
    return ok(toV1PagedSchedules(page));
  };
  const schema = { params: Params, querystring: Query, response: answers(V1PagedSchedulesSchema) };
  app.get<Route>('/subscribe/payments/schedule/customers/:customer_uid', { schema }, handler);
  app.get<Route>('/subscribe/customers/:customer_uid/schedules', { schema }, handler);
}
