import type { FieldViolation } from './errors';
import { isCurrency, toMinorUnits, type Currency } from './money';
import type { PayMethod } from './payment';

/**
 * A checkout request after the common V1 rules: what `IMP.request_pay(params)` asked for,
 * typed and with the amount in minor units. PG-specific rules are checked
 * afterwards by the channel's connector.
 */
export interface PaymentRequest {
  payMethod: PayMethod;
  merchantUid: string;
  name: string | null;
  amount: number;
  currency: Currency;
  taxFree: number | null;
  vatAmount: number | null;
  buyerName: string | null;
  buyerEmail: string | null;
  buyerTel: string | null;
  buyerAddr: string | null;
  buyerPostcode: string | null;
  customData: string | null;
  noticeUrl: string | null;
  mRedirectUrl: string | null;
  escrow: boolean;
  digital: boolean | null;
  vbankDue: string | null;
  customerUid: string | null;
  customerId: string | null;
  cardDirect: { code: string | null; quota: number | null } | null;
  /** PG pass-through (`bypass.{pg_provider}`), kept as given. */
  bypass: Record<string, unknown> | null;
  language: string | null;
}

export const SUPPORTED_PAY_METHODS: readonly PayMethod[] = ['card', 'trans', 'vbank', 'phone'];

/**
 * Size limits, in UTF-8 bytes of the value as stored (a string as given, anything else as JSON).
 * `custom_data` comes back in every lookup and webhook, so it stays small enough not to weigh on
 * those; `bypass` only carries a few PG options. V1 documents no limit for either.
 */
export const CUSTOM_DATA_MAX_BYTES = 16 * 1024;
export const BYPASS_MAX_BYTES = 4 * 1024;

const utf8 = new TextEncoder();

function sizeRule(maxBytes: number): string {
  return `최대 ${maxBytes / 1024}KiB(${maxBytes}바이트, JSON 직렬화 기준)까지 입력할 수 있습니다`;
}

type Raw = Record<string, unknown>;

function optionalString(raw: Raw, field: string, max: number, out: FieldViolation[]): string | null {
  const value = raw[field];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') {
    out.push({ field, rule: '문자열이어야 합니다' });
    return null;
  }
  if (value.length > max) out.push({ field, rule: `최대 ${max}자까지 입력할 수 있습니다` });
  return value;
}

function optionalAmount(raw: Raw, field: string, currency: Currency, out: FieldViolation[]): number | null {
  const value = raw[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number') {
    out.push({ field, rule: '숫자(number)여야 합니다' });
    return null;
  }
  const minor = toMinorUnits(value, currency);
  if (minor === null) out.push({ field, rule: '0 이상의 올바른 금액이어야 합니다' });
  return minor;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Applies the V1 rules every PG shares: `merchant_uid` a non-empty string, `amount` a number
 * (the SDK has refused strings since 2024-03), known `pay_method` and `currency`, URL fields
 * that are URLs. Returns every violation at once so the error names them all.
 */
export function parseRequestPayParams(
  input: unknown,
): { ok: true; request: PaymentRequest } | { ok: false; violations: FieldViolation[] } {
  const out: FieldViolation[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, violations: [{ field: 'params', rule: '결제 요청 파라미터는 객체여야 합니다' }] };
  }
  const raw = input as Raw;

  const currencyRaw = raw.currency ?? 'KRW';
  let currency: Currency = 'KRW';
  if (!isCurrency(currencyRaw)) out.push({ field: 'currency', rule: '지원하지 않는 화폐 단위입니다' });
  else currency = currencyRaw;

  const payMethodRaw = raw.pay_method ?? 'card';
  let payMethod: PayMethod = 'card';
  if (typeof payMethodRaw !== 'string' || !SUPPORTED_PAY_METHODS.includes(payMethodRaw as PayMethod)) {
    out.push({ field: 'pay_method', rule: `지원하는 결제수단이 아닙니다 (${SUPPORTED_PAY_METHODS.join(', ')})` });
  } else payMethod = payMethodRaw as PayMethod;

  let merchantUid = '';
  if (raw.merchant_uid === undefined || raw.merchant_uid === null || raw.merchant_uid === '') {
    out.push({ field: 'merchant_uid', rule: '필수 입력값입니다' });
  } else if (typeof raw.merchant_uid !== 'string') {
    out.push({ field: 'merchant_uid', rule: '문자열(string)이어야 합니다' });
  } else merchantUid = raw.merchant_uid;

  let amount = 0;
  if (raw.amount === undefined || raw.amount === null) {
    out.push({ field: 'amount', rule: '필수 입력값입니다' });
  } else if (typeof raw.amount !== 'number') {
    out.push({ field: 'amount', rule: '숫자(number)여야 합니다' });
  } else {
    const minor = toMinorUnits(raw.amount, currency);
    if (minor === null) out.push({ field: 'amount', rule: '0 이상의 올바른 금액이어야 합니다' });
    else amount = minor;
  }

  const name = optionalString(raw, 'name', 40, out);
  const buyerName = optionalString(raw, 'buyer_name', 100, out);
  const buyerEmail = optionalString(raw, 'buyer_email', 100, out);
  const buyerTel = optionalString(raw, 'buyer_tel', 40, out);
  const buyerAddr = optionalString(raw, 'buyer_addr', 200, out);
  const buyerPostcode = optionalString(raw, 'buyer_postcode', 10, out);
  const vbankDue = optionalString(raw, 'vbank_due', 20, out);
  const customerUid = optionalString(raw, 'customer_uid', 80, out);
  const customerId = optionalString(raw, 'customer_id', 80, out);
  const language = optionalString(raw, 'language', 5, out);

  const mRedirectUrl = optionalString(raw, 'm_redirect_url', 2000, out);
  if (mRedirectUrl !== null && !isHttpUrl(mRedirectUrl)) {
    out.push({ field: 'm_redirect_url', rule: 'http(s)로 시작하는 전체 URL이어야 합니다' });
  }

  let noticeUrl: string | null = null;
  const noticeRaw = raw.notice_url;
  if (noticeRaw !== undefined && noticeRaw !== null && noticeRaw !== '') {
    const urls = Array.isArray(noticeRaw) ? noticeRaw : [noticeRaw];
    if (urls.some((u) => typeof u !== 'string' || !isHttpUrl(u))) {
      out.push({ field: 'notice_url', rule: 'http(s) URL 또는 URL 배열이어야 합니다' });
    } else noticeUrl = JSON.stringify(urls);
  }

  let customData: string | null = null;
  if (raw.custom_data !== undefined && raw.custom_data !== null) {
    customData = typeof raw.custom_data === 'string' ? raw.custom_data : JSON.stringify(raw.custom_data);
    if (utf8.encode(customData).length > CUSTOM_DATA_MAX_BYTES) {
      out.push({ field: 'custom_data', rule: sizeRule(CUSTOM_DATA_MAX_BYTES) });
    }
  }

  const taxFree = optionalAmount(raw, 'tax_free', currency, out);
  const vatAmount = optionalAmount(raw, 'vat_amount', currency, out);
  if (taxFree !== null && taxFree > amount) out.push({ field: 'tax_free', rule: 'amount보다 클 수 없습니다' });

  for (const flag of ['escrow', 'digital'] as const) {
    if (raw[flag] !== undefined && raw[flag] !== null && typeof raw[flag] !== 'boolean') {
      out.push({ field: flag, rule: 'true 또는 false여야 합니다' });
    }
  }

  let cardDirect: PaymentRequest['cardDirect'] = null;
  const card = raw.card;
  if (card !== undefined && card !== null) {
    if (typeof card !== 'object' || Array.isArray(card)) out.push({ field: 'card', rule: '객체여야 합니다' });
    else {
      const direct = (card as Raw).direct;
      if (direct !== undefined && direct !== null) {
        if (typeof direct !== 'object' || Array.isArray(direct)) out.push({ field: 'card.direct', rule: '객체여야 합니다' });
        else {
          const { code, quota } = direct as Raw;
          if (code !== undefined && code !== null && typeof code !== 'string') {
            out.push({ field: 'card.direct.code', rule: '문자열이어야 합니다' });
          }
          if (quota !== undefined && quota !== null && (typeof quota !== 'number' || !Number.isInteger(quota) || quota < 0 || quota > 36)) {
            out.push({ field: 'card.direct.quota', rule: '0~36 사이의 정수여야 합니다' });
          }
          cardDirect = {
            code: typeof code === 'string' && code !== '' ? code : null,
            quota: typeof quota === 'number' ? quota : null,
          };
        }
      }
    }
  }

  let bypass: Record<string, unknown> | null = null;
  if (raw.bypass !== undefined && raw.bypass !== null) {
    if (typeof raw.bypass !== 'object' || Array.isArray(raw.bypass)) out.push({ field: 'bypass', rule: '객체여야 합니다' });
    else if (utf8.encode(JSON.stringify(raw.bypass)).length > BYPASS_MAX_BYTES) {
      out.push({ field: 'bypass', rule: sizeRule(BYPASS_MAX_BYTES) });
    } else bypass = raw.bypass as Record<string, unknown>;
  }

  if (out.length > 0) return { ok: false, violations: out };
  return {
    ok: true,
    request: {
      payMethod,
      merchantUid,
      name,
      amount,
      currency,
      taxFree,
      vatAmount,
      buyerName,
      buyerEmail,
      buyerTel,
      buyerAddr,
      buyerPostcode,
      customData,
      noticeUrl,
      mRedirectUrl,
      escrow: raw.escrow === true,
      digital: typeof raw.digital === 'boolean' ? raw.digital : null,
      vbankDue,
      customerUid,
      customerId,
      cardDirect,
      bypass,
      language,
    },
  };
}
