/**
 * One row per parameter rule of a Smartro payment request (issue 7, "Parameter rules"): valid and
 * invalid inputs, and the exact error of each invalid one. Each row goes through the same chain as
 * the checkout (src/services/checkout.ts): the common V1 rules, then the connector's own rules.
 * That nothing is created for a refused request is shown through the checkout API in
 * src/checkout/request-rules.api.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { FieldViolation } from '../../domain/errors';
import { parseRequestPayParams, type PaymentRequest } from '../../domain/request-pay';
import { smartroConnector } from './connector';
import { v1CardCodes } from './test-fixtures';
// The checkout's own mapping, so the table checks the chain the checkout runs.
import { factsOf } from '../../services/checkout';

/** 2026-01-15 12:00 in Korea. */
const NOW = new Date(Date.UTC(2026, 0, 15, 3, 0, 0));

const BASE = {
  pay_method: 'card',
  merchant_uid: 'order20260115001',
  name: '결 머그컵',
  amount: 1004,
  buyer_name: '홍길동',
  buyer_tel: '010-1234-5678',
  buyer_email: 'buyer@example.com',
};


/** Every violation the checkout would answer for these params (before any channel lookup). */
function check(overrides: Record<string, unknown>): { violations: FieldViolation[]; request: PaymentRequest | null } {
  const params: Record<string, unknown> = { ...BASE, ...overrides };
  for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
  const parsed = parseRequestPayParams(params, { now: NOW });
  if (!parsed.ok) return { violations: parsed.violations, request: null };
  return { violations: smartroConnector.validatePayment(factsOf(parsed.request), { mobile: false }), request: parsed.request };
}

const sorted = (list: FieldViolation[]) => [...list].sort((a, b) => `${a.field}\u0000${a.rule}`.localeCompare(`${b.field}\u0000${b.rule}`));

const CUSTOMER_ID_REQUIRED = { field: 'customer_id', rule: '간편결제에는 구매자 ID(customer_id, 20자 이내)가 필수입니다 (스마트로 규칙)' };
const CUSTOMER_ID_TOO_LONG = { field: 'customer_id', rule: '최대 20자까지 입력할 수 있습니다 (스마트로 규칙)' };
const DIGITAL_REQUIRED = { field: 'digital', rule: '휴대폰 소액결제에는 디지털 상품 여부(digital: true/false)가 필수입니다 (스마트로 규칙)' };
const CASH_ID_NOT_ALLOWED = '현금영수증 발행 유형이 없거나 anonymous이면 식별번호를 보낼 수 없습니다 (스마트로 규칙)';
const PERSONAL_ID = 'personal은 휴대폰번호, 주민등록번호 또는 현금영수증 카드번호가 필요합니다 (스마트로 규칙)';
const CORPORATE_ID = 'corporate는 사업자등록번호(10자리)가 필요합니다 (스마트로 규칙)';
const DUE_FORMAT = 'YYYYMMDD, YYYY-MM-DD, YYYYMMDDhhmm, YYYYMMDDhhmmss 또는 YYYY-MM-DD hh:mm:ss 형식의 올바른 날짜여야 합니다';
const UNKNOWN_CARD = '스마트로에서 직접 호출할 수 없는 카드사 코드입니다';
const DUE_PAST = '이미 지난 시각입니다 (입금기한은 미래여야 합니다)';

interface Row {
  rule: string;
  params: Record<string, unknown>;
  errors: FieldViolation[];
}

const v = (field: string, rule: string): FieldViolation => ({ field, rule });

const ROWS: Row[] = [
  // merchant_uid
  { rule: 'merchant_uid: letters and digits', params: { merchant_uid: 'abcXYZ0123456789' }, errors: [] },
  { rule: 'merchant_uid: longer than 40 is accepted (Moid gets the first 40)', params: { merchant_uid: 'A'.repeat(60) }, errors: [] },
  { rule: 'merchant_uid: a hyphen', params: { merchant_uid: 'order-1' }, errors: [v('merchant_uid', '영문자와 숫자만 사용할 수 있습니다')] },
  { rule: 'merchant_uid: Hangul', params: { merchant_uid: '주문1' }, errors: [v('merchant_uid', '영문자와 숫자만 사용할 수 있습니다')] },
  { rule: 'merchant_uid: missing', params: { merchant_uid: undefined }, errors: [v('merchant_uid', '필수 입력값입니다')] },
  { rule: 'merchant_uid: a number', params: { merchant_uid: 1234 }, errors: [v('merchant_uid', '문자열(string)이어야 합니다')] },

  // amount and currency
  { rule: 'amount: a positive whole KRW amount', params: { amount: 50_000 }, errors: [] },
  { rule: 'amount: a string', params: { amount: '1004' }, errors: [v('amount', '숫자(number)여야 합니다')] },
  { rule: 'amount: missing', params: { amount: undefined }, errors: [v('amount', '필수 입력값입니다')] },
  { rule: 'amount: negative', params: { amount: -5 }, errors: [v('amount', '0보다 큰 금액이어야 합니다')] },
  { rule: 'amount: zero', params: { amount: 0 }, errors: [v('amount', '0보다 큰 금액이어야 합니다')] },
  { rule: 'amount: decimals in KRW', params: { amount: 1004.5 }, errors: [v('amount', 'KRW는 소수점 이하 단위가 없어 정수 금액만 입력할 수 있습니다')] },
  { rule: 'amount: decimals in JPY', params: { amount: 10.5, currency: 'JPY' }, errors: [v('amount', 'JPY는 소수점 이하 단위가 없어 정수 금액만 입력할 수 있습니다')] },
  { rule: 'amount: three decimals in USD', params: { amount: 12.345, currency: 'USD' }, errors: [v('amount', '소수점 이하 2자리까지만 입력할 수 있습니다')] },
  { rule: 'amount: more than 12 digits', params: { amount: 1e13 }, errors: [v('amount', '최대 999,999,999,999까지 입력할 수 있습니다')] },
  {
    rule: 'currency: USD with two decimals is valid V1, but temporarily unavailable at Smartro',
    params: { amount: 12.34, currency: 'USD' },
    errors: [v('currency', '스마트로의 USD 결제는 일시적으로 사용할 수 없습니다 (KRW만 가능)')],
  },
  { rule: 'currency: EUR', params: { amount: 10, currency: 'EUR' }, errors: [v('currency', '스마트로가 지원하지 않는 화폐입니다 (KRW만 가능)')] },
  { rule: 'currency: unknown', params: { currency: 'XYZ' }, errors: [v('currency', '지원하지 않는 화폐 단위입니다')] },

  // buyer_tel
  { rule: 'buyer_tel: missing', params: { buyer_tel: undefined }, errors: [v('buyer_tel', '스마트로 결제창은 구매자 전화번호(buyer_tel)가 필수입니다')] },
  { rule: 'buyer_tel: blank', params: { buyer_tel: '   ' }, errors: [v('buyer_tel', '스마트로 결제창은 구매자 전화번호(buyer_tel)가 필수입니다')] },

  // vbank_due (checked whatever the method)
  { rule: 'vbank_due: YYYYMMDD', params: { vbank_due: '20260120' }, errors: [] },
  { rule: 'vbank_due: YYYY-MM-DD', params: { vbank_due: '2026-01-20' }, errors: [] },
  { rule: 'vbank_due: YYYYMMDDhhmm', params: { vbank_due: '202601201530' }, errors: [] },
  { rule: 'vbank_due: today (forced to 23:59:59)', params: { vbank_due: '20260115' }, errors: [] },
  { rule: 'vbank_due: yesterday', params: { vbank_due: '20260114' }, errors: [v('vbank_due', DUE_PAST)] },
  { rule: 'vbank_due: earlier today', params: { vbank_due: '202601151100' }, errors: [v('vbank_due', DUE_PAST)] },
  { rule: 'vbank_due: no such day', params: { vbank_due: '20260230' }, errors: [v('vbank_due', DUE_FORMAT)] },
  { rule: 'vbank_due: slashes', params: { vbank_due: '2026/01/20' }, errors: [v('vbank_due', DUE_FORMAT)] },
  { rule: 'vbank_due: hour 24', params: { vbank_due: '202601202400' }, errors: [v('vbank_due', DUE_FORMAT)] },
  { rule: 'vbank_due: a number', params: { vbank_due: 20260120 }, errors: [v('vbank_due', '문자열이어야 합니다')] },
  {
    rule: 'vbank_due: required for vbank',
    params: { pay_method: 'vbank' },
    errors: [v('vbank_due', '가상계좌 결제에는 입금기한(vbank_due)이 필수입니다 (스마트로 규칙)')],
  },

  { rule: 'vbank: with vbank_due', params: { pay_method: 'vbank', vbank_due: '20260120' }, errors: [] },

  // period
  { rule: 'period: from before to', params: { period: { from: '20260101', to: '20261231' } }, errors: [] },
  { rule: 'period: one day', params: { period: { from: '20260101', to: '20260101' } }, errors: [] },
  { rule: 'period: to missing', params: { period: { from: '20260101' } }, errors: [v('period.to', 'from과 to를 모두 지정해야 합니다')] },
  {
    rule: 'period: both missing',
    params: { period: {} },
    errors: [v('period.from', 'from과 to를 모두 지정해야 합니다'), v('period.to', 'from과 to를 모두 지정해야 합니다')],
  },
  { rule: 'period: YYYY-MM-DD', params: { period: { from: '2026-01-01', to: '20261231' } }, errors: [v('period.from', 'YYYYMMDD 형식의 올바른 날짜여야 합니다')] },
  { rule: 'period: no such day', params: { period: { from: '20260101', to: '20260231' } }, errors: [v('period.to', 'YYYYMMDD 형식의 올바른 날짜여야 합니다')] },
  { rule: 'period: from after to', params: { period: { from: '20261231', to: '20260101' } }, errors: [v('period', '시작일(from)은 종료일(to)보다 늦을 수 없습니다')] },
  { rule: 'period: not an object', params: { period: '20260101-20261231' }, errors: [v('period', '{from, to} 형태의 객체여야 합니다')] },

  // escrow
  { rule: 'escrow: card', params: { escrow: true }, errors: [] },
  { rule: 'escrow: trans', params: { pay_method: 'trans', escrow: true }, errors: [] },

  // phone: Smartro's GoodsCl must match the MID's contract, so V1 `digital` is required
  { rule: 'phone: digital content', params: { pay_method: 'phone', digital: true }, errors: [] },
  { rule: 'phone: physical goods', params: { pay_method: 'phone', digital: false }, errors: [] },
  { rule: 'phone: without digital', params: { pay_method: 'phone' }, errors: [DIGITAL_REQUIRED] },
  { rule: 'trans: digital not needed', params: { pay_method: 'trans' }, errors: [] },

  // easy pays: customer_id (≤ 20) is required; no escrow
  ...(['lpay', 'kakaopay', 'naverpay', 'payco', 'pinpay'] as const).flatMap((payMethod): Row[] => [
    { rule: `${payMethod}: with customer_id`, params: { pay_method: payMethod, customer_id: 'buyer01' }, errors: [] },
    { rule: `${payMethod}: customer_id of 20 characters`, params: { pay_method: payMethod, customer_id: 'c'.repeat(20) }, errors: [] },
    { rule: `${payMethod}: without customer_id`, params: { pay_method: payMethod }, errors: [CUSTOMER_ID_REQUIRED] },
    { rule: `${payMethod}: blank customer_id`, params: { pay_method: payMethod, customer_id: '  ' }, errors: [CUSTOMER_ID_REQUIRED] },
    { rule: `${payMethod}: customer_id of 21 characters`, params: { pay_method: payMethod, customer_id: 'c'.repeat(21) }, errors: [CUSTOMER_ID_TOO_LONG] },
    {
      rule: `${payMethod}: no escrow`,
      params: { pay_method: payMethod, customer_id: 'buyer01', escrow: true },
      errors: [v('escrow', '에스크로는 card, trans, vbank 결제에서만 사용할 수 있습니다 (스마트로 규칙)')],
    },
  ]),
  { rule: 'card: customer_id not needed', params: { pay_method: 'card' }, errors: [] },
  { rule: 'card: customer_id of 21 characters', params: { customer_id: 'c'.repeat(21) }, errors: [CUSTOMER_ID_TOO_LONG] },
  {
    rule: 'escrow: not with phone',
    params: { pay_method: 'phone', digital: true, escrow: true },
    errors: [v('escrow', '에스크로는 card, trans, vbank 결제에서만 사용할 수 있습니다 (스마트로 규칙)')],
  },
  {
    rule: 'escrow: no direct card call',
    params: { escrow: true, card: { direct: { code: '361', quota: 0 } } },
    errors: [v('card.direct', '에스크로 결제는 카드사 직접 호출(card.direct)과 함께 사용할 수 없습니다 (스마트로 규칙)')],
  },
  { rule: 'escrow: a string', params: { escrow: 'yes' }, errors: [v('escrow', 'true 또는 false여야 합니다')] },

  // cash receipts (bypass.cashReceiptType / bypass.customerIdentifier)
  { rule: 'cash receipt: anonymous without identifier', params: { bypass: { cashReceiptType: 'anonymous' } }, errors: [] },
  { rule: 'cash receipt: personal with a phone number', params: { bypass: { cashReceiptType: 'personal', customerIdentifier: '010-1234-5678' } }, errors: [] },
  { rule: 'cash receipt: personal with a resident number', params: { bypass: { cashReceiptType: 'personal', customerIdentifier: '9001011234567' } }, errors: [] },
  { rule: 'cash receipt: personal with a receipt card number', params: { bypass: { cashReceiptType: 'personal', customerIdentifier: '123456789012345678' } }, errors: [] },
  { rule: 'cash receipt: corporate with a business number', params: { bypass: { cashReceiptType: 'corporate', customerIdentifier: '123-45-67890' } }, errors: [] },
  { rule: 'cash receipt: identifier without type', params: { bypass: { customerIdentifier: '01012345678' } }, errors: [v('bypass.customerIdentifier', CASH_ID_NOT_ALLOWED)] },
  {
    rule: 'cash receipt: anonymous with identifier',
    params: { bypass: { cashReceiptType: 'anonymous', customerIdentifier: '01012345678' } },
    errors: [v('bypass.customerIdentifier', CASH_ID_NOT_ALLOWED)],
  },
  { rule: 'cash receipt: personal without identifier', params: { bypass: { cashReceiptType: 'personal' } }, errors: [v('bypass.customerIdentifier', PERSONAL_ID)] },
  { rule: 'cash receipt: personal with a short number', params: { bypass: { cashReceiptType: 'personal', customerIdentifier: '12345' } }, errors: [v('bypass.customerIdentifier', PERSONAL_ID)] },
  { rule: 'cash receipt: corporate without identifier', params: { bypass: { cashReceiptType: 'corporate' } }, errors: [v('bypass.customerIdentifier', CORPORATE_ID)] },
  {
    rule: 'cash receipt: corporate with a phone number',
    params: { bypass: { cashReceiptType: 'corporate', customerIdentifier: '01012345678' } },
    errors: [v('bypass.customerIdentifier', CORPORATE_ID)],
  },
  { rule: 'cash receipt: unknown type', params: { bypass: { cashReceiptType: 'company' } }, errors: [v('bypass.cashReceiptType', 'anonymous, personal, corporate 중 하나여야 합니다')] },
  {
    rule: 'cash receipt: not with vbank',
    params: { pay_method: 'vbank', vbank_due: '20260120', bypass: { cashReceiptType: 'personal', customerIdentifier: '01012345678' } },
    errors: [v('bypass.cashReceiptType', '가상계좌 결제에는 현금영수증 정보를 보낼 수 없습니다 (스마트로 규칙)')],
  },
  {
    rule: 'cash receipt: not with escrow + trans',
    params: { pay_method: 'trans', escrow: true, bypass: { cashReceiptType: 'personal', customerIdentifier: '01012345678' } },
    errors: [v('bypass.cashReceiptType', '에스크로 계좌이체에는 현금영수증 정보를 보낼 수 없습니다 (스마트로 규칙)')],
  },
  {
    rule: 'cash receipt: trans without escrow may carry one',
    params: { pay_method: 'trans', bypass: { cashReceiptType: 'personal', customerIdentifier: '01012345678' } },
    errors: [],
  },

  // card.direct, installments, unsupported installment controls
  { rule: 'card.direct: code and quota together (lump sum)', params: { card: { direct: { code: '361', quota: 0 } } }, errors: [] },
  { rule: 'card.direct: installments from 50,000 won', params: { amount: 50_000, card: { direct: { code: '366', quota: 3 } } }, errors: [] },
  {
    rule: 'card.direct: code without quota',
    params: { card: { direct: { code: '361' } } },
    errors: [v('card.direct.quota', '카드사 코드(code)는 할부개월(quota)과 함께 지정해야 합니다 (일시불은 0, 스마트로 규칙)')],
  },
  {
    rule: 'card.direct: quota without code',
    params: { card: { direct: { quota: 0 } } },
    errors: [v('card.direct.code', '할부개월(quota)은 카드사 코드(code)와 함께 지정해야 합니다 (스마트로 규칙)')],
  },
  {
    rule: 'card.direct: installments under 50,000 won',
    params: { amount: 49_999, card: { direct: { code: '366', quota: 3 } } },
    errors: [v('card.direct.quota', '할부는 50,000원 이상 결제에서만 가능합니다')],
  },
  // every code of PortOne V1's card code table (reference codes/portone_v1_card_codes.csv), legacy ones included
  ...[...v1CardCodes()].map(([code, { name }]): Row => ({
    rule: `card.direct.code: ${code} (${name}) with installments`,
    params: { amount: 50_000, card: { direct: { code, quota: 3 } } },
    errors: [],
  })),
  { rule: 'card.direct.code: not in the card table', params: { card: { direct: { code: '999', quota: 0 } } }, errors: [v('card.direct.code', UNKNOWN_CARD)] },
  { rule: 'card.direct.code: a Smartro code instead of the V1 one', params: { card: { direct: { code: '06', quota: 0 } } }, errors: [v('card.direct.code', UNKNOWN_CARD)] },
  { rule: 'card.direct.code: a legacy code in lower case', params: { card: { direct: { code: 'vis', quota: 0 } } }, errors: [v('card.direct.code', UNKNOWN_CARD)] },
  {
    rule: 'display.card_quota: unsupported',
    params: { display: { card_quota: [3, 6] } },
    errors: [v('display.card_quota', '지원하지 않는 파라미터입니다 (할부개월은 card.direct의 code와 quota로 지정하세요)')],
  },
  {
    rule: 'card.detail: unsupported',
    params: { card: { detail: [{ card_code: '*', enabled: true }] } },
    errors: [v('card.detail', '지원하지 않는 파라미터입니다 (카드사별 할부 설정은 가맹점 계약으로 정해집니다)')],
  },

  // language
  { rule: 'language: ko', params: { language: 'ko' }, errors: [] },
  { rule: 'language: en', params: { language: 'en' }, errors: [] },
  { rule: 'language: zh is V1 but not Smartro', params: { language: 'zh' }, errors: [v('language', '스마트로 결제창은 ko, en만 지원합니다')] },
  { rule: 'language: unknown', params: { language: 'fr' }, errors: [v('language', 'ko, en, zh 중 하나여야 합니다')] },
];

describe('Smartro payment request rules, one row per rule (common V1 rules + connector rules)', () => {
  it('accepts the base card request', () => {
    expect(check({}).violations).toEqual([]);
  });

  it.each(ROWS.map((row) => [row.rule, row] as const))('%s', (_name, row) => {
    expect(sorted(check(row.params).violations)).toEqual(sorted(row.errors));
  });
});

describe('what the rules keep', () => {
  it('normalizes vbank_due to YYYYMMDDhhmmss Korea time, a date alone at 23:59:59', () => {
    const cases: Array<[string, string]> = [
      ['20260120', '20260120235959'],
      ['2026-01-20', '20260120235959'],
      ['202601201530', '20260120153000'],
      ['20260120153045', '20260120153045'],
      ['2026-01-20 15:30:45', '20260120153045'],
    ];
    for (const [given, kept] of cases) expect(check({ vbank_due: given }).request?.vbankDue, given).toBe(kept);
  });

  it('keeps the full merchant_uid and the period as given', () => {
    const uid = `${'A'.repeat(40)}B2`;
    const { request } = check({ merchant_uid: uid, period: { from: '20260101', to: '20260131' } });
    expect(request?.merchantUid).toBe(uid);
    expect(request?.period).toEqual({ from: '20260101', to: '20260131' });
    expect(smartroConnector.pgOrderId?.(uid)).toBe('A'.repeat(40));
  });
});
