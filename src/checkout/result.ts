import { unixSeconds } from '../domain/clock';
import { fromMinorUnits } from '../domain/money';
import type { Payment } from '../domain/payment';
import type { CheckoutError } from '../services/checkout';

/**
 * The object `IMP.request_pay` hands to the merchant's callback (docs/checkout-protocol.md §5).
 * `success`/`imp_success` are true only for a paid payment; on failure `error_code`/`error_msg`
 * carry the PG's code and message, or gyeol's own code.
 */
export function toSdkResult(payment: Payment | null, error: CheckoutError | null, merchantUid: string | null = null) {
  const paid = payment?.status === 'paid' && !error;
  const base = {
    success: paid,
    imp_success: paid,
    imp_uid: payment?.impUid ?? null,
    merchant_uid: payment?.merchantUid ?? merchantUid,
    error_code: paid ? null : (error?.code ?? payment?.failCode ?? null),
    error_msg: paid ? null : (error?.message ?? payment?.failReason ?? null),
  };
  if (!payment) return base;
  return {
    ...base,
    status: payment.status,
    pay_method: payment.payMethod,
    paid_amount: paid ? fromMinorUnits(payment.amount, payment.currency) : 0,
    currency: payment.currency,
    name: payment.name,
    pg_provider: payment.pgProvider,
    pg_type: 'payment',
    pg_tid: payment.pgTid,
    paid_at: payment.paidAt ? unixSeconds(payment.paidAt) : 0,
    apply_num: payment.card.applyNum,
    card_name: payment.card.cardName,
    card_number: payment.card.cardNumber,
    card_quota: payment.card.cardQuota,
    buyer_name: payment.buyerName,
    buyer_email: payment.buyerEmail,
    buyer_tel: payment.buyerTel,
    buyer_addr: payment.buyerAddr,
    buyer_postcode: payment.buyerPostcode,
    custom_data: payment.customData,
    receipt_url: payment.receiptUrl,
  };
}

export type SdkResult = ReturnType<typeof toSdkResult>;

/** `m_redirect_url?imp_uid=…&merchant_uid=…&imp_success=…` (+ error fields), keeping its own query. */
export function mobileRedirectUrl(mRedirectUrl: string, result: SdkResult): string {
  const url = new URL(mRedirectUrl);
  if (result.imp_uid) url.searchParams.set('imp_uid', result.imp_uid);
  if (result.merchant_uid) url.searchParams.set('merchant_uid', result.merchant_uid);
  url.searchParams.set('imp_success', String(result.imp_success));
  if (!result.imp_success) {
    if (result.error_code) url.searchParams.set('error_code', result.error_code);
    if (result.error_msg) url.searchParams.set('error_msg', result.error_msg);
  }
  return url.toString();
}
