import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { requireStore, type V1Context } from '../context';
import { answers, V1VbankHolderSchema } from '../responses';

const Query = Type.Object({
  bank_code: Type.String({ minLength: 1, maxLength: 10 }),
  bank_num: Type.String({ minLength: 1, maxLength: 60 }),
  /** gyeol's extension: the channel whose PG answers (default: the store's default channel). */
  channel_key: Type.Optional(Type.String({ maxLength: 100 })),
});

type Route = { Querystring: Static<typeof Query> };

/**
 * GET /vbanks/holder (queryBankHolder, hidden from V1's schema since 2025-10) — the holder of a
 * bank account, asked of the PG of `channel_key` or the store's default channel: `{bank_holder}`;
 * 404 when the account is not found.
 */
export function registerV1VbanksQueryBankHolder(app: FastifyInstance, ctx: V1Context): void {
  app.get<Route>('/vbanks/holder', { schema: { querystring: Query, response: answers(V1VbankHolderSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    const holder = await ctx.services.vbanks.holder(storeId, { bankCode: request.query.bank_code, bankNum: request.query.bank_num, channelKey: request.query.channel_key });
    return ok({ bank_holder: holder });
  });
}
