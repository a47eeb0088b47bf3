import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ok } from '../../../http/envelope';
import { toV1Payment } from '../../../http/presenters';
import { requireStore, type V1Context } from '../context';
import { answers, V1PaymentSchema } from '../responses';

const Text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));

/**
 * The body of createVbank (JSON or form: forms send numbers as text, the schema coerces them).
 * Fields V1 documents for other PGs only (product_type, vbank_key, pg_api_key, …) are ignored.
 */
export const CreateVbankBody = Type.Object({
  channel_key: Text(100),
  pg: Text(100),
  merchant_uid: Type.String({ minLength: 1, maxLength: 80 }),
  amount: Type.Number(),
  vbank_code: Type.String({ minLength: 1, maxLength: 10 }),
  vbank_due: Type.Integer(),
  vbank_holder: Text(100),
  vbank_num: Text(40),
  name: Text(100),
  buyer_name: Text(100),
  buyer_email: Text(100),
  buyer_tel: Text(40),
  buyer_addr: Text(200),
  buyer_postcode: Text(10),
  notice_url: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 10 })])),
  custom_data: Type.Optional(Type.Unknown()),
  tax_free: Type.Optional(Type.Number()),
  vat_amount: Type.Optional(Type.Number()),
});

type Route = { Body: Static<typeof CreateVbankBody> };

/**
 * POST /vbanks (createVbank) — issues a virtual account through the channel's PG without a
 * window: the payment is `ready` with its `vbank_*` (`channel: "api"`), the webhook says `ready`,
 * a deposit pays it. A PG refusal answers HTTP 200 with code -1 (V1's answer to a PG rejection).
 */
export function registerV1VbanksCreateVbank(app: FastifyInstance, ctx: V1Context): void {
  app.post<Route>('/vbanks', { schema: { body: CreateVbankBody, response: answers(V1PaymentSchema) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    const b = request.body;
    const payment = await ctx.services.vbanks.issue(storeId, {
      channelKey: b.channel_key,
      pg: b.pg,
      merchantUid: b.merchant_uid,
      amount: b.amount,
      vbankCode: b.vbank_code,
      vbankDue: b.vbank_due,
      vbankHolder: b.vbank_holder,
      vbankNum: b.vbank_num,
      name: b.name,
      buyerName: b.buyer_name,
      buyerEmail: b.buyer_email,
      buyerTel: b.buyer_tel,
      buyerAddr: b.buyer_addr,
      buyerPostcode: b.buyer_postcode,
      noticeUrl: b.notice_url,
      customData: b.custom_data,
      taxFree: b.tax_free,
      vatAmount: b.vat_amount,
    });
    return ok(toV1Payment(payment));
  });
}
