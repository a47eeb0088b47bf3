/**
 * Smartro billing (빌링, protocol reference §3.4): the billing window (its rules, its form, and
 * reading its issue callback: decrypt `BillTokenKey`, verify `VerifyValue`) and charging a
 * billing key with `ssbbill.do` (a pure build-request / read-answer pair in the AES envelope, as
 * `cancel.do`). The billing key is never logged and never part of an error message.
 */
import {
  ConnectorFault,
  type ApprovalResult,
  type BillingChargeFlow,
  type BillingChargeInput,
  type BillingKeyIssueReturn,
  type BillingKeyWindow,
  type PaymentFacts,
  type PaymentWindowInput,
  type PgAnswer,
  type WindowLaunch,
} from '../contract';
import type { FieldViolation } from '../../domain/errors';
import { jsonAnswer } from '../executor';
import { billingSettingsProblem, type SmartroCredentials } from './credentials';
import { aesDecrypt, billIssueRequestVerifyValue, billIssueVerifyValue, billPayVerifyValue, encryptEnvelope, sameHash, verifySignValue } from './crypto';
import { MAX_AMOUNT, MAX_BUYER_EMAIL_LENGTH, MAX_BUYER_NAME_LENGTH, MAX_CUSTOMER_ID_LENGTH, MIN_INSTALLMENT_AMOUNT, smartroOrderId } from './rules';
import { cardDetailsFrom, knownResultCode, readAmount, readSignedOrBare, toV1Card, type SmartroResultMeaning } from './transformers';
import { SMARTRO_LAUNCHER, taxSplit, USER_ABORT_CODE, USER_ABORT_MESSAGE, type SmartroBillingLaunchData } from './window';
import {
  BILLING_KEY_ISSUED,
  SMARTRO_BILLING_WINDOW_PATH,
  SMARTRO_SKIN_COLORS,
  type SmartroBillingWindowFields,
  BILLING_PAY_APPROVED,
  BILLING_PAY_APPROVED_ALT,
  ediDate,
  parseAuthDate,
  receiptUrl,
  SSBBILL_PATH,
  withSmartroCardCodes,
  type SmartroBillingPayRequest,
  type SmartroBillingPayResponse,
} from './wire';

/** Smartro's `GoodsName` holds at most 40 characters. */
const MAX_GOODS_NAME_LENGTH = 40;
const DEFAULT_GOODS_NAME = '정기결제';
/** Card companies offer installments up to 12 months on a billing charge (our limit, as V1's `card_quota` examples). */
const MAX_CARD_QUOTA = 12;

// A masked card number shows a few digits; 13 or more digits in a row can only be a full number.
const UNMASKED_RUN = /\d{13,}/;

function blank(value: string | null | undefined): boolean {
  return value === null || value === undefined || value.trim() === '';
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

// ---- issue callback ----

/** What a billing window's callback says, once read. */
export type BillingIssueRead =
  | {
      ok: true;
      /** The billing key, plain. Store it encrypted; never log it. */
      billingKey: string;
      /** The issuing company's V1 card code (KFTC), when Smartro's code is in the table. */
      cardCode: string | null;
      cardName: string | null;
      /** Masked, as Smartro shows it (`5239-****-****-9001`). */
      displayCardNo: string;
      /** Smartro's `CardExpire` as sent (`yyyyMMddHHmm`). */
      cardExpire: string;
      /** `MallUserId`: the V1 `customer_id` the key was issued for. */
      customerId: string;
      /** The issue's own Tid. */
      tid: string;
      /** The order id of the issue (`Moid`). */
      moid: string;
    }
  /** Verified enough to say Smartro did not issue (e.g. the buyer gave up): nothing to store. */
  | { ok: false; kind: 'declined'; code: string; message: string }
  /** Not trustworthy: bad VerifyValue, another MID, a key that does not decrypt, fields missing. */
  | { ok: false; kind: 'rejected'; reason: string };

/**
 * Reads the billing window's POST to ReturnURL (form fields). A success (`3001`) must be for the
 * channel's MID, carry a `BillTokenKey` that decrypts under the merchant key, a masked
 * `DisplayCardNo`, and a `VerifyValue` = SHA256(Mid + BillTokenKey + DisplayCardNo + ResultCode +
 * "SMARTRO!@#") that matches (compared in constant time). Any other result code is a decline.
 */
export function readBillingIssueCallback(credentials: SmartroCredentials, fields: Record<string, string>): BillingIssueRead {
  const mid = fields.Mid ?? '';
  if (mid !== credentials.mid) return { ok: false, kind: 'rejected', reason: `the callback is for MID ${mid || '(none)'}, not the channel's ${credentials.mid}` };
  const code = fields.ResultCode ?? '';
  if (code === '') return { ok: false, kind: 'rejected', reason: 'the callback has no ResultCode' };
  if (code !== BILLING_KEY_ISSUED.resultCode) {
    return { ok: false, kind: 'declined', code, message: nonEmpty(fields.ResultMsg) ?? knownResultCode(code)?.description ?? '' };
  }
  const encrypted = nonEmpty(fields.BillTokenKey);
  const tid = nonEmpty(fields.Tid);
  const displayCardNo = nonEmpty(fields.DisplayCardNo);
  const verifyValue = nonEmpty(fields.VerifyValue);
  if (encrypted === null || tid === null || displayCardNo === null || verifyValue === null) {
    return { ok: false, kind: 'rejected', reason: 'the callback lacks BillTokenKey, Tid, DisplayCardNo or VerifyValue' };
  }
  let billingKey: string;
  try {
    billingKey = aesDecrypt(encrypted, credentials.merchantKey);
  } catch {
    return { ok: false, kind: 'rejected', reason: 'BillTokenKey does not decrypt under the merchant key' };
  }
  if (billingKey === '') return { ok: false, kind: 'rejected', reason: 'BillTokenKey is empty' };
  if (!sameHash(billIssueVerifyValue(mid, billingKey, displayCardNo, code), verifyValue)) {
    return { ok: false, kind: 'rejected', reason: `VerifyValue of the billing key issue ${tid} does not verify` };
  }
  const compact = displayCardNo.replace(/[\s-]/g, '');
  if (!compact.includes('*') || UNMASKED_RUN.test(compact)) {
    return { ok: false, kind: 'rejected', reason: 'DisplayCardNo is not masked; it was discarded' };
  }
  const card = toV1Card(nonEmpty(fields.IssuerCardCd) ?? undefined, nonEmpty(fields.IssuerCardNm) ?? undefined, withSmartroCardCodes(credentials.cardCodes));
  return {
    ok: true,
    billingKey,
    cardCode: card.code,
    cardName: card.name,
    displayCardNo,
    cardExpire: fields.CardExpire ?? '',
    customerId: fields.MallUserId ?? '',
    tid,
    moid: fields.Moid ?? '',
  };
}

// ---- the billing window: rules, form, return ----

/** `bypass.smartro_v2.IsPwdPass` values (PortOne's Smartro guide). */
export const IS_PWD_PASS_VALUES = ['Y', 'N'] as const;
/** Result codes a buyer closing a window is reported with (reference §4: both treated as user abort). */
const ABORT_CODES: readonly string[] = [USER_ABORT_CODE, 'W034'];
/** The error code of a billing window return that did not verify (gyeol's, reported as `error_code`). */
export const BILLING_ISSUE_UNVERIFIED = {
  code: 'BILLING_ISSUE_UNVERIFIED',
  message: '빌링키 발급 결과를 검증하지 못해 카드를 등록하지 않았습니다. 다시 시도해 주세요.',
} as const;

function smartroBypass(payment: PaymentFacts): Record<string, unknown> {
  const raw = payment.passThrough.bypass?.smartro_v2;
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
}

/**
 * Smartro's rules on a billing-key request (`request_pay` with `customer_uid`), after the common
 * V1 rules (PortOne's Smartro guide, "빌링키 발급"): card only; `customer_id` required, ≤ 20
 * (Smartro's `MallUserID`: the phone identity check is once per id); the window is Korean only,
 * so another `language` is refused rather than silently shown in Korean; no escrow and no direct
 * card-company call (the billing form has neither); `bypass.smartro_v2` `SkinColor` and
 * `IsPwdPass` (Y/N). The `amount` is not approved, so no amount rule applies; `m_redirect_url` on
 * mobile is a common rule.
 * @example validateBillingIssue({ ...facts, payMethod: 'trans' }, { mobile: false })
 *   // → [{ field: 'pay_method', rule: '빌링키 발급은 카드(card)로만 할 수 있습니다 (스마트로 규칙)' }, …]
 */
export function validateBillingIssue(payment: PaymentFacts, env: { mobile: boolean }): FieldViolation[] {
  void env;
  const out: FieldViolation[] = [];
  if (payment.payMethod !== 'card') out.push({ field: 'pay_method', rule: '빌링키 발급은 카드(card)로만 할 수 있습니다 (스마트로 규칙)' });
  if (!/^[A-Za-z0-9]*$/.test(payment.merchantUid)) out.push({ field: 'merchant_uid', rule: '영문자와 숫자만 사용할 수 있습니다' });
  if (payment.currency !== 'KRW') out.push({ field: 'currency', rule: '스마트로 빌링은 KRW만 가능합니다' });
  const { customerId, language, cardDirect } = payment.passThrough;
  if (customerId === null || customerId.trim() === '') {
    out.push({ field: 'customer_id', rule: `빌링키 발급에는 구매자 ID(customer_id, ${MAX_CUSTOMER_ID_LENGTH}자 이내)가 필수입니다 (스마트로 규칙)` });
  } else if (customerId.length > MAX_CUSTOMER_ID_LENGTH) {
    out.push({ field: 'customer_id', rule: `최대 ${MAX_CUSTOMER_ID_LENGTH}자까지 입력할 수 있습니다 (스마트로 규칙)` });
  }
  if (language !== null && language !== 'ko') {
    out.push({ field: 'language', rule: '스마트로 빌링키 발급창은 한국어(ko)만 지원합니다' });
  }
  if (payment.escrow) out.push({ field: 'escrow', rule: '빌링키 발급에는 에스크로를 사용할 수 없습니다' });
  if (cardDirect !== null && (cardDirect.code !== null || cardDirect.quota !== null)) {
    out.push({ field: 'card.direct', rule: '빌링키 발급창은 카드사 직접 호출(card.direct)을 지원하지 않습니다' });
  }
  const raw = payment.passThrough.bypass?.smartro_v2;
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    out.push({ field: 'bypass.smartro_v2', rule: '객체여야 합니다' });
    return out;
  }
  const options = smartroBypass(payment);
  if (options.SkinColor !== undefined && !(SMARTRO_SKIN_COLORS as readonly unknown[]).includes(options.SkinColor)) {
    out.push({ field: 'bypass.smartro_v2.SkinColor', rule: `${SMARTRO_SKIN_COLORS.join(', ')} 중 하나여야 합니다` });
  }
  if (options.IsPwdPass !== undefined && !(IS_PWD_PASS_VALUES as readonly unknown[]).includes(options.IsPwdPass)) {
    out.push({ field: 'bypass.smartro_v2.IsPwdPass', rule: `${IS_PWD_PASS_VALUES.join(' 또는 ')}여야 합니다` });
  }
  if (options.OpenType !== undefined && options.OpenType !== 'KR') {
    out.push({ field: 'bypass.smartro_v2.OpenType', rule: '스마트로 빌링키 발급창은 한국어(KR)만 지원합니다' });
  }
  return out;
}

/**
 * The billing window's form (reference §3.4 "Issue through the UI"). `VerifyValue` is
 * SHA256(EdiDate + MID + Moid + "SMARTRO!@#"): no merchant key is involved, so nothing secret is
 * rendered into the browser. No amount travels: nothing is approved.
 * @param now the moment stamped as `EdiDate` (Korea time)
 */
export function buildBillingWindowFields(credentials: SmartroCredentials, input: PaymentWindowInput, now: Date): SmartroBillingWindowFields {
  const { payment } = input;
  const stamp = ediDate(now);
  const moid = smartroOrderId(payment.merchantUid);
  const options = smartroBypass(payment);
  return {
    PayMethod: 'CARD',
    MID: credentials.mid,
    Moid: moid,
    MallUserID: payment.passThrough.customerId ?? '',
    // The merchant server's IP (상점서버IP): the gateway does not know the address it is seen by.
    MallIP: '',
    ReturnURL: input.returnUrl,
    VerifyValue: billIssueRequestVerifyValue(stamp, credentials.mid, moid),
    SecureType: 'S2',
    EncodingType: 'utf8',
    SspMallID: credentials.sspMallId ?? '',
    EdiDate: stamp,
    RtnUrlEncUse: 'N',
    IsPwdPass: options.IsPwdPass === 'N' ? 'N' : 'Y',
    ...(options.SkinColor !== undefined ? { SkinColor: options.SkinColor as SmartroBillingWindowFields['SkinColor'] } : {}),
  };
}

/**
 * Describes the billing window: the launcher posts its form, in the checkout window itself, to
 * {@link SMARTRO_BILLING_WINDOW_PATH} on the channel's JS host (the mobile one on a phone). The
 * window later posts its result to ReturnURL in the same frame (PC: inside the SDK's iframe).
 */
export function openBillingWindow(credentials: SmartroCredentials, input: PaymentWindowInput, now: Date): WindowLaunch {
  const base = input.mobile ? credentials.mobileJsBaseUrl : credentials.jsBaseUrl;
  const data: SmartroBillingLaunchData = {
    kind: 'billing',
    action: `${base}${SMARTRO_BILLING_WINDOW_PATH}`,
    fields: { ...buildBillingWindowFields(credentials, input, now) } as Record<string, string>,
  };
  return { launcher: SMARTRO_LAUNCHER, scripts: [], origins: [new URL(base).origin], data };
}

/** `5239-****-****-9001` → `5239********9001`: the masked number as V1's `card_number` shows one. */
function v1MaskedNumber(displayCardNo: string): string {
  return displayCardNo.replace(/[\s-]/g, '');
}

/**
 * Reads the billing window's POST to ReturnURL. `U999`/`W034` (or no result at all) is the
 * buyer closing the window; a success must pass {@link readBillingIssueCallback} (the channel's
 * MID, a key that decrypts, a masked card number, a matching VerifyValue); any other result code
 * is Smartro refusing to issue. A failure carries no VerifyValue: it is believed, as it stores
 * nothing and only ends the attempt.
 */
export function readBillingWindowReturn(credentials: SmartroCredentials, fields: Record<string, string>): BillingKeyIssueReturn {
  const code = fields.ResultCode?.trim() ?? '';
  const message = fields.ResultMsg?.trim() ?? '';
  if (ABORT_CODES.includes(code) || (code === '' && nonEmpty(fields.BillTokenKey) === null)) {
    return { kind: 'aborted', code: code || USER_ABORT_CODE, message: message || USER_ABORT_MESSAGE };
  }
  // A refusal carries no key and no VerifyValue, whichever MID it names: it stores nothing.
  if (code !== BILLING_KEY_ISSUED.resultCode && nonEmpty(fields.BillTokenKey) === null) {
    return { kind: 'declined', code, message: message || knownResultCode(code)?.description || '빌링키 발급에 실패했습니다' };
  }
  const read = readBillingIssueCallback(credentials, fields);
  if (read.ok) {
    return {
      kind: 'issued',
      billingKey: read.billingKey,
      pgTid: read.tid,
      order: { merchantUid: read.moid, pgId: credentials.mid },
      customerId: read.customerId,
      card: { cardCode: read.cardCode, cardName: read.cardName, cardNumber: v1MaskedNumber(read.displayCardNo), cardType: null },
    };
  }
  if (read.kind === 'declined') return { kind: 'declined', code: read.code, message: read.message || '빌링키 발급에 실패했습니다' };
  return { kind: 'rejected', code: BILLING_ISSUE_UNVERIFIED.code, message: BILLING_ISSUE_UNVERIFIED.message, reason: read.reason };
}

/** Smartro's billing window as the checkout uses it (contract: {@link BillingKeyWindow}). */
export const smartroBillingWindow: BillingKeyWindow<SmartroCredentials> = {
  channelProblem: billingSettingsProblem,
  validate: validateBillingIssue,
  open: openBillingWindow,
  readReturn: readBillingWindowReturn,
};

// ---- charge (ssbbill.do) ----

/**
 * Smartro's rules on a billing charge (PortOne's Smartro guide): the channel has an ssp Mall ID;
 * `merchant_uid` letters and digits; KRW only; `buyer_name`, `buyer_email`, `buyer_tel` required for API
 * charges; `customer_id` ≤ 20; an installment only from 50,000 won; no merchant-paid interest
 * asked per charge.
 */
export function validateBillingCharge(credentials: SmartroCredentials, input: BillingChargeInput): FieldViolation[] {
  const out: FieldViolation[] = [];
  const settings = billingSettingsProblem(credentials);
  if (settings) out.push(settings);
  if (!/^[A-Za-z0-9]+$/.test(input.merchantUid)) out.push({ field: 'merchant_uid', rule: '영문자와 숫자만 사용할 수 있습니다 (스마트로 규칙)' });
  // As the window (rules.ts): KRW only, USD temporarily unavailable.
  if (input.currency !== 'KRW') out.push({ field: 'currency', rule: '스마트로 빌링 결제는 KRW만 가능합니다' });
  if (!Number.isInteger(input.amount) || input.amount < 1) out.push({ field: 'amount', rule: '1원 이상이어야 합니다 (스마트로 규칙)' });
  else if (input.amount > MAX_AMOUNT) out.push({ field: 'amount', rule: '최대 12자리까지 결제할 수 있습니다 (스마트로 규칙)' });
  if (blank(input.buyerName)) out.push({ field: 'buyer_name', rule: '스마트로 API 결제에는 구매자 이름(buyer_name)이 필수입니다' });
  else if ((input.buyerName as string).length > MAX_BUYER_NAME_LENGTH) out.push({ field: 'buyer_name', rule: `최대 ${MAX_BUYER_NAME_LENGTH}자까지 입력할 수 있습니다 (스마트로 규칙)` });
  if (blank(input.buyerEmail)) out.push({ field: 'buyer_email', rule: '스마트로 API 결제에는 구매자 이메일(buyer_email)이 필수입니다' });
  else if ((input.buyerEmail as string).length > MAX_BUYER_EMAIL_LENGTH) out.push({ field: 'buyer_email', rule: `최대 ${MAX_BUYER_EMAIL_LENGTH}자까지 입력할 수 있습니다 (스마트로 규칙)` });
  if (blank(input.buyerTel)) out.push({ field: 'buyer_tel', rule: '스마트로 API 결제에는 구매자 전화번호(buyer_tel)가 필수입니다' });
  if (!Number.isInteger(input.cardQuota) || input.cardQuota < 0 || input.cardQuota === 1 || input.cardQuota > MAX_CARD_QUOTA) {
    out.push({ field: 'card_quota', rule: `0(일시불) 또는 2~${MAX_CARD_QUOTA}개월이어야 합니다` });
  } else if (input.cardQuota >= 2 && input.amount < MIN_INSTALLMENT_AMOUNT) {
    out.push({ field: 'card_quota', rule: '할부는 결제금액 50,000원 이상부터 가능합니다' });
  }
  if (input.customerId !== null && input.customerId.length > MAX_CUSTOMER_ID_LENGTH) {
    out.push({ field: 'customer_id', rule: `최대 ${MAX_CUSTOMER_ID_LENGTH}자까지 입력할 수 있습니다 (스마트로 규칙)` });
  }
  // ssbbill.do has no field for it: merchant-paid interest is a contract of the MID. Taking the flag
  // and charging the buyer interest anyway would be worse than refusing it.
  if (input.interestFreeByMerchant && input.cardQuota >= 2) {
    out.push({ field: 'interest_free_by_merchant', rule: '스마트로는 빌링 결제마다 가맹점 부담 무이자 할부를 지정할 수 없습니다 (MID 계약으로 정해집니다)' });
  }
  return out;
}

/**
 * The inner fields of `ssbbill.do`, before the envelope. The tax split is the window's
 * (`taxSplit`); without a VAT amount, VAT is a tenth of the supply value of the taxable part.
 */
export function billingPayFields(credentials: SmartroCredentials, input: BillingChargeInput, now: Date): SmartroBillingPayRequest {
  const amt = String(input.amount);
  // taxFree is always a number here, so the split always exists.
  const tax = taxSplit({ amount: input.amount, taxFree: input.taxFree ?? 0, vatAmount: input.vatAmount }) ?? { TaxAmt: amt, VatAmt: '0', TaxFreeAmt: '0' };
  return {
    PayMethod: 'CARD',
    Mid: credentials.mid,
    BillTokenKey: input.billingKey,
    Moid: smartroOrderId(input.merchantUid),
    EdiDate: ediDate(now),
    BuyerName: input.buyerName ?? '',
    BuyerTel: input.buyerTel ?? '',
    BuyerEmail: input.buyerEmail ?? '',
    CardQuota: String(input.cardQuota).padStart(2, '0'),
    CardPoint: input.useCardPoint ? '1' : '0',
    GoodsCnt: '1',
    GoodsName: (input.name ?? DEFAULT_GOODS_NAME).slice(0, MAX_GOODS_NAME_LENGTH),
    Amt: amt,
    SvcAmt: '0',
    TaxAmt: tax.TaxAmt,
    VatAmt: tax.VatAmt,
    TaxFreeAmt: tax.TaxFreeAmt,
    MallUserId: input.customerId ?? '',
    MallIp: '',
    UserIp: input.buyerIp ?? '',
    VerifyValue: billPayVerifyValue(input.billingKey, credentials.mid, amt),
  };
}

/**
 * How a result code in an answer to `ssbbill.do` is treated. `already-approved`: the answer is
 * about an earlier charge of the same order with this key (a re-sent charge took nothing more).
 */
export type BillingPayOutcome = 'approved' | 'already-approved' | 'declined' | 'unexpected';

/**
 * Decides what a result code means for a billing charge. One exhaustive switch: `3001` (the
 * simulator's, {@link BILLING_PAY_APPROVED}) and `0000` (the other published code) approve;
 * `B101` (our duplicate-order code) says the order was approved before; refusals, aborts, system
 * errors and unknown codes decline; another kind of success is unexpected.
 * @example billingPayOutcome('3001') // 'approved'
 * @example billingPayOutcome('B101') // 'already-approved'
 * @example billingPayOutcome('3052') // 'declined'
 * @example billingPayOutcome('4000') // 'unexpected'
 */
export function billingPayOutcome(code: string): BillingPayOutcome {
  const known = knownResultCode(code);
  if (known === null) return 'declined';
  const meaning: SmartroResultMeaning = known.meaning;
  switch (meaning) {
    case 'card-approved':
    case 'easypay-approved':
      // '3001' and '0000': the two billing success codes of the public record (wire.ts).
      return code === BILLING_PAY_APPROVED.resultCode || code === BILLING_PAY_APPROVED_ALT ? 'approved' : 'unexpected';
    case 'order-already-charged':
      return 'already-approved';
    case 'user-aborted':
    case 'system-error':
      return 'declined';
    case 'bank-approved':
    case 'phone-approved':
    case 'vbank-issued':
    case 'vbank-deposited':
    case 'other-success':
    case 'cancel-accepted':
    case 'refund-completed':
    case 'already-cancelled':
      return 'unexpected';
    default: {
      const unreachable: never = meaning;
      return unreachable;
    }
  }
}

/**
 * Reads an answer of `ssbbill.do`. Smartro's bare error body is an unverified decline; a signed
 * answer must verify (`SignValue` over its Tid) and be about this order: `Mid`, `Moid` and `Amt`,
 * when present, must be the channel's, the charge's and its amount (an approval must carry the
 * last two). A decline's `pgTid` is the answer's Tid.
 *
 * A signed `B101` (the order was charged with this key before: a re-sent charge, whose first
 * answer was lost) is read as the approval it names: `approved` with the earlier charge's Tid,
 * date and card, when it is for the same amount — the money was taken once, by that charge. For
 * another amount it is a verified decline of this charge (the order id is spent on this key;
 * nothing was charged for this amount), with no Tid of its own.
 * @throws ConnectorFault signature | mismatch | malformed
 */
export function readBillingPayAnswer(credentials: SmartroCredentials, input: BillingChargeInput, answer: PgAnswer, now: Date): ApprovalResult {
  const read = readSignedOrBare<SmartroBillingPayResponse>(jsonAnswer(answer));
  if (!read.signed) return { outcome: 'declined', pgTid: null, code: read.code, message: read.message, verified: false };
  const response = read.response;
  if (!verifySignValue(response.Tid, response.ResultCode, credentials.merchantKey, response.SignValue)) {
    throw new ConnectorFault('signature', `SignValue of Smartro's billing answer for Tid ${response.Tid} does not verify`);
  }
  const code = response.ResultCode;
  const message = nonEmpty(response.ResultMsg) ?? knownResultCode(code)?.description ?? '';
  const moid = smartroOrderId(input.merchantUid);
  if (response.Mid !== undefined && response.Mid !== credentials.mid) {
    throw new ConnectorFault('mismatch', `Smartro answered a billing charge for MID ${String(response.Mid)}, not the channel's ${credentials.mid}`);
  }
  if (response.Moid !== undefined && response.Moid !== moid) throw new ConnectorFault('mismatch', `Smartro answered a billing charge of Moid ${String(response.Moid)}, not ${moid}`);
  const amount = response.Amt === undefined ? null : readAmount(response.Amt);
  const otherAmount = response.Amt !== undefined && amount !== input.amount;
  const outcome = billingPayOutcome(code);
  switch (outcome) {
    case 'declined':
      if (otherAmount) throw new ConnectorFault('mismatch', `Smartro answered a billing charge of ${String(response.Amt)}, not ${input.amount}`);
      return { outcome: 'declined', pgTid: response.Tid, code, message, verified: true };
    case 'unexpected':
      throw new ConnectorFault('mismatch', `Smartro answered a billing charge with result ${code} (${message})`);
    case 'already-approved':
      if (response.Moid === undefined || amount === null) throw new ConnectorFault('malformed', `Smartro answered ${code} without the earlier charge's Moid and Amt`);
      if (otherAmount) {
        return { outcome: 'declined', pgTid: null, code, message: `${message} (이전 결제 ${amount}원, 이번 요청 ${input.amount}원)`, verified: true };
      }
      break;
    case 'approved':
      if (otherAmount) throw new ConnectorFault('mismatch', `Smartro answered a billing charge of ${String(response.Amt)}, not ${input.amount}`);
      break;
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
  if (response.Moid === undefined || amount === null) throw new ConnectorFault('malformed', 'Smartro approved a billing charge without Moid and Amt');
  const approvedAt = parseAuthDate(response.AuthDate) ?? now;
  return {
    outcome: 'approved',
    pgTid: response.Tid,
    approvedAt,
    code,
    message,
    order: { merchantUid: moid, amount, pgId: nonEmpty(response.Mid) ?? credentials.mid },
    details: { method: 'card', card: cardDetailsFrom(response, withSmartroCardCodes(credentials.cardCodes)) },
    receiptUrl: receiptUrl(credentials.receiptBaseUrl, response.Tid),
    // A billing charge is never escrow.
    escrow: false,
  };
}

/**
 * `ssbbill.do`: charges a billing key. The inner fields travel in the AES envelope
 * (`{EncData, Mid}`) with `VerifyValue` = SHA256(BillTokenKey + Mid + Amt) inside.
 *
 * A lost answer: Smartro's inquiry of a billing charge is not public. Re-sending the same order
 * never charges twice: the same Moid on a key that charged it is answered `B101`, signed over the
 * earlier charge's Tid and carrying its approval (the simulator's behaviour, README "Billing";
 * a real MID should be checked for it), which {@link readBillingPayAnswer} reads as that approval.
 */
export const chargeBillingFlow: BillingChargeFlow<SmartroCredentials> = {
  validate: validateBillingCharge,
  buildRequest: (credentials, input, now) => ({
    method: 'POST',
    url: `${credentials.apiBaseUrl}${SSBBILL_PATH}`,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ EncData: encryptEnvelope({ ...billingPayFields(credentials, input, now) }, credentials.merchantKey), Mid: credentials.mid }),
  }),
  readAnswer: readBillingPayAnswer,
};
