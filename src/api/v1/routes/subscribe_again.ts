import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MAX_CUSTOMER_UID_LENGTH } from '../../../domain/billing';
import { ok } from '../../../http/envelope';
import { toV1Payment } from '../../../http/presenters';
import { outcomeUnknownError } from '../../../services/billing-charges';
import { requireStore, type V1Context } from '../context';
import { answers, Envelope, V1PaymentSchema } from '../responses';

const Text = (maxLength: number, description?: string) => Type.Optional(Type.String({ maxLength, ...(description ? { description } : {}) }));

/**
 * The body of `again` (JSON or form: forms send numbers and booleans as text, the schema coerces
 * them). The service reads and checks it as V1 does (BillingChargeService); fields V1 documents for
 * other PGs only (`product_count`, `cash_receipt_type`, `extra`, `vat`) are taken and ignored.
 */
export const AgainBody = Type.Object({
  customer_uid: Type.String({ minLength: 1, maxLength: MAX_CUSTOMER_UID_LENGTH, description: '빌링키와 매핑된 구매자의 결제 수단 식별 고유번호' }),
  merchant_uid: Type.String({ minLength: 1, maxLength: 80 }),
  amount: Type.Number(),
  currency: Text(3),
  name: Text(100, '제품명 (V1은 필수로 표시하지만 gyeol은 없어도 받습니다: 스마트로에는 "정기결제")'),
  tax_free: Type.Optional(Type.Number()),
  vat_amount: Type.Optional(Type.Number()),
  buyer_name: Text(100),
  buyer_email: Text(100),
  buyer_tel: Text(40),
  buyer_addr: Text(200),
  buyer_postcode: Text(10),
  card_quota: Type.Optional(Type.Integer({ description: '할부개월수: 0(일시불) 또는 2~12, 할부는 50,000원 이상' })),
  interest_free_by_merchant: Type.Optional(Type.Boolean()),
  use_card_point: Type.Optional(Type.Boolean()),
  custom_data: Type.Optional(Type.Unknown()),
  notice_url: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 10 })])),
  browser_ip: Text(45),
  product_type: Text(10, 'real 또는 digital'),
  bypass: Type.Optional(Type.Unknown()),
  extra: Type.Optional(Type.Unknown()),
  promotion_id: Text(100, 'gyeol은 지원하지 않습니다 (보내면 400)'),
  channel_key: Text(100, '빌링키를 발급한 채널만 가능'),
  pg: Text(100),
});

type Route = { Body: Static<typeof AgainBody> };

/**
 * POST /subscribe/payments/again (again) — charges the customer's billing key through the channel
 * that issued it: the payment (`channel: "api"`, `customer_uid_usage: "payment"`) answers with
 * `code: 0` whether approved (`status: "paid"`) or declined (`status: "failed"`, `fail_reason`),
 * as V1 does. An unknown customer_uid is HTTP 200 with code -1 (V1); bad fields 400; a
 * merchant_uid already paid or in progress 409; a PG answer not known yet 504 naming the imp_uid.
 */
export function registerV1SubscribeAgain(app: FastifyInstance, ctx: V1Context): void {
  app.post<Route>('/subscribe/payments/again', { schema: { body: AgainBody, response: answers(V1PaymentSchema, { 504: Envelope(Type.Null()) }) } }, async (request) => {
    const storeId = await requireStore(ctx, request);
    const payment = await ctx.services.billingCharges.charge(storeId, request.body, { usage: 'payment', buyerIp: request.ip });
    if (payment.status === 'ready') throw outcomeUnknownError(payment);
    return ok(toV1Payment(payment));
  });
}
