import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { includeSandbox, requireStore, type V1Context } from '../context';
import { ok } from '../../../http/envelope';
import { toV1PaymentWithCancels } from '../../../http/presenters';
import { AnswerCache } from '../answer-cache';
import { answers, V1PaymentSchema } from '../responses';

const Params = Type.Object({ imp_uid: Type.String({ minLength: 1, maxLength: 64 }) });
const Query = Type.Object({ include_sandbox: Type.Optional(Type.Boolean()) });

/** How many serialized payment answers one instance keeps (about 1.3 KB each). */
export const PAYMENT_ANSWER_CACHE_SIZE = 4096;

/** Fastify's own content type for JSON answers. */
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * GET /payments/{imp_uid} — one payment of the caller's store. The answer is serialized once per
 * version of the payment (`AnswerCache`): each request reads the payment's current version, and
 * only a changed (or not yet seen) payment is read whole, presented and serialized again.
 */
export function registerV1PaymentsGetPayment(app: FastifyInstance, ctx: V1Context): void {
  const kept = new AnswerCache(PAYMENT_ANSWER_CACHE_SIZE);
  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/payments/:imp_uid',
    { schema: { params: Params, querystring: Query, response: answers(V1PaymentSchema) } },
    async (request, reply) => {
      const storeId = await requireStore(ctx, request);
      const impUid = request.params.imp_uid;
      const options = { includeSandbox: includeSandbox(ctx, request.query.include_sandbox) };
      const key = `${storeId}:${impUid}`;
      const version = await ctx.services.payments.answerVersion(storeId, impUid, options);
      const answer = version === null ? null : kept.get(key, version);
      if (answer !== null) return reply.type(JSON_TYPE).send(answer);
      // Not found, hidden, changed or not seen yet: the full path (which answers the errors).
      const body = String(reply.serialize(ok(toV1PaymentWithCancels(await ctx.services.payments.getByImpUid(storeId, impUid, options)))));
      if (version !== null) kept.set(key, version, body);
      return reply.type(JSON_TYPE).send(body);
    },
  );
}
