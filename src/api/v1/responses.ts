/**
 * The shapes of the V1 answers, for the OpenAPI document (/openapi.json, /docs). They describe;
 * answers are written by the presenters (http/presenters.ts) and serialized as plain JSON, and
 * responses.test.ts keeps the two equal (every presenter field is described, nothing more).
 */
import { Type, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Seconds = (description: string) => Type.Integer({ description: `${description} (UNIX 초, 없으면 0)` });

/** Every V1 answer: `{code, message, response}`; `response` is null when `code` is not 0. */
export function Envelope<T extends TSchema>(response: T) {
  return Type.Object(
    {
      code: Type.Integer({ description: '0: 성공. 그 밖의 값은 실패 (V1: -1 또는 1)' }),
      message: Nullable(Type.String({ description: '실패 사유, 또는 아직 확정되지 않은 성공의 안내' })),
      response: Nullable(response),
    },
    { additionalProperties: false },
  );
}

export const V1CancelHistorySchema = Type.Object(
  {
    pg_tid: Type.String({ description: '취소 거래의 PG 거래번호' }),
    amount: Type.Number({ description: '취소 금액' }),
    cancelled_at: Seconds('취소 시각'),
    reason: Type.String(),
    cancellation_id: Type.String({ description: '취소 건 ID (웹훅의 cancellation_id)' }),
    receipt_url: Nullable(Type.String()),
  },
  { additionalProperties: false },
);

export const V1PaymentSchema = Type.Object(
  {
    imp_uid: Type.String(),
    merchant_uid: Type.String(),
    pay_method: Type.String(),
    channel: Type.String({ description: 'pc, mobile 또는 api' }),
    pg_provider: Type.String(),
    emb_pg_provider: Nullable(Type.String()),
    pg_tid: Nullable(Type.String()),
    pg_id: Type.String(),
    escrow: Type.Boolean(),
    apply_num: Nullable(Type.String()),
    bank_code: Nullable(Type.String()),
    bank_name: Nullable(Type.String()),
    card_code: Nullable(Type.String()),
    card_name: Nullable(Type.String()),
    card_issuer_code: Nullable(Type.String()),
    card_issuer_name: Nullable(Type.String()),
    card_publisher_code: Nullable(Type.String()),
    card_publisher_name: Nullable(Type.String()),
    card_quota: Type.Integer(),
    card_number: Nullable(Type.String({ description: 'PG가 가린 카드번호' })),
    card_type: Nullable(Type.Integer({ description: '0 신용, 1 체크' })),
    vbank_code: Nullable(Type.String()),
    vbank_name: Nullable(Type.String()),
    vbank_num: Nullable(Type.String()),
    vbank_holder: Nullable(Type.String()),
    vbank_date: Seconds('입금 기한'),
    vbank_issued_at: Seconds('계좌 발급 시각'),
    name: Nullable(Type.String()),
    amount: Type.Number(),
    cancel_amount: Type.Number({ description: '확정된 취소 금액의 합' }),
    currency: Type.String(),
    buyer_name: Nullable(Type.String()),
    buyer_email: Nullable(Type.String()),
    buyer_tel: Nullable(Type.String()),
    buyer_addr: Nullable(Type.String()),
    buyer_postcode: Nullable(Type.String()),
    custom_data: Nullable(Type.String({ description: 'JSON 문자열' })),
    user_agent: Nullable(Type.String()),
    status: Type.String({ description: 'ready, paid, cancelled, failed' }),
    started_at: Seconds('결제 시작'),
    paid_at: Seconds('결제 완료'),
    failed_at: Seconds('실패'),
    cancelled_at: Seconds('마지막 취소'),
    fail_reason: Nullable(Type.String()),
    cancel_reason: Nullable(Type.String()),
    receipt_url: Nullable(Type.String()),
    cancel_history: Type.Array(V1CancelHistorySchema),
    cancel_receipt_urls: Type.Array(Type.String()),
    cash_receipt_issued: Type.Boolean(),
    customer_uid: Nullable(Type.String()),
    customer_uid_usage: Nullable(Type.String()),
    sandbox: Type.Boolean({ description: '테스트 채널 결제' }),
  },
  { additionalProperties: false },
);

export const V1PagedPaymentsSchema = Type.Object(
  {
    total: Type.Integer(),
    previous: Type.Integer({ description: '이전 페이지 번호, 없으면 0' }),
    next: Type.Integer({ description: '다음 페이지 번호, 없으면 0' }),
    list: Type.Array(V1PaymentSchema),
  },
  { additionalProperties: false },
);

export const V1PrepareSchema = Type.Object(
  { merchant_uid: Type.String(), amount: Type.Number(), currency: Nullable(Type.String()) },
  { additionalProperties: false },
);

export const V1TokenSchema = Type.Object(
  { access_token: Type.String(), now: Type.Integer(), expired_at: Type.Integer() },
  { additionalProperties: false },
);

export const V1PgSettingSchema = Type.Object(
  {
    pg_provider: Type.String(),
    pg_id: Type.String(),
    sandbox: Type.Boolean(),
    type: Type.String(),
    channel_name: Type.String(),
    channel_key: Type.String(),
  },
  { additionalProperties: false },
);

export const V1StandardCodeSchema = Type.Object({ code: Type.String(), name: Type.String() }, { additionalProperties: false });

const receiptFields = {
  receipt_tid: Nullable(Type.String({ description: 'PG의 현금영수증 거래번호' })),
  apply_num: Type.String({ description: '승인번호 (없으면 빈 문자열)' }),
  type: Type.String({ description: 'person(소득공제) 또는 company(지출증빙)' }),
  amount: Type.Number(),
  vat: Type.Number(),
  receipt_url: Nullable(Type.String()),
  applied_at: Seconds('발급 시각'),
  cancelled_at: Seconds('취소 시각'),
};

export const V1ReceiptSchema = Type.Object({ imp_uid: Type.String(), ...receiptFields }, { additionalProperties: false });
export const V1ExternalReceiptSchema = Type.Object({ merchant_uid: Type.String(), ...receiptFields }, { additionalProperties: false });

export const V1EscrowLogisSchema = Type.Object(
  { company: Type.String({ description: '택배사 코드' }), invoice: Type.String({ description: '송장번호' }), sent_at: Seconds('발송 시각'), applied_at: Seconds('등록 시각') },
  { additionalProperties: false },
);

export const V1VbankHolderSchema = Type.Object({ bank_holder: Type.String({ description: '예금주' }) }, { additionalProperties: false });

export const V1CustomerSchema = Type.Object(
  {
    customer_uid: Type.String(),
    pg_provider: Type.String(),
    pg_id: Type.String(),
    sandbox: Type.Boolean(),
    customer_id: Nullable(Type.String()),
    card_name: Nullable(Type.String()),
    card_code: Nullable(Type.String()),
    card_issuer_code: Nullable(Type.String()),
    card_issuer_name: Nullable(Type.String()),
    card_publisher_code: Nullable(Type.String()),
    card_publisher_name: Nullable(Type.String()),
    card_number: Nullable(Type.String({ description: 'PG가 가린 카드번호' })),
    card_type: Nullable(Type.Integer()),
    customer_name: Nullable(Type.String()),
    customer_tel: Nullable(Type.String()),
    customer_email: Nullable(Type.String()),
    customer_addr: Nullable(Type.String()),
    customer_postcode: Nullable(Type.String()),
    inserted: Seconds('빌링키 발급'),
    updated: Seconds('빌링키 갱신'),
  },
  { additionalProperties: false },
);

export const V1ScheduleSchema = Type.Object(
  {
    customer_uid: Type.String(),
    merchant_uid: Type.String(),
    imp_uid: Nullable(Type.String({ description: '실행된 결제의 imp_uid (실행 전·취소된 예약은 null)' })),
    pg_provider: Nullable(Type.String()),
    pg_id: Nullable(Type.String()),
    customer_id: Nullable(Type.String()),
    schedule_at: Seconds('결제 예정 시각'),
    executed_at: Seconds('결제 실행 시각'),
    revoked_at: Seconds('예약 취소 시각'),
    amount: Type.Number(),
    currency: Type.String(),
    name: Nullable(Type.String()),
    buyer_name: Nullable(Type.String()),
    buyer_email: Nullable(Type.String()),
    buyer_tel: Nullable(Type.String()),
    buyer_addr: Nullable(Type.String()),
    buyer_postcode: Nullable(Type.String()),
    custom_data: Nullable(Type.String()),
    schedule_status: Type.String({ description: 'scheduled(실행 전), executed(실행됨: 결제 성공 또는 실패), revoked(예약 취소)' }),
    payment_status: Nullable(Type.String({ description: '실행된 결제의 상태 (paid, failed, cancelled); 실행 전이면 null' })),
    fail_reason: Nullable(Type.String()),
  },
  { additionalProperties: false },
);

export const V1PagedSchedulesSchema = Type.Object(
  {
    total: Type.Integer(),
    previous: Type.Integer({ description: '이전 페이지 번호, 없으면 0' }),
    next: Type.Integer({ description: '다음 페이지 번호, 없으면 0' }),
    list: Type.Array(V1ScheduleSchema),
  },
  { additionalProperties: false },
);

/** `{200: Envelope(T)}` for a route's `schema.response`, plus the envelope of its failures. */
export function answers<T extends TSchema>(response: T, extra: Record<number, TSchema> = {}) {
  const failure = Envelope(Type.Null());
  return { 200: Envelope(response), 400: failure, 401: failure, 404: failure, 409: failure, ...extra };
}
