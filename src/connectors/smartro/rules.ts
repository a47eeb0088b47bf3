/**
 * Smartro's rules on a payment request, applied after the common V1 rules. A request that
 * breaks one of them would be refused inside Smartro's window (a worse experience: the buyer
 * already waited for it) — so we refuse up front. A `merchant_uid` longer than Smartro's `Moid`
 * is not refused: PortOne truncates it, and gyeol keeps the full value and sends its first 40
 * characters ({@link smartroOrderId}).
 */
import type { FieldViolation } from '../../domain/errors';
import { EASY_PAY_METHODS, isEasyPayMethod, type PayMethod } from '../../domain/payment';
import type { PaymentFacts } from '../contract';
import { cardCompanyByKftcCode, SMARTRO_OPEN_TYPES, SMARTRO_SKIN_COLORS } from './wire';

/** Smartro's `Moid` holds at most 40 characters. */
export const MAX_MOID_LENGTH = 40;
/** Smartro's `Amt` holds at most 12 digits. */
export const MAX_AMOUNT = 999_999_999_999;
/** Korean card companies offer installments from 50,000 won. */
export const MIN_INSTALLMENT_AMOUNT = 50_000;
export const MAX_CUSTOMER_ID_LENGTH = 20;
/** Smartro's `BuyerName` and `BuyerEmail` lengths. */
export const MAX_BUYER_NAME_LENGTH = 30;
export const MAX_BUYER_EMAIL_LENGTH = 60;

/** Pay methods this connector can open a window for today. */
export const IMPLEMENTED_PAY_METHODS: readonly PayMethod[] = ['card', 'trans', 'vbank', 'phone', ...EASY_PAY_METHODS];

/** Pay methods Smartro offers escrow for. */
export const ESCROW_PAY_METHODS: readonly PayMethod[] = ['card', 'trans', 'vbank'];

/** The old module's window languages (the new module's guide names no others). */
export const SMARTRO_LANGUAGES = ['ko', 'en'] as const;

/** V1 `bypass.cashReceiptType` values Smartro's window understands. */
export const CASH_RECEIPT_TYPES = ['anonymous', 'personal', 'corporate'] as const;

/**
 * The order id Smartro knows a payment by (`Moid`): the `merchant_uid`'s first 40 characters,
 * as PortOne truncates it. gyeol keeps the full `merchant_uid` on the payment.
 */
export function smartroOrderId(merchantUid: string): string {
  return merchantUid.slice(0, MAX_MOID_LENGTH);
}

/**
 * Checks a payment (after the common V1 rules) against Smartro's rules.
 * @param env.mobile whether the window opens on a phone (no rule depends on it yet; the
 *   common rules already require `m_redirect_url` there)
 * @returns every violation, in field order; empty when the window may open
 * @example validatePaymentRequest({ ...request, currency: 'USD' }, { mobile: false })
 *   // → [{ field: 'currency', rule: '스마트로가 지원하지 않는 화폐입니다 (KRW만 가능)' }]
 */
export function validatePaymentRequest(request: PaymentFacts, env: { mobile: boolean }): FieldViolation[] {
  void env;
  const out: FieldViolation[] = [];

  if (!IMPLEMENTED_PAY_METHODS.includes(request.payMethod)) {
    out.push({
      field: 'pay_method',
      rule: `아직 지원하지 않는 결제수단입니다 (스마트로 채널은 현재 ${IMPLEMENTED_PAY_METHODS.join(', ')}만 가능)`,
    });
  }

  if (!/^[A-Za-z0-9]*$/.test(request.merchantUid)) {
    out.push({ field: 'merchant_uid', rule: '영문자와 숫자만 사용할 수 있습니다' });
  }

  // Smartro's guide: KRW and USD exist, USD is temporarily unavailable; anything else is unknown to it.
  if (request.currency === 'USD') {
    out.push({ field: 'currency', rule: '스마트로의 USD 결제는 일시적으로 사용할 수 없습니다 (KRW만 가능)' });
  } else if (request.currency !== 'KRW') {
    out.push({ field: 'currency', rule: '스마트로가 지원하지 않는 화폐입니다 (KRW만 가능)' });
  }

  if (!Number.isInteger(request.amount) || request.amount < 1) {
    out.push({ field: 'amount', rule: '1원 이상이어야 합니다 (스마트로 규칙)' });
  } else if (request.amount > MAX_AMOUNT) {
    out.push({ field: 'amount', rule: '최대 12자리까지 결제할 수 있습니다 (스마트로 규칙)' });
  }

  if (request.buyerTel === null || request.buyerTel.trim() === '') {
    out.push({ field: 'buyer_tel', rule: '스마트로 결제창은 구매자 전화번호(buyer_tel)가 필수입니다' });
  }
  if (request.buyerName !== null && request.buyerName.length > MAX_BUYER_NAME_LENGTH) {
    out.push({ field: 'buyer_name', rule: `최대 ${MAX_BUYER_NAME_LENGTH}자까지 입력할 수 있습니다 (스마트로 규칙)` });
  }
  if (request.buyerEmail !== null && request.buyerEmail.length > MAX_BUYER_EMAIL_LENGTH) {
    out.push({ field: 'buyer_email', rule: `최대 ${MAX_BUYER_EMAIL_LENGTH}자까지 입력할 수 있습니다 (스마트로 규칙)` });
  }

  const { customerId, language, vbankDue } = request.passThrough;
  if (customerId !== null && customerId.length > MAX_CUSTOMER_ID_LENGTH) {
    out.push({ field: 'customer_id', rule: `최대 ${MAX_CUSTOMER_ID_LENGTH}자까지 입력할 수 있습니다 (스마트로 규칙)` });
  } else if (isEasyPayMethod(request.payMethod) && (customerId === null || customerId.trim() === '')) {
    // Smartro's easy-pay window needs the buyer's id at the merchant (sent as MallUserId).
    out.push({ field: 'customer_id', rule: `간편결제에는 구매자 ID(customer_id, ${MAX_CUSTOMER_ID_LENGTH}자 이내)가 필수입니다 (스마트로 규칙)` });
  }
  // Smartro's phone window needs GoodsCl (digital content or not) and it must match the MID's
  // contract; gyeol cannot guess it, so V1 `digital` is required (PortOne's Smartro guide).
  if (request.payMethod === 'phone' && request.passThrough.digital === null) {
    out.push({ field: 'digital', rule: '휴대폰 소액결제에는 디지털 상품 여부(digital: true/false)가 필수입니다 (스마트로 규칙)' });
  }
  if (request.payMethod === 'vbank' && vbankDue === null) {
    out.push({ field: 'vbank_due', rule: '가상계좌 결제에는 입금기한(vbank_due)이 필수입니다 (스마트로 규칙)' });
  }
  if (language !== null && !(SMARTRO_LANGUAGES as readonly string[]).includes(language)) {
    out.push({ field: 'language', rule: `스마트로 결제창은 ${SMARTRO_LANGUAGES.join(', ')}만 지원합니다` });
  }
  if (request.escrow && !ESCROW_PAY_METHODS.includes(request.payMethod)) {
    out.push({ field: 'escrow', rule: `에스크로는 ${ESCROW_PAY_METHODS.join(', ')} 결제에서만 사용할 수 있습니다 (스마트로 규칙)` });
  }

  out.push(...cardDirectViolations(request));
  out.push(...bypassViolations(request.passThrough.bypass));
  out.push(...cashReceiptViolations(request));
  return out;
}

/**
 * `bypass.cashReceiptType` and `bypass.customerIdentifier` as PortOne's Smartro guide pairs them:
 * no type or `anonymous` → no identifier; `personal` → a phone number, a resident registration
 * number or a cash-receipt card number; `corporate` → a business registration number. Hyphens
 * are allowed in the identifier. No cash receipt for vbank (V1 cannot pass it) or escrow + trans.
 */
function cashReceiptViolations(request: PaymentFacts): FieldViolation[] {
  const bypass = request.passThrough.bypass;
  if (bypass === null) return [];
  const type = bypass.cashReceiptType;
  const identifier = bypass.customerIdentifier;
  const hasType = type !== undefined && type !== null && type !== '';
  const hasIdentifier = identifier !== undefined && identifier !== null && identifier !== '';
  if (!hasType && !hasIdentifier) return [];
  const out: FieldViolation[] = [];
  if (hasType && !(CASH_RECEIPT_TYPES as readonly unknown[]).includes(type)) {
    out.push({ field: 'bypass.cashReceiptType', rule: `${CASH_RECEIPT_TYPES.join(', ')} 중 하나여야 합니다` });
    return out;
  }
  if (request.payMethod === 'vbank') {
    out.push({ field: 'bypass.cashReceiptType', rule: '가상계좌 결제에는 현금영수증 정보를 보낼 수 없습니다 (스마트로 규칙)' });
  } else if (request.escrow && request.payMethod === 'trans') {
    out.push({ field: 'bypass.cashReceiptType', rule: '에스크로 계좌이체에는 현금영수증 정보를 보낼 수 없습니다 (스마트로 규칙)' });
  }
  const digits = typeof identifier === 'string' ? identifier.replace(/-/g, '') : null;
  if (!hasType || type === 'anonymous') {
    if (hasIdentifier) {
      out.push({ field: 'bypass.customerIdentifier', rule: '현금영수증 발행 유형이 없거나 anonymous이면 식별번호를 보낼 수 없습니다 (스마트로 규칙)' });
    }
  } else if (type === 'personal') {
    // 휴대폰번호 01X + 7~8 digits; 주민등록번호 13 digits; 현금영수증 카드번호 13~19 digits.
    if (digits === null || !(/^01\d{8,9}$/.test(digits) || /^\d{13,19}$/.test(digits))) {
      out.push({ field: 'bypass.customerIdentifier', rule: 'personal은 휴대폰번호, 주민등록번호 또는 현금영수증 카드번호가 필요합니다 (스마트로 규칙)' });
    }
  } else if (digits === null || !/^\d{10}$/.test(digits)) {
    out.push({ field: 'bypass.customerIdentifier', rule: 'corporate는 사업자등록번호(10자리)가 필요합니다 (스마트로 규칙)' });
  }
  return out;
}

function cardDirectViolations(request: PaymentFacts): FieldViolation[] {
  const direct = request.passThrough.cardDirect;
  if (direct === null || (direct.code === null && direct.quota === null)) return [];
  const out: FieldViolation[] = [];
  if (request.escrow) {
    out.push({ field: 'card.direct', rule: '에스크로 결제는 카드사 직접 호출(card.direct)과 함께 사용할 수 없습니다 (스마트로 규칙)' });
  }
  // Smartro fixes an installment plan only inside a directly called card company's window.
  if (direct.code === null) {
    out.push({ field: 'card.direct.code', rule: '할부개월(quota)은 카드사 코드(code)와 함께 지정해야 합니다 (스마트로 규칙)' });
  } else if (cardCompanyByKftcCode(direct.code) === null) {
    out.push({ field: 'card.direct.code', rule: '스마트로에서 직접 호출할 수 없는 카드사 코드입니다' });
  }
  if (direct.quota === null) {
    out.push({ field: 'card.direct.quota', rule: '카드사 코드(code)는 할부개월(quota)과 함께 지정해야 합니다 (일시불은 0, 스마트로 규칙)' });
  } else if (direct.quota === 1 || direct.quota > 12) {
    out.push({ field: 'card.direct.quota', rule: '할부개월은 0(일시불) 또는 2~12개월이어야 합니다 (스마트로 규칙)' });
  } else if (direct.quota >= 2 && request.amount < MIN_INSTALLMENT_AMOUNT) {
    out.push({ field: 'card.direct.quota', rule: '할부는 50,000원 이상 결제에서만 가능합니다' });
  }
  return out;
}

function bypassViolations(bypass: Record<string, unknown> | null): FieldViolation[] {
  const raw = bypass?.smartro_v2;
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return [{ field: 'bypass.smartro_v2', rule: '객체여야 합니다' }];
  }
  const options = raw as Record<string, unknown>;
  const out: FieldViolation[] = [];
  if (options.SkinColor !== undefined && !(SMARTRO_SKIN_COLORS as readonly unknown[]).includes(options.SkinColor)) {
    out.push({ field: 'bypass.smartro_v2.SkinColor', rule: `${SMARTRO_SKIN_COLORS.join(', ')} 중 하나여야 합니다` });
  }
  if (options.OpenType !== undefined && !(SMARTRO_OPEN_TYPES as readonly unknown[]).includes(options.OpenType)) {
    out.push({ field: 'bypass.smartro_v2.OpenType', rule: `${SMARTRO_OPEN_TYPES.join(', ')} 중 하나여야 합니다` });
  }
  if (options.GoodsCnt !== undefined && !isPositiveCount(options.GoodsCnt)) {
    out.push({ field: 'bypass.smartro_v2.GoodsCnt', rule: '1 이상의 정수여야 합니다' });
  }
  return out;
}

function isPositiveCount(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= 9999;
  return typeof value === 'string' && /^[1-9]\d{0,3}$/.test(value);
}
