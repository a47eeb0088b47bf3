import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MAX_CUSTOMER_UID_LENGTH } from '../../../domain/billing';
import { MAX_UNSCHEDULE_MERCHANT_UIDS } from '../../../domain/schedules';
import { ok } from '../../../http/envelope';
import { toV1Schedule } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1ScheduleSchema } from '../responses';

const MerchantUids = Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { maxItems: MAX_UNSCHEDULE_MERCHANT_UIDS });
// `merchant_uid` is an array in V1's schema; a single string is read as a list of one (the
// validator's array coercion), and `merchant_uid[]=a&merchant_uid[]=b` forms the same way.
const Body = Type.Object({
  customer_uid: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CUSTOMER_UID_LENGTH })),
  merchant_uid: Type.Optional(MerchantUids),
});

/**
 * POST /subscribe/payments/unschedule (unschedule) — revokes waiting schedules: those of a
 * customer, those of merchant_uids, or both (V1: either alone selects all of its schedules).
 * Answers the revoked ones; none revoked: HTTP 200, code 1 "취소할 예약결제 기록이 존재하지 않습니다."
 */
export function registerV1SubscribeUnschedule(app: FastifyInstance, ctx: V1Context): void {
  app.post<{ Body: Static<typeof Body> }>('/subscribe/payments/unschedule', { schema: { body: Body, response: answers(Type.Array(V1ScheduleSchema)) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    const revoked = await ctx.services.schedules.unschedule(storeId, { customerUid: request.body.customer_uid, merchantUids: request.body.merchant_uid });
    return ok(revoked.map(toV1Schedule));
  });
}
