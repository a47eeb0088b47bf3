/**
 * Cancels (V1 `POST /payments/cancel`) and virtual-account revocations (`DELETE /vbanks`), as
 * gyeol records them. A cancel is reserved before the PG is asked, so that many cancels arriving
 * at once (on one instance or many) can never together take more than the payment has left:
 *
 *   reserve (one conditional update of the payment + the cancellation row, one transaction)
 *     → ask the PG (outside any transaction)
 *     → settle: `done` (the money is back), `refused` (the reservation is released),
 *       `pending` (a paid virtual account's refund, done when the PG's notification arrives) or
 *       `unknown` (no trustworthy answer; the reconciler re-sends the same cancel, same `seq`).
 *
 * Pure: reading a merchant's request into a plan. The store does the arithmetic in SQL.
 */
import type { FieldViolation } from './errors';
import { BANK_CODES } from './standard-codes';
import type { Payment } from './payment';

/** What a cancellation asks: part or all of a paid payment, or revoking an unpaid account. */
export type CancellationKind = 'cancel' | 'revoke';

/**
 * `requested`: reserved, the PG is being asked (a crash leaves it for the reconciler);
 * `unknown`: the PG's answer was lost or untrustworthy; `pending`: accepted, final on the PG's
 * notification; `done`; `refused`.
 */
export type CancellationState = 'requested' | 'unknown' | 'pending' | 'done' | 'refused';

/** States that hold a reservation of the payment's amount. */
export const OPEN_CANCELLATION_STATES = ['requested', 'unknown', 'pending'] as const satisfies readonly CancellationState[];

export interface Cancellation {
  id: number;
  storeId: number;
  paymentId: number;
  /** V1 `cancellation_id`. */
  cancellationId: string;
  kind: CancellationKind;
  /** 1, 2, … per payment in reservation order; the PG's `CancelSeq`. */
  seq: number;
  /** Integer minor units. */
  amount: number;
  taxFree: number;
  vatAmount: number | null;
  reason: string;
  state: CancellationState;
  /** The cancel's own PG transaction id, once the PG named one. */
  pgTid: string | null;
  receiptUrl: string | null;
  /** The PG's result code and message of the last answer. */
  resultCode: string | null;
  resultMessage: string | null;
  /** Whether the merchant asked for a webhook (V1 `enable_webhook`). */
  enableWebhook: boolean;
  /** The refund account (V1 `refund_*`), sealed; cleared once the cancel is final. */
  refundSealed: string | null;
  requestedAt: Date;
  /** When the cancel became final (`done`). */
  cancelledAt: Date | null;
  reconcileAfter: Date | null;
  reconcileAttempts: number;
  updatedAt: Date;
}

/**
 * What a revoked virtual account carries: V1's console calls it "결제실패 / 계좌말소", so gyeol
 * fails it (status `failed`) with this code and reason.
 */
export const VBANK_REVOKED = { code: 'VBANK_REVOKED', reason: '[가상계좌 말소] 가맹점 요청으로 가상계좌가 말소되었습니다' } as const;

/** V1 `cancellation_id`s look like this (ours: `cncl_` + 20 characters). */
export const CANCELLATION_ID_PATTERN = /^cncl_[A-Za-z0-9]{20}$/;

/** A merchant's cancel request, amounts already in minor units. */
export interface CancelRequest {
  /** Absent or 0: everything that is left. */
  amount: number | null;
  taxFree: number | null;
  vatAmount: number | null;
  /** What the merchant believes is left (V1 `checksum`); null skips the check. */
  checksum: number | null;
  reason: string | null;
  refund: { holder: string | null; bank: string | null; account: string | null; tel: string | null };
  enableWebhook: boolean;
}

/** The cancel gyeol will reserve and send. */
export interface CancelPlan {
  amount: number;
  taxFree: number;
  vatAmount: number | null;
  reason: string;
  /** Set when the PG needs an account to send the money back to. */
  refund: { holder: string; bankCode: string; account: string; tel: string } | null;
}

/** What remains cancellable of a payment: neither returned nor held by an open cancel. */
export function cancellableAmount(payment: Pick<Payment, 'amount' | 'cancelAmount' | 'cancelReserved'>): number {
  return payment.amount - payment.cancelAmount - payment.cancelReserved;
}

/** Whether this payment's money goes back through an account the merchant names (V1: vbank and trans). */
export function needsRefundAccount(payment: Pick<Payment, 'payMethod'>): boolean {
  return payment.payMethod === 'vbank' || payment.payMethod === 'trans';
}

const DEFAULT_REASON = '가맹점 요청에 의한 취소';
/** V1's limit on `reason` (String(256)). */
export const MAX_REASON_LENGTH = 256;

/**
 * Reads a cancel request against a payment and what is left of it: the plan, or every broken
 * rule (field and rule). The caller has checked that the payment is paid, that `remaining` is
 * positive, at least the amount asked, and equal to the checksum (those refusals are V1's code 1).
 */
export function planCancel(
  payment: Pick<Payment, 'payMethod' | 'taxFree'>,
  remaining: number,
  request: CancelRequest,
): { ok: true; plan: CancelPlan } | { ok: false; violations: FieldViolation[] } {
  const violations: FieldViolation[] = [];
  const amount = request.amount === null || request.amount === 0 ? remaining : request.amount;
  const taxFree = request.taxFree ?? 0;
  if (taxFree > amount) violations.push({ field: 'tax_free', rule: '취소 금액보다 클 수 없습니다' });
  const paymentTaxFree = payment.taxFree ?? 0;
  if (taxFree > paymentTaxFree) violations.push({ field: 'tax_free', rule: `결제의 면세금액(${paymentTaxFree})보다 클 수 없습니다` });
  if (request.vatAmount !== null && request.vatAmount > amount - taxFree) {
    violations.push({ field: 'vat_amount', rule: '취소 금액에서 면세금액을 뺀 금액보다 클 수 없습니다' });
  }
  const reason = (request.reason ?? '').trim() || DEFAULT_REASON;
  if (reason.length > MAX_REASON_LENGTH) violations.push({ field: 'reason', rule: `최대 ${MAX_REASON_LENGTH}자까지 입력할 수 있습니다` });

  let refund: CancelPlan['refund'] = null;
  if (needsRefundAccount(payment)) {
    const r = request.refund;
    const holder = r.holder?.trim() ?? '';
    const bank = r.bank?.trim() ?? '';
    const account = (r.account ?? '').replace(/[\s-]/g, '');
    const tel = (r.tel ?? '').replace(/[\s-]/g, '');
    const what = payment.payMethod === 'vbank' ? '가상계좌' : '계좌이체';
    if (!holder) violations.push({ field: 'refund_holder', rule: `${what} 환불에는 예금주가 필요합니다` });
    else if (holder.length > 30) violations.push({ field: 'refund_holder', rule: '최대 30자까지 입력할 수 있습니다' });
    if (!bank) violations.push({ field: 'refund_bank', rule: `${what} 환불에는 환불 은행 코드가 필요합니다` });
    else if (!BANK_CODES.some((b) => b.code === bank)) violations.push({ field: 'refund_bank', rule: '은행 코드표(GET /banks)에 없는 코드입니다' });
    if (!account) violations.push({ field: 'refund_account', rule: `${what} 환불에는 환불 계좌번호가 필요합니다` });
    else if (!/^\d{6,20}$/.test(account)) violations.push({ field: 'refund_account', rule: '숫자 6~20자리여야 합니다 (하이픈은 빼고 읽습니다)' });
    if (!tel) violations.push({ field: 'refund_tel', rule: `${what} 환불에는 예금주 연락처가 필요합니다` });
    else if (!/^\d{9,12}$/.test(tel)) violations.push({ field: 'refund_tel', rule: '숫자 9~12자리 전화번호여야 합니다' });
    if (holder && bank && account && tel) refund = { holder, bankCode: bank, account, tel };
  }
  if (violations.length > 0) return { ok: false, violations };
  return { ok: true, plan: { amount, taxFree, vatAmount: request.vatAmount, reason, refund } };
}
