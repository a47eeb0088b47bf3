/**
 * Turns Smartro's answers into gyeol's contract types: the result-code table, the approval
 * answer → {@link ApprovalResult}, Smartro card codes → PortOne V1 (KFTC) card codes, and a bank
 * transfer's bank → V1 `bank_code`/`bank_name`.
 * Signature checks happen before anything here runs (see flows.ts); these functions trust
 * that the answer came from Smartro and check only that it is about what we asked.
 */
import { ConnectorFault, type ApprovalResult, type CancelInput, type CancelResult } from '../contract';
import type { BankDetails, CardDetails, EasyPayMethod, MethodDetails, PayMethod, VbankDetails } from '../../domain/payment';
import {
  bankByCode,
  cardCompanyBySmartroCode,
  EASY_PAY_MONEY_APPROVED,
  parseAuthDate,
  parseCancelStamp,
  parseVbankExpDate,
  receiptUrl,
  SMARTRO_CARD_COMPANIES,
  type SmartroApprovalResponse,
  type SmartroCancelResponse,
  type SmartroCardCompany,
} from './wire';

/** What a Smartro result code says, as far as public sources tell. */
export type SmartroResultMeaning =
  /** `3001`: a card payment was approved. */
  | 'card-approved'
  /** `4000`: a bank transfer (PayMethod BANK) was approved. */
  | 'bank-approved'
  /** `A000`: a phone payment (PayMethod CELLPHONE) was approved. */
  | 'phone-approved'
  /**
   * `0000`: an easy pay paid with the brand's money or points was approved (our reading, see
   * {@link EASY_PAY_MONEY_APPROVED}; an easy pay paid with a registered card answers `3001`).
   */
  | 'easypay-approved'
  /** `4100`: a virtual account (PayMethod VBANK) was issued; the buyer has yet to deposit. */
  | 'vbank-issued'
  /** `4110`: money arrived on a virtual account (a notification, never an approval answer). */
  | 'vbank-deposited'
  /** Success of some other method or service (billing, receipt, gift card). */
  | 'other-success'
  /** `2001`: a cancel was accepted (answer of `cancel.do`). */
  | 'cancel-accepted'
  /** `2211`: a refund was done (the refund notification of a paid virtual account). */
  | 'refund-completed'
  /** `2013`: the payment was already cancelled (answer of `cancel.do`). */
  | 'already-cancelled'
  /** The buyer gave up in the window. */
  | 'user-aborted'
  /** Smartro's own failure (`9999` "시스템에러 잠시후 재 거래"). */
  | 'system-error'
  /**
   * `B101`: the order was charged with this billing key before; the answer is about that earlier
   * charge (its Tid). Our code, shared with the simulator (Smartro's duplicate-`Moid` answer is not
   * public): a re-sent charge learns it was charged, never charges twice.
   */
  | 'order-already-charged';

/**
 * Every Smartro result code we know of (protocol reference §4). Codes not listed are card
 * company, bank or Smartro refusals whose list is not public; they count as declines.
 */
export const SMARTRO_RESULT_CODES = {
  '3001': { meaning: 'card-approved', description: '카드 결제 성공' },
  '4000': { meaning: 'bank-approved', description: '계좌이체 성공' },
  '4100': { meaning: 'vbank-issued', description: '가상계좌 채번 성공' },
  '4110': { meaning: 'vbank-deposited', description: '가상계좌 입금 완료' },
  A000: { meaning: 'phone-approved', description: '휴대폰 결제 성공' },
  B000: { meaning: 'other-success', description: '문화상품권 결제 성공 (구모듈)' },
  '7001': { meaning: 'other-success', description: '현금영수증 발급 성공' },
  [EASY_PAY_MONEY_APPROVED.resultCode]: { meaning: 'easypay-approved', description: '간편결제 성공 (머니/포인트)' },
  '2001': { meaning: 'cancel-accepted', description: '취소 성공' },
  '2211': { meaning: 'refund-completed', description: '환불 성공' },
  '2013': { meaning: 'already-cancelled', description: '이미 취소된 거래' },
  W034: { meaning: 'user-aborted', description: '사용자 결제 중단' },
  U999: { meaning: 'user-aborted', description: '사용자가 결제를 취소하셨습니다' },
  '9999': { meaning: 'system-error', description: '시스템에러 잠시후 재 거래' },
  // gyeol's own code (wire.ts BILLING_PAY_CODES.duplicateMoid), as the simulator answers it.
  B101: { meaning: 'order-already-charged', description: '이 빌키로 이미 결제된 주문번호(Moid)입니다' },
} as const satisfies Record<string, { meaning: SmartroResultMeaning; description: string }>;

export type KnownSmartroResultCode = keyof typeof SMARTRO_RESULT_CODES;

/** The table entry of a result code, or null when the code is not in the public record. */
export function knownResultCode(code: string): (typeof SMARTRO_RESULT_CODES)[KnownSmartroResultCode] | null {
  return Object.prototype.hasOwnProperty.call(SMARTRO_RESULT_CODES, code) ? SMARTRO_RESULT_CODES[code as KnownSmartroResultCode] : null;
}

/** How a result code in an answer to `urlCallApproval.do` is treated. */
export type ApprovalOutcome = 'approved' | 'declined' | 'unexpected';

/** An easy pay is approved by the card code (paid with a registered card) or by the money code. */
const EASY_PAY_APPROVED: readonly SmartroResultMeaning[] = ['card-approved', 'easypay-approved'];

/** The success codes that approve each pay method gyeol opens Smartro windows for. */
const APPROVED_MEANINGS: Record<PayMethod, readonly SmartroResultMeaning[]> = {
  card: ['card-approved'],
  trans: ['bank-approved'],
  vbank: ['vbank-issued'],
  phone: ['phone-approved'],
  lpay: EASY_PAY_APPROVED,
  kakaopay: EASY_PAY_APPROVED,
  naverpay: EASY_PAY_APPROVED,
  payco: EASY_PAY_APPROVED,
  pinpay: EASY_PAY_APPROVED,
};

/**
 * Decides what a result code means for an approval of the pay method that was asked. One
 * exhaustive switch: adding a meaning without deciding its outcome does not compile.
 * @returns `unexpected` for a success of another kind (`4000` to a card payment, `3001` to a
 *   bank transfer, `0000` to a card payment…) — a verified answer about something we did not
 *   ask, never a paid payment and never a plain decline either
 * @example approvalOutcome('4000', 'trans') // 'approved'
 * @example approvalOutcome('4000', 'card') // 'unexpected'
 * @example approvalOutcome('3001', 'kakaopay') // 'approved' (paid with a registered card)
 */
export function approvalOutcome(code: string, payMethod: PayMethod): ApprovalOutcome {
  const known = knownResultCode(code);
  if (known === null) return 'declined';
  const meaning: SmartroResultMeaning = known.meaning;
  switch (meaning) {
    case 'card-approved':
    case 'bank-approved':
    case 'phone-approved':
    case 'vbank-issued':
    case 'easypay-approved':
      return APPROVED_MEANINGS[payMethod].includes(meaning) ? 'approved' : 'unexpected';
    case 'user-aborted':
    case 'system-error':
      return 'declined';
    case 'vbank-deposited':
    case 'other-success':
    case 'cancel-accepted':
    case 'refund-completed':
    case 'already-cancelled':
    // A billing charge's answer, never one of a window's approval.
    case 'order-already-charged':
      return 'unexpected';
    default: {
      const unreachable: never = meaning;
      return unreachable;
    }
  }
}

/** Whether a result code is a "no" whatever was asked (an unknown refusal, an abort, a system error). */
function isDeclineCode(code: string): boolean {
  const meaning = knownResultCode(code)?.meaning;
  return meaning === undefined || meaning === 'user-aborted' || meaning === 'system-error';
}

/** Smartro card code → the names and KFTC code V1 reports; unknown codes keep their own name. */
export function toV1Card(
  smartroCode: string | undefined,
  smartroName: string | undefined,
  table: readonly SmartroCardCompany[] = SMARTRO_CARD_COMPANIES,
): { code: string | null; name: string | null } {
  const company = cardCompanyBySmartroCode(smartroCode, table);
  return {
    code: company?.kftcCode ?? null,
    name: nonEmpty(smartroName) ?? company?.name ?? null,
  };
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** An answer of the approval host: signed and about a transaction, or Smartro's bare error body. */
export type SignedOrBare<Response> =
  | { signed: true; response: Response }
  /** e.g. `{"ResultCode":"9999","ResultMsg":"시스템에러 잠시후 재 거래"}`: no Tid, no SignValue. */
  | { signed: false; code: string; message: string };

export type ApprovalAnswer = SignedOrBare<SmartroApprovalResponse>;

/**
 * Reads a JSON value as an answer of the approval host. An answer with a `ResultCode` but no
 * `Tid`/`SignValue` is Smartro's unsigned error body (the only public one is `9999`): the PG saying
 * no without proof. It can never be an approval: an unsigned success code is malformed.
 * @throws ConnectorFault('malformed') when it is neither
 */
export function readApprovalResponse(body: unknown): ApprovalAnswer {
  return readSignedOrBare<SmartroApprovalResponse>(body);
}

/**
 * Reads any JSON answer of the approval host (`urlCallApproval.do`, `approvalInquiry.do`,
 * `cancel.do`) as signed (`Tid` and `SignValue` present) or Smartro's bare error body, which may
 * only say no (see {@link readApprovalResponse}).
 * @throws ConnectorFault('malformed') when it is neither
 */
export function readSignedOrBare<Response extends { Tid: string; ResultCode: string; SignValue: string }>(body: unknown): SignedOrBare<Response> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ConnectorFault('malformed', 'Smartro answer is not a JSON object');
  }
  const record = body as Record<string, unknown>;
  if (typeof record.ResultCode !== 'string' || record.ResultCode === '') {
    throw new ConnectorFault('malformed', 'Smartro answer has no ResultCode');
  }
  const signed = typeof record.Tid === 'string' && record.Tid !== '' && typeof record.SignValue === 'string' && record.SignValue !== '';
  if (signed) return { signed: true, response: record as unknown as Response };
  const code = record.ResultCode;
  if (!isDeclineCode(code)) {
    throw new ConnectorFault('malformed', `Smartro answered result ${code} without Tid and SignValue`);
  }
  return { signed: false, code, message: nonEmpty(record.ResultMsg) ?? knownResultCode(code)?.description ?? '' };
}

/** Smartro's `Amt` as an integer, whether it arrives as digits (possibly zero-padded) or a number. */
export function readAmount(amt: unknown): number | null {
  if (typeof amt === 'number') return Number.isSafeInteger(amt) && amt >= 0 ? amt : null;
  if (typeof amt === 'string' && /^\d{1,15}$/.test(amt)) return Number(amt);
  return null;
}

// A masked number shows at most the first 8 and a few last digits; 13 or more digits in a row
// can only be a full card number, which gyeol must never store.
const UNMASKED_RUN = /\d{13,}/;

/**
 * Takes Smartro's masked card number as it is.
 * @throws ConnectorFault('malformed') when it is not masked (the number is not in the message)
 */
export function maskedCardNumber(cardNum: unknown): string | null {
  const value = nonEmpty(cardNum);
  if (value === null) return null;
  const compact = value.replace(/[\s-]/g, '');
  if (!compact.includes('*') || UNMASKED_RUN.test(compact)) {
    throw new ConnectorFault('malformed', 'Smartro answer carries an unmasked card number; it was discarded');
  }
  return value;
}

/**
 * The card part of an approved answer. `AppCardCode` is the issuing company, `AcquCardCode`
 * the acquiring one; both are translated from Smartro's codes to KFTC codes.
 * @throws ConnectorFault('malformed') when the card number is not masked
 */
export function cardDetailsFrom(response: SmartroApprovalResponse, table: readonly SmartroCardCompany[] = SMARTRO_CARD_COMPANIES): CardDetails {
  const issuer = toV1Card(response.AppCardCode, response.AppCardName, table);
  const publisher = toV1Card(response.AcquCardCode, response.AcquCardName, table);
  const quota = typeof response.CardQuota === 'string' && /^\d{1,2}$/.test(response.CardQuota) ? parseInt(response.CardQuota, 10) : 0;
  const cardType = response.CardType === '0' || response.CardType === '1' ? Number(response.CardType) : null;
  return {
    cardCode: issuer.code,
    cardName: nonEmpty(response.AppCardName) ?? issuer.name,
    cardIssuerCode: issuer.code,
    cardIssuerName: issuer.name,
    cardPublisherCode: publisher.code,
    cardPublisherName: publisher.name,
    cardNumber: maskedCardNumber(response.CardNum),
    cardQuota: quota,
    cardType,
    applyNum: nonEmpty(response.AuthCode),
  };
}

/**
 * The bank part of an approved bank transfer. Smartro's code is the KFTC code V1 reports; the
 * name is PortOne's for a known code, else Smartro's own.
 */
export function bankDetailsFrom(response: SmartroApprovalResponse): BankDetails {
  const code = nonEmpty(response.BankCode);
  const known = bankByCode(code);
  return { bankCode: code, bankName: known?.name ?? nonEmpty(response.BankName) };
}

/**
 * The account part of an issued virtual account (`4100`). The bank code is the KFTC code V1
 * reports; the name is PortOne's for a known code, else Smartro's own. The holder is the
 * merchant's company name (`CoNm`) when Smartro gives one: a window-issued account is in the
 * merchant's name. The deadline is Smartro's `VbankExpDate` (a date alone: 23:59:59 KST).
 * @param issuedAt when Smartro issued it (its `AuthDate`, else now)
 * @throws ConnectorFault('malformed') without an account number or a readable deadline
 */
export function vbankDetailsFrom(response: SmartroApprovalResponse, issuedAt: Date): VbankDetails {
  const vbankNum = nonEmpty(response.VbankNum);
  if (vbankNum === null) throw new ConnectorFault('malformed', 'Smartro issued a virtual account without VbankNum');
  const vbankDate = parseVbankExpDate(response.VbankExpDate);
  if (vbankDate === null) throw new ConnectorFault('malformed', `Smartro issued a virtual account with no readable VbankExpDate (${String(response.VbankExpDate)})`);
  const code = nonEmpty(response.VbankBankCode);
  return {
    vbankCode: code,
    vbankName: bankByCode(code)?.name ?? nonEmpty(response.VbankName) ?? nonEmpty(response.VbankBankName),
    vbankNum,
    vbankHolder: nonEmpty(response.CoNm),
    vbankDate,
    vbankIssuedAt: issuedAt,
  };
}

/**
 * The easy-pay part of an approved answer: the brand asked for (V1 `emb_pg_provider`) and, when a
 * registered card paid (`3001`), that card; paid with the brand's money or points (`0000`), no card.
 * @throws ConnectorFault('malformed') when the card number is not masked
 */
export function easyPayDetailsFrom(brand: EasyPayMethod, response: SmartroApprovalResponse, table: readonly SmartroCardCompany[] = SMARTRO_CARD_COMPANIES): MethodDetails {
  const paidByCard = knownResultCode(response.ResultCode)?.meaning === 'card-approved';
  return { method: 'easypay', embPgProvider: brand, card: paidByCard ? cardDetailsFrom(response, table) : null };
}

function methodDetailsFrom(payMethod: PayMethod, response: SmartroApprovalResponse, approvedAt: Date, table: readonly SmartroCardCompany[]): MethodDetails {
  switch (payMethod) {
    case 'card':
      return { method: 'card', card: cardDetailsFrom(response, table) };
    case 'trans':
      return { method: 'trans', bank: bankDetailsFrom(response) };
    // V1 has no payment field for the carrier or the phone number: nothing to keep.
    case 'phone':
      return { method: 'phone' };
    case 'vbank':
      return { method: 'vbank', vbank: vbankDetailsFrom(response, approvedAt) };
    case 'lpay':
    case 'kakaopay':
    case 'naverpay':
    case 'payco':
    case 'pinpay':
      return easyPayDetailsFrom(payMethod, response, table);
    default: {
      const unreachable: never = payMethod;
      return unreachable;
    }
  }
}

/** What the approval was asked about. */
export interface ApprovalQuestion {
  pgTid: string;
  /** The pay method the window was opened for: only its success code approves. */
  payMethod: PayMethod;
  /** The channel's MID: a signed decline for another MID is a fault. */
  mid: string;
  receiptBaseUrl: string;
  /** The channel's card table (its `cardCodes` corrections applied); Smartro's assumed table when absent. */
  cardCompanies?: readonly SmartroCardCompany[];
}

/**
 * Turns a signature-verified answer into an {@link ApprovalResult}. An approval carries the order
 * it is about (Moid, Amt, Mid) for the services to compare with the payment.
 * @param now fallback approval time when `AuthDate` cannot be read (the approval stands)
 * @throws ConnectorFault('mismatch') when the answer is about another Tid, or reports a success
 *   of another kind (another method's success code included)
 * @throws ConnectorFault('malformed') when an approval lacks its order fields or carries an
 *   unmasked card number
 */
export function toApprovalResult(response: SmartroApprovalResponse, question: ApprovalQuestion, now: Date): ApprovalResult {
  if (response.Tid !== question.pgTid) {
    throw new ConnectorFault('mismatch', `Smartro answered about Tid ${response.Tid}, not ${question.pgTid}`);
  }
  const code = response.ResultCode;
  const message = nonEmpty(response.ResultMsg) ?? knownResultCode(code)?.description ?? '';
  const outcome = approvalOutcome(code, question.payMethod);
  switch (outcome) {
    case 'declined':
      // Declines may leave Mid out; when present it must be the channel's (an approval's Mid is
      // reported in `order` and compared by the services).
      if (response.Mid !== undefined && response.Mid !== question.mid) {
        throw new ConnectorFault('mismatch', `Smartro declined for MID ${String(response.Mid)}, not the channel's ${question.mid}`);
      }
      return { outcome: 'declined', pgTid: response.Tid, code, message, verified: true };
    case 'unexpected':
      throw new ConnectorFault('mismatch', `Smartro answered a ${question.payMethod} approval with result ${code} (${message})`);
    case 'approved':
      break;
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }

  if (typeof response.Mid !== 'string' || response.Mid === '') throw new ConnectorFault('malformed', 'Smartro approval has no Mid');
  if (typeof response.Moid !== 'string') throw new ConnectorFault('malformed', 'Smartro approval has no Moid');
  const amount = readAmount(response.Amt);
  if (amount === null) throw new ConnectorFault('malformed', 'Smartro approval has no readable Amt');
  const approvedAt = parseAuthDate(response.AuthDate) ?? now;
  return {
    outcome: 'approved',
    pgTid: response.Tid,
    approvedAt,
    code,
    message,
    order: { merchantUid: response.Moid, amount, pgId: response.Mid },
    details: methodDetailsFrom(question.payMethod, response, approvedAt, question.cardCompanies ?? SMARTRO_CARD_COMPANIES),
    // `type=0` is the card sales slip; Smartro's receipt types for a transfer, a phone payment or
    // an easy pay are not public, so those payments carry no receipt URL (V1 allows none).
    receiptUrl: question.payMethod === 'card' ? receiptUrl(question.receiptBaseUrl, response.Tid) : null,
    // EscrowCd is what Smartro did, not what was asked: `1` escrow, `0` a normal payment.
    escrow: response.EscrowCd === '1' ? true : response.EscrowCd === '0' ? false : null,
  };
}

/** How a result code in an answer to `cancel.do` is treated. */
export type CancelOutcome = 'accepted' | 'refused' | 'unexpected';

/**
 * Decides what a result code means in an answer to `cancel.do`. One exhaustive switch, as
 * {@link approvalOutcome}: adding a meaning without deciding its outcome does not compile.
 * - `2001` accepted (done, or for a paid virtual account's refund: accepted, done on `2211`);
 * - `2211` in a cancel answer: the refund is done at once: accepted as well;
 * - `2013` (already cancelled), `9999`, aborts and every unknown code: refused;
 * - an approval's or a deposit's success code: unexpected (never a cancel, never a plain refusal).
 * @example cancelOutcome('2001') // 'accepted'
 * @example cancelOutcome('2013') // 'refused'
 * @example cancelOutcome('3001') // 'unexpected'
 */
export function cancelOutcome(code: string): CancelOutcome {
  const known = knownResultCode(code);
  if (known === null) return 'refused';
  const meaning: SmartroResultMeaning = known.meaning;
  switch (meaning) {
    case 'cancel-accepted':
    case 'refund-completed':
      return 'accepted';
    case 'already-cancelled':
    case 'user-aborted':
    case 'system-error':
      return 'refused';
    case 'card-approved':
    case 'bank-approved':
    case 'phone-approved':
    case 'vbank-issued':
    case 'easypay-approved':
    case 'vbank-deposited':
    case 'other-success':
    case 'order-already-charged':
      return 'unexpected';
    default: {
      const unreachable: never = meaning;
      return unreachable;
    }
  }
}

/** What the cancel was asked about, beside the {@link CancelInput}. */
export interface CancelQuestion {
  /** The channel's MID: an answer for another MID is a fault. */
  mid: string;
  receiptBaseUrl: string;
}

/**
 * Turns a signature-verified answer of `cancel.do` into a {@link CancelResult}.
 * - accepted: `PTid` must be the payment's Tid and `CancelAmt` the amount asked; `cancelled` with
 *   the cancel's own Tid, or `refund-pending` for the refund of a paid virtual account (PortOne:
 *   final only when Smartro's refund notification `2211` arrives);
 * - refused: verified; a `PTid` (else its `Tid`) and a `CancelAmt`, when present, must be about
 *   this cancel too.
 * @param now the cancel time when `CancelDate`/`CancelTime` cannot be read (the cancel stands)
 * @throws ConnectorFault('mismatch') when the answer is about another payment, amount or MID, or
 *   carries a success code of another kind
 * @throws ConnectorFault('malformed') when an accepted cancel lacks `PTid` or a readable `CancelAmt`
 */
export function toCancelResult(response: SmartroCancelResponse, input: CancelInput, question: CancelQuestion, now: Date): CancelResult {
  const code = response.ResultCode;
  const message = nonEmpty(response.ResultMsg) ?? knownResultCode(code)?.description ?? '';
  if (response.Mid !== undefined && response.Mid !== question.mid) {
    throw new ConnectorFault('mismatch', `Smartro answered a cancel for MID ${String(response.Mid)}, not the channel's ${question.mid}`);
  }
  const about = nonEmpty(response.PTid) ?? response.Tid;
  if (about !== input.pgTid) throw new ConnectorFault('mismatch', `Smartro answered a cancel of Tid ${about}, not ${input.pgTid}`);
  const amount = response.CancelAmt === undefined ? null : readAmount(response.CancelAmt);
  if (response.CancelAmt !== undefined && amount !== input.amount) {
    throw new ConnectorFault('mismatch', `Smartro answered a cancel of ${String(response.CancelAmt)}, not ${input.amount}`);
  }
  const outcome = cancelOutcome(code);
  switch (outcome) {
    case 'refused':
      return { outcome: 'refused', code, message, verified: true };
    case 'unexpected':
      throw new ConnectorFault('mismatch', `Smartro answered a cancel with result ${code} (${message})`);
    case 'accepted':
      break;
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
  if (nonEmpty(response.PTid) === null) throw new ConnectorFault('malformed', 'Smartro accepted a cancel without PTid');
  if (amount === null) throw new ConnectorFault('malformed', 'Smartro accepted a cancel without a readable CancelAmt');
  const refundLater = input.payMethod === 'vbank' && !input.revokeAccount && knownResultCode(code)?.meaning === 'cancel-accepted';
  if (refundLater) return { outcome: 'refund-pending', pgTid: response.Tid, code, message };
  return {
    outcome: 'cancelled',
    pgTid: response.Tid,
    cancelledAt: parseCancelStamp(response.CancelDate, response.CancelTime) ?? now,
    code,
    message,
    // A card cancel's slip: the card receipt page (`type=0`) of the cancel's own Tid — our reading
    // (Smartro documents the page for a Tid, not what it shows for a cancel's). Other methods: as
    // for their approvals, no receipt URL.
    receiptUrl: input.payMethod === 'card' ? receiptUrl(question.receiptBaseUrl, response.Tid) : null,
  };
}
