import type { FieldViolation } from './errors';
import { currencyDecimals, isCurrency, MAX_MINOR_UNITS, toMinorUnits, type Currency } from './money';
import { EASY_PAY_METHODS, type PayMethod, type ServicePeriod } from './payment';

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
  /** The deposit deadline as `YYYYMMDDhhmmss`, Korea time (a date alone means 23:59:59 that day). */
  vbankDue: string | null;
  customerUid: string | null;
  customerId: string | null;
  cardDirect: { code: string | null; quota: number | null } | null;
  /** PG pass-through (`bypass.{pg_provider}`), kept as given. */
  bypass: Record<string, unknown> | null;
  language: string | null;
  period: ServicePeriod | null;
}

export const SUPPORTED_PAY_METHODS: readonly PayMethod[] = ['card', 'trans', 'vbank', 'phone', ...EASY_PAY_METHODS];

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

/** The `language` values V1 documents for the payment window. */
export const V1_LANGUAGES = ['ko', 'en', 'zh'] as const;

/**
 * Why a wire amount cannot be a payment amount in this currency, or null when it can. Each
 * reason names what the merchant must change: a currency without a minor unit (KRW, JPY) takes
 * whole numbers only, the others at most two decimals, as V1's guide says.
 */
export function amountProblem(value: number, currency: Currency): string | null {
  if (!Number.isFinite(value)) return '올바른 숫자여야 합니다';
  if (value < 0) return '0보다 큰 금액이어야 합니다';
  if (toMinorUnits(value, currency) !== null) return null;
  const decimals = currencyDecimals(currency);
  const max = MAX_MINOR_UNITS / 10 ** decimals;
  if (value > max) return `최대 ${max.toLocaleString('en-US', { maximumFractionDigits: decimals })}까지 입력할 수 있습니다`;
  if (decimals === 0) return `${currency}는 소수점 이하 단위가 없어 정수 금액만 입력할 수 있습니다`;
  return `소수점 이하 ${decimals}자리까지만 입력할 수 있습니다`;
}

// Korea has had no daylight saving time since 1988: Korea time is always UTC+9.
const KST_OFFSET_MS = 9 * 60 * 60 * 1000;
const VBANK_DUE_FORMATS = 'YYYYMMDD, YYYY-MM-DD, YYYYMMDDhhmm, YYYYMMDDhhmmss 또는 YYYY-MM-DD hh:mm:ss';

/** Whether `YYYYMMDD` names a real calendar day. */
function isCalendarDate(digits: string): boolean {
  const y = Number(digits.slice(0, 4));
  const m = Number(digits.slice(4, 6));
  const d = Number(digits.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1900 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * Reads a `vbank_due` into `YYYYMMDDhhmmss`, Korea time, and the instant it names. A date alone
 * means the end of that day (23:59:59), as Smartro forces it. Accepts the forms V1 documents
 * (`YYYYMMDD`, `YYYY-MM-DD`, `YYYY-MM-DD HH:mm:ss`, `YYYYMMDDHHmmss`) and `YYYYMMDDhhmm`, the
 * form V1's own playground shows and Smartro's `VbankExpDate` also takes.
 */
export function normalizeVbankDue(value: string): { due: string; at: Date } | null {
  const compact = value.trim().replace(/^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/, (_m, y, mo, d, h = '', mi = '', se = '') => `${y}${mo}${d}${h}${mi}${se}`);
  if (!/^\d{8}(\d{4}(\d{2})?)?$/.test(compact)) return null;
  const date = compact.slice(0, 8);
  if (!isCalendarDate(date)) return null;
  const time = compact.length === 8 ? '235959' : compact.length === 12 ? `${compact.slice(8)}00` : compact.slice(8);
  const [h, mi, se] = [time.slice(0, 2), time.slice(2, 4), time.slice(4, 6)].map(Number);
  if (h > 23 || mi > 59 || se > 59) return null;
  const at = new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)), h, mi, se) - KST_OFFSET_MS);
  return { due: `${date}${time}`, at };
}

function parsePeriod(value: unknown, out: FieldViolation[]): ServicePeriod | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    out.push({ field: 'period', rule: '{from, to} 형태의 객체여야 합니다' });
    return null;
  }
  const { from, to } = value as Raw;
  let ok = true;
  for (const [field, end] of [['period.from', from], ['period.to', to]] as const) {
    if (end === undefined || end === null || end === '') {
      out.push({ field, rule: 'from과 to를 모두 지정해야 합니다' });
      ok = false;
    } else if (typeof end !== 'string' || !/^\d{8}$/.test(end) || !isCalendarDate(end)) {
      out.push({ field, rule: 'YYYYMMDD 형식의 올바른 날짜여야 합니다' });
      ok = false;
    }
  }
  if (!ok) return null;
  if ((from as string) > (to as string)) {
    out.push({ field: 'period', rule: '시작일(from)은 종료일(to)보다 늦을 수 없습니다' });
    return null;
  }
  return { from: from as string, to: to as string };
}

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
  const problem = amountProblem(value, currency);
  if (problem !== null) {
    out.push({ field, rule: problem });
    return null;
  }
  return toMinorUnits(value, currency);
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
 * Applies the V1 rules every PG shares: `merchant_uid` a non-empty string, `amount` a positive
 * number (the SDK has refused strings since 2024-03) with no more decimals than the currency
 * has, known `pay_method` and `currency`, URL fields that are URLs, `vbank_due` a future date
 * (normalized), `period` two ordered `YYYYMMDD` days. Returns every violation at once so the
 * error names them all.
 * @param options.now the moment `vbank_due` must lie after
 */
export function parseRequestPayParams(
  input: unknown,
  options: { now: Date },
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
    const problem = amountProblem(raw.amount, currency);
    if (problem !== null) out.push({ field: 'amount', rule: problem });
    // Zero is only meaningful for a billing-key window (V1 issues the key without charging).
    else if (raw.amount === 0 && (typeof raw.customer_uid !== 'string' || raw.customer_uid === '')) {
      out.push({ field: 'amount', rule: '0보다 큰 금액이어야 합니다' });
    } else amount = toMinorUnits(raw.amount, currency) ?? 0;
  }

  const name = optionalString(raw, 'name', 40, out);
  const buyerName = optionalString(raw, 'buyer_name', 100, out);
  const buyerEmail = optionalString(raw, 'buyer_email', 100, out);
  const buyerTel = optionalString(raw, 'buyer_tel', 40, out);
  const buyerAddr = optionalString(raw, 'buyer_addr', 200, out);
  const buyerPostcode = optionalString(raw, 'buyer_postcode', 10, out);
  const vbankDueRaw = optionalString(raw, 'vbank_due', 20, out);
  let vbankDue: string | null = null;
  if (vbankDueRaw !== null) {
    const read = normalizeVbankDue(vbankDueRaw);
    if (read === null) out.push({ field: 'vbank_due', rule: `${VBANK_DUE_FORMATS} 형식의 올바른 날짜여야 합니다` });
    else if (read.at.getTime() <= options.now.getTime()) out.push({ field: 'vbank_due', rule: '이미 지난 시각입니다 (입금기한은 미래여야 합니다)' });
    else vbankDue = read.due;
  }
  const customerUid = optionalString(raw, 'customer_uid', 80, out);
  const customerId = optionalString(raw, 'customer_id', 80, out);
  const language = optionalString(raw, 'language', 5, out);
  if (language !== null && !(V1_LANGUAGES as readonly string[]).includes(language)) {
    out.push({ field: 'language', rule: `${V1_LANGUAGES.join(', ')} 중 하나여야 합니다` });
  }
  const period = parsePeriod(raw.period, out);

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

  // gyeol's PG (Smartro) cannot restrict the installment list or the card companies shown, and
  // silently ignoring them would show the buyer choices the merchant asked to hide.
  const display = raw.display;
  if (display !== undefined && display !== null) {
    if (typeof display !== 'object' || Array.isArray(display)) out.push({ field: 'display', rule: '객체여야 합니다' });
    else if ((display as Raw).card_quota !== undefined) {
      out.push({ field: 'display.card_quota', rule: '지원하지 않는 파라미터입니다 (할부개월은 card.direct의 code와 quota로 지정하세요)' });
    }
  }

  let cardDirect: PaymentRequest['cardDirect'] = null;
  const card = raw.card;
  if (card !== undefined && card !== null) {
    if (typeof card !== 'object' || Array.isArray(card)) out.push({ field: 'card', rule: '객체여야 합니다' });
    else {
      if ((card as Raw).detail !== undefined) {
        out.push({ field: 'card.detail', rule: '지원하지 않는 파라미터입니다 (카드사별 할부 설정은 가맹점 계약으로 정해집니다)' });
      }
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
      period,
    },
  };
}
