import { formatWon } from './catalogue';
import type { V1Payment } from './gateway-client';
import type { Order } from './orders';

/**
 * Checks a payment against the order it claims to pay, as PortOne tells merchants to: the
 * browser's result is a hint; only `GET /payments/{imp_uid}` from the server is proof. The order
 * becomes `paid` only when that payment belongs to this order, is `paid`, and its amount is the
 * amount the order was created with.
 *
 * A paid order stays paid: a later call (another imp_uid, a replayed redirect) cannot downgrade it.
 * `hint` is the error message the browser/redirect brought, shown when the gateway has no reason.
 */
export async function verifyOrderPayment(
  order: Order,
  impUid: string,
  lookup: (impUid: string) => Promise<V1Payment | null>,
  hint: string | null = null,
): Promise<Order> {
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
      order.failReason = payment.fail_reason || hint || '결제에 실패했습니다';
      return order;
    case 'cancelled':
      order.status = 'failed';
      order.failReason = payment.cancel_reason || hint || '결제가 취소되었습니다';
      return order;
    default:
      // `ready`: the window was closed or left before the card was approved.
      order.status = 'failed';
      order.failReason = hint || '결제가 완료되지 않았습니다';
      return order;
  }
}

function formatAmount(payment: V1Payment): string {
  return payment.currency === 'KRW' ? formatWon(payment.amount) : `${payment.amount} ${payment.currency}`;
}
