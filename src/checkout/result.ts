import { toV1Payment } from '../http/presenters';
import type { Payment } from '../domain/payment';
import type { CheckoutError } from '../services/checkout';

/**
 * The object `IMP.request_pay` hands to the merchant's callback (docs/checkout-protocol.md §5),
 * taken from the same V1 presenter as `GET /payments/{imp_uid}`, so the two never disagree.
 * `success`/`imp_success` are true for a paid payment and, as in V1 (spec §3.2, §5.2), for an
 * issued virtual account (status `ready`, the `vbank_*` fields filled, nothing paid yet); on
 * failure `error_code`/`error_msg` carry the PG's code and message, or gyeol's own code.
 */
export function toSdkResult(payment: Payment | null, error: CheckoutError | null, merchantUid: string | null = null) {
  const paid = payment?.status === 'paid' && !error;
  const vbankIssued = payment?.status === 'ready' && payment.approvalState === 'approved' && payment.vbank !== null && !error;
  const success = paid || vbankIssued;
  const base = {
    success,
    imp_success: success,
    imp_uid: payment?.impUid ?? null,
    merchant_uid: payment?.merchantUid ?? merchantUid,
    error_code: success ? null : (error?.code ?? payment?.failCode ?? null),
    error_msg: success ? null : (error?.message ?? payment?.failReason ?? null),
  };
  if (!payment) return base;
  const v1 = toV1Payment(payment);
  return {
    ...base,
    status: v1.status,
    pay_method: v1.pay_method,
    paid_amount: paid ? v1.amount : 0,
    currency: v1.currency,
    name: v1.name,
    pg_provider: v1.pg_provider,
    emb_pg_provider: v1.emb_pg_provider,
    pg_type: 'payment' as const,
    pg_tid: v1.pg_tid,
    paid_at: v1.paid_at,
    apply_num: v1.apply_num,
    card_name: v1.card_name,
    card_number: v1.card_number,
    card_quota: v1.card_quota,
    buyer_name: v1.buyer_name,
    buyer_email: v1.buyer_email,
    buyer_tel: v1.buyer_tel,
    buyer_addr: v1.buyer_addr,
    buyer_postcode: v1.buyer_postcode,
    custom_data: v1.custom_data,
    receipt_url: v1.receipt_url,
    vbank_code: v1.vbank_code,
    vbank_name: v1.vbank_name,
    vbank_num: v1.vbank_num,
    vbank_holder: v1.vbank_holder,
    vbank_date: v1.vbank_date,
    vbank_issued_at: v1.vbank_issued_at,
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
