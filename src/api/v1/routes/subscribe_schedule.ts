import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { MAX_CUSTOMER_UID_LENGTH } from '../../../domain/billing';
import { MAX_SCHEDULES_PER_REQUEST } from '../../../domain/schedules';
import { ok } from '../../../http/envelope';
import { toV1Schedule } from '../../../http/presenters';
import type { ScheduleItem } from '../../../services/schedules';
import { requireStore, type V1Context } from '../context';
import { answers, Envelope, V1ScheduleSchema } from '../responses';

const Text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));

/** One ScheduleAnnotation. Fields V1 documents for other PGs are taken and passed to the charge, which judges them. */
const ScheduleItemBody = Type.Object({
  merchant_uid: Type.String({ minLength: 1, maxLength: 80 }),
  schedule_at: Type.Integer({ description: '결제요청 예약시각 (UNIX 초)' }),
  currency: Text(10),
  amount: Type.Number(),
  tax_free: Type.Optional(Type.Number()),
  vat_amount: Type.Optional(Type.Number()),
  name: Text(200),
  buyer_name: Text(100),
  buyer_email: Text(100),
  buyer_tel: Text(40),
  buyer_addr: Text(200),
  buyer_postcode: Text(10),
  custom_data: Type.Optional(Type.Unknown()),
  notice_url: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 10 })])),
  product_type: Text(20),
  cash_receipt_type: Text(20),
  card_quota: Type.Optional(Type.Number()),
  interest_free_by_merchant: Type.Optional(Type.Boolean()),
  use_card_point: Type.Optional(Type.Boolean()),
  product_count: Type.Optional(Type.Integer()),
  browser_ip: Text(64),
  extra: Type.Optional(Type.Object({ naverUseCfm: Text(8) })),
  bypass: Type.Optional(Type.Unknown()),
  promotion_id: Text(100),
});

/** Passed to the charge as they are (the charge's own rules judge them). */
const PASSED_ON = ['product_type', 'cash_receipt_type', 'card_quota', 'interest_free_by_merchant', 'use_card_point', 'product_count', 'browser_ip', 'extra', 'bypass', 'promotion_id'] as const;

export const ScheduleBody = Type.Object({
  customer_uid: Type.String({ minLength: 1, maxLength: MAX_CUSTOMER_UID_LENGTH }),
  customer_id: Text(100),
  checking_amount: Type.Optional(Type.Number()),
  // Card data (V1: issue a billing key, then schedule) is read only to refuse it (501).
  card_number: Text(40),
  expiry: Text(20),
  birth: Text(20),
  pwd_2digit: Text(4),
  cvc: Text(8),
  channel_key: Text(100),
  pg: Text(100),
  schedules: Type.Array(ScheduleItemBody, { minItems: 1, maxItems: MAX_SCHEDULES_PER_REQUEST }),
});

type Body = Static<typeof ScheduleBody>;

/**
 * `schedules[0][merchant_uid]=…` in a form body reads as an object keyed by index: the list it means.
 * JSON bodies (V1: "2-depth의 json") come as an array already.
 */
function scheduleListOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 0 || !keys.every((k) => /^\d+$/.test(k))) return value;
  return keys.sort((a, b) => Number(a) - Number(b)).map((k) => (value as Record<string, unknown>)[k]);
}

/**
 * POST /subscribe/payments/schedule (schedule) — schedules charges of a registered billing key;
 * each runs at its `schedule_at` (a webhook `paid` or `failed` tells the result). Every schedule is
 * checked as its run will be charged, so one that could never run is refused now; all or none are
 * stored. With `checking_amount` (> 0) the key is first charged that much and the charge
 * cancelled at once (a card check: declined → code 1, PG answer unknown → 504, nothing stored).
 * Card data (issue-then-schedule) answers 501: Smartro issues keys through its window only.
 */
export function registerV1SubscribeSchedule(app: FastifyInstance, ctx: V1Context): void {
  app.post<{ Body: Body }>(
    '/subscribe/payments/schedule',
    {
      schema: { body: ScheduleBody, response: answers(Type.Array(V1ScheduleSchema), { 501: Envelope(Type.Null()), 504: Envelope(Type.Null()) }) },
      preValidation: async (request) => {
        const body = request.body as Record<string, unknown> | undefined;
        if (body && typeof body === 'object') body.schedules = scheduleListOf(body.schedules);
      },
    },
    async (request) => {
      const storeId = await requireStore(ctx, request);
      const b = request.body;
      const schedules = await ctx.services.schedules.schedule(storeId, {
        customerUid: b.customer_uid,
        customerId: b.customer_id,
        checkingAmount: b.checking_amount,
        cardDataGiven: [b.card_number, b.expiry, b.birth, b.pwd_2digit, b.cvc].some((v) => v !== undefined && v !== ''),
        channelKey: b.channel_key,
        schedules: b.schedules.map(
          (s): ScheduleItem => ({
            merchantUid: s.merchant_uid,
            scheduleAt: s.schedule_at,
            amount: s.amount,
            currency: s.currency,
            taxFree: s.tax_free,
            vatAmount: s.vat_amount,
            name: s.name,
            buyerName: s.buyer_name,
            buyerEmail: s.buyer_email,
            buyerTel: s.buyer_tel,
            buyerAddr: s.buyer_addr,
            buyerPostcode: s.buyer_postcode,
            customData: s.custom_data,
            noticeUrl: s.notice_url,
            chargeFields: {
              ...Object.fromEntries(PASSED_ON.filter((k) => s[k] !== undefined).map((k) => [k, s[k]])),
              ...(b.pg !== undefined ? { pg: b.pg } : {}),
            },
          }),
        ),
      });
      return ok(schedules.map(toV1Schedule));
    },
  );
}
