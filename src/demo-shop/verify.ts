import { formatWon } from './catalogue';
import type { V1Payment } from './gateway-client';
import type { Order } from './orders';

/** What the browser's result (PC callback or mobile redirect) said; a hint, never proof. */
export interface ResultHint {
  errorCode?: string | null;
  errorMsg?: string | null;
}

/**
 * The gateway's codes for "the PG's answer was lost": the payment stays `ready` while its outcome
 * is confirmed with the PG, and the card may have been charged.
 */
export const OUTCOME_UNKNOWN_CODES: ReadonlySet<string> = new Set(['PG_TIMEOUT', 'PG_FAULT']);

/**
 * Checks a payment against the order it claims to pay, as PortOne tells merchants to: the
 * browser's result is a hint; only `GET /payments/{imp_uid}` from the server is proof. The order
 * becomes `paid` only when that payment belongs to this order, is `paid`, and its amount is the
 * amount the order was created with.
 *
 * A `ready` payment with an issued virtual account (`vbank_num`) for the order's amount makes the
 * order `awaiting_deposit` (입금 대기): the deposit, checked the same way, makes it `paid`.
 *
 * A paid order stays paid: a later call (another imp_uid, a replayed redirect) cannot downgrade it.
 * `hint` is what the browser/redirect brought: its message is shown when the gateway has no
 * reason, and its code tells a `ready` payment whose PG outcome is being confirmed (PG_TIMEOUT,
 * PG_FAULT: 결제 확인 중) from one whose window was simply left (결제 실패). Once an order is
 * `confirming`, a payment that is still `ready` keeps it so, whatever a later hint says.
 */
export async function verifyOrderPayment(
  order: Order,
  impUid: string,
  lookup: (impUid: string) => Promise<V1Payment | null>,
  hint: ResultHint = {},
): Promise<Order> {
  const hintMsg = hint.errorMsg || null;
  if (order.status === 'paid') return order;

  const payment = await lookup(impUid);
  if (!payment) {
    order.status = 'failed';
    order.failReason = `결제 정보를 찾을 수 없습니다 (imp_uid: ${impUid})`;
    return order;
  }
  if (payment.merchant_uid !== order.merchantUid) {
    // Someone else's payment presented for this order: not attached, not trusted.
    order.status = 'failed';
    order.failReason = '이 주문의 결제가 아닙니다 (주문번호 불일치)';
    return order;
  }

  order.payment = {
    impUid: payment.imp_uid,
    status: payment.status,
    amount: payment.amount,
    payMethod: payment.pay_method ?? undefined,
    bankName: payment.bank_name ?? null,
    vbank: payment.vbank_num ? { bankName: payment.vbank_name ?? null, num: payment.vbank_num, holder: payment.vbank_holder ?? null, date: payment.vbank_date ?? 0 } : null,
    cardName: payment.card_name ?? null,
    cardNumber: payment.card_number ?? null,
    applyNum: payment.apply_num ?? null,
    paidAt: payment.paid_at ?? 0,
  };

  switch (payment.status) {
    case 'paid':
      if (payment.amount === order.amount && payment.currency === 'KRW') {
        order.status = 'paid';
        order.failReason = null;
      } else {
        // The classic forgery: the amount was changed in the buyer's browser. Never ship it.
        // A real merchant would also cancel (refund) this payment with POST /payments/cancel.
        order.status = 'amount_mismatch';
        order.failReason = `주문 금액 ${formatWon(order.amount)}과 실제 결제 금액 ${formatAmount(payment)}이 다릅니다`;
      }
      return order;
    case 'failed':
      order.status = 'failed';
      order.failReason = payment.fail_reason || hintMsg || '결제에 실패했습니다';
      return order;
    case 'cancelled':
      order.status = 'failed';
      order.failReason = payment.cancel_reason || hintMsg || '결제가 취소되었습니다';
      return order;
    default:
      if (payment.pay_method === 'vbank' && payment.vbank_num) {
        // An issued virtual account: the buyer has to send exactly the order's amount to it.
        if (payment.amount !== order.amount || payment.currency !== 'KRW') {
          order.status = 'amount_mismatch';
          order.failReason = `주문 금액 ${formatWon(order.amount)}과 발급된 가상계좌의 입금액 ${formatAmount(payment)}이 다릅니다`;
          return order;
        }
        order.status = 'awaiting_deposit';
        order.failReason = null;
        return order;
      }
      if (order.status === 'confirming' || (hint.errorCode && OUTCOME_UNKNOWN_CODES.has(hint.errorCode))) {
        // The PG may have charged the card; gyeol is confirming with the PG. Not a failure yet.
        order.status = 'confirming';
        order.failReason = null;
        return order;
      }
      // `ready` otherwise: the window was closed or left before the card was approved.
      order.status = 'failed';
      order.failReason = hintMsg || '결제가 완료되지 않았습니다';
      return order;
  }
}

function formatAmount(payment: V1Payment): string {
  return payment.currency === 'KRW' ? formatWon(payment.amount) : `${payment.amount} ${payment.currency}`;
}
