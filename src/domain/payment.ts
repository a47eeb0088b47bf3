import type { Currency } from './money';

export type PaymentStatus = 'ready' | 'paid' | 'cancelled' | 'failed';
export const PAYMENT_STATUSES = ['ready', 'paid', 'cancelled', 'failed'] as const satisfies readonly PaymentStatus[];

/**
 * How a payment used a billing key, as V1's `customer_uid_usage` says: the window issue that
 * registered it, a charge by API (`/subscribe/payments/again`), or a schedule's run. gyeol adds
 * `payment.check`: the card check of `/subscribe/payments/schedule`'s `checking_amount`, a charge
 * cancelled at once (also when the reconciler finds it paid later) that sends no webhook; V1
 * answers show it as `payment` (the official enum has no other value).
 */
export type CustomerUidUsage = 'issue' | 'payment' | 'payment.scheduled' | 'payment.check';

/** The reason a card check (`customer_uid_usage` `payment.check`) is cancelled with. */
export const CARD_CHECK_CANCEL_REASON = '유효카드 체크 승인 자동 취소';

/** Where the payment was made, as V1's `channel` field says. */
export type PaymentChannel = 'pc' | 'mobile' | 'api';

/** The easy-pay brands (간편결제) V1 names by their own `pay_method`, as PortOne's Smartro guide lists them. */
export const EASY_PAY_METHODS = ['lpay', 'kakaopay', 'naverpay', 'payco', 'pinpay'] as const;
export type EasyPayMethod = (typeof EASY_PAY_METHODS)[number];

export type PayMethod = 'card' | 'trans' | 'vbank' | 'phone' | EasyPayMethod;

/** Whether a pay method is an easy pay (its V1 `emb_pg_provider` is the same code). */
export function isEasyPayMethod(payMethod: string): payMethod is EasyPayMethod {
  return (EASY_PAY_METHODS as readonly string[]).includes(payMethod);
}

/**
 * Approval of a payment is recorded in steps so that a PG call never runs inside a DB
 * transaction and a crash leaves evidence: `none` → `requested` (intent recorded, merchant_uid
 * claimed) → `approved` / `declined`, or `unknown` when the PG's answer was lost or could not be
 * trusted. The reconciler resolves `requested` and `unknown` through the PG's inquiry.
 */
export type ApprovalState = 'none' | 'requested' | 'approved' | 'declined' | 'unknown';

export interface CardDetails {
  cardCode: string | null;
  cardName: string | null;
  cardIssuerCode: string | null;
  cardIssuerName: string | null;
  cardPublisherCode: string | null;
  cardPublisherName: string | null;
  /** Masked as the PG returns it; a full card number is never stored. */
  cardNumber: string | null;
  cardQuota: number;
  cardType: number | null;
  applyNum: string | null;
}

/** A bank transfer's bank (V1 `bank_code`, `bank_name`). */
export interface BankDetails {
  bankCode: string | null;
  bankName: string | null;
}

/** An issued virtual account (V1 `vbank_*`). */
export interface VbankDetails {
  vbankCode: string | null;
  vbankName: string | null;
  vbankNum: string;
  vbankHolder: string | null;
  /** Deposit deadline. */
  vbankDate: Date | null;
  vbankIssuedAt: Date;
}

/**
 * What a PG reported about the means of payment, by method. A PG result of one of these kinds is
 * an outcome of the payment, never a fault.
 */
export type MethodDetails =
  | { method: 'card'; card: CardDetails }
  | { method: 'trans'; bank: BankDetails }
  | { method: 'vbank'; vbank: VbankDetails }
  | { method: 'phone' }
  /** An easy pay: its brand (V1 `emb_pg_provider`) and the card that funded it, or null when the brand's money or points did. */
  | { method: 'easypay'; embPgProvider: EasyPayMethod; card: CardDetails | null };

/**
 * The request_pay fields that only the PG window needs (card company shortcut, PG pass-through,
 * …). Facts the payment itself carries (amount, merchant_uid, buyer, tax) live in their own
 * columns and are never repeated here.
 */
export interface PaymentPassThrough {
  digital: boolean | null;
  /** The deposit deadline as `YYYYMMDDhhmmss`, Korea time (normalized from what the merchant sent). */
  vbankDue: string | null;
  customerId: string | null;
  cardDirect: { code: string | null; quota: number | null } | null;
  bypass: Record<string, unknown> | null;
  language: string | null;
  /** The service period (`period: {from, to}`, both `YYYYMMDD`) shown to the buyer. */
  period: ServicePeriod | null;
}

/** A service period as V1's `period` gives it: both ends `YYYYMMDD`, `from` ≤ `to`. */
export interface ServicePeriod {
  from: string;
  to: string;
}

export interface Payment {
  id: number;
  storeId: number;
  channelId: number;
  impUid: string;
  merchantUid: string;
  pgProvider: string;
  pgId: string;
  pgTid: string | null;
  payMethod: PayMethod;
  channel: PaymentChannel;
  sandbox: boolean;
  escrow: boolean;
  name: string | null;
  /** Integer minor units. */
  amount: number;
  /** Integer minor units of `amount` that are tax free (V1 `tax_free`), or null when not given. */
  taxFree: number | null;
  /** Integer minor units of VAT the merchant set (V1 `vat_amount`), or null to let the PG compute it. */
  vatAmount: number | null;
  /** Integer minor units, cumulative: what final cancels returned. */
  cancelAmount: number;
  /** Integer minor units held by cancels not final yet (asked, unknown, refund pending). */
  cancelReserved: number;
  currency: Currency;
  status: PaymentStatus;
  approvalState: ApprovalState;
  /** When the current approval was requested from the PG. */
  approvalRequestedAt: Date | null;
  /**
   * true while a decline rests on a PG answer that carried no signature (a bare error body):
   * the reconciler double-checks it once through the inquiry.
   */
  approvalUnverified: boolean;
  /** When the reconciler should next ask the PG about this payment; null when nothing is open. */
  reconcileAfter: Date | null;
  reconcileAttempts: number;
  /** The PG auth of the window return (opaque, sealed by the services); inquiries need it. */
  pgAuthSealed: string | null;
  buyerName: string | null;
  buyerEmail: string | null;
  buyerTel: string | null;
  buyerAddr: string | null;
  buyerPostcode: string | null;
  /** Stored and returned as a JSON string, as V1 does. */
  customData: string | null;
  noticeUrl: string | null;
  /** The billing key (V1 `customer_uid`) this payment issued or charged; null for any other payment. */
  customerUid: string | null;
  /** How it used the key (V1 `customer_uid_usage`); null when `customerUid` is. */
  customerUidUsage: CustomerUidUsage | null;
  userAgent: string | null;
  passThrough: PaymentPassThrough;
  card: CardDetails;
  bank: BankDetails;
  vbank: VbankDetails | null;
  embPgProvider: string | null;
  failReason: string | null;
  /** The PG's own result code of the last failure, reported to the SDK as `error_code`. */
  failCode: string | null;
  receiptUrl: string | null;
  /** Times as Dates; null when it has not happened (V1 shows 0). */
  startedAt: Date;
  paidAt: Date | null;
  failedAt: Date | null;
  cancelledAt: Date | null;
  updatedAt: Date;
}

export const EMPTY_CARD: CardDetails = {
  cardCode: null,
  cardName: null,
  cardIssuerCode: null,
  cardIssuerName: null,
  cardPublisherCode: null,
  cardPublisherName: null,
  cardNumber: null,
  cardQuota: 0,
  cardType: null,
  applyNum: null,
};

export const EMPTY_BANK: BankDetails = { bankCode: null, bankName: null };

export const EMPTY_PASS_THROUGH: PaymentPassThrough = {
  digital: null,
  vbankDue: null,
  customerId: null,
  cardDirect: null,
  bypass: null,
  language: null,
  period: null,
};
