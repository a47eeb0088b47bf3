import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1PaymentWithCancels } from '../../../http/presenters';
import { includeSandbox, requireStore, type V1Context } from '../context';
import { answers, Envelope, V1PaymentSchema } from '../responses';

const Uids = Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { maxItems: 100 });
// Clients send `imp_uid[]=a&imp_uid[]=b` (qs "brackets"); a bare `imp_uid=a` is read the same way.
const Query = Type.Object({
  'imp_uid[]': Type.Optional(Uids),
  'merchant_uid[]': Type.Optional(Uids),
  imp_uid: Type.Optional(Uids),
  merchant_uid: Type.Optional(Uids),
  include_sandbox: Type.Optional(Type.Boolean()),
});

/** GET /payments?imp_uid[]=…&merchant_uid[]=… — 200 when all are found, 207 when some are not, 404 when none. */
export function registerV1PaymentsGetPaymentList(app: FastifyInstance, ctx: V1Context): void {
  app.get<{ Querystring: Static<typeof Query> }>('/payments', { schema: { querystring: Query, response: answers(Type.Array(V1PaymentSchema), { 207: Envelope(Type.Array(V1PaymentSchema)) }) } }, async (request, reply) => {
    const storeId = await requireStore(ctx, request);
    const q = request.query;
    const found = await ctx.services.payments.findMany(
      storeId,
      { impUids: [...(q['imp_uid[]'] ?? []), ...(q.imp_uid ?? [])], merchantUids: [...(q['merchant_uid[]'] ?? []), ...(q.merchant_uid ?? [])] },
      { includeSandbox: includeSandbox(ctx, q.include_sandbox) },
    );
    return reply.status(found.complete ? 200 : 207).send(ok(found.payments.map(toV1PaymentWithCancels)));
  });
}
