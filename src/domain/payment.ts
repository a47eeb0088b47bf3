import type { Currency } from './money';

export type PaymentStatus = 'ready' | 'paid' | 'cancelled' | 'failed';
export const PAYMENT_STATUSES = ['ready', 'paid', 'cancelled', 'failed'] as const satisfies readonly PaymentStatus[];

/** Where the payment was made, as V1's `channel` field says. */
export type PaymentChannel = 'pc' | 'mobile' | 'api';

export type PayMethod = 'card' | 'trans' | 'vbank' | 'phone';

/**
 * Approval of a payment is recorded in three steps so that a PG call never runs inside a DB
 * transaction and a crash leaves evidence: `none` → `requested` (intent recorded, merchant_uid
 * claimed) → `approved` / `declined`, or `unknown` when the PG did not answer in time.
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
  /** Integer minor units, cumulative. */
  cancelAmount: number;
  currency: Currency;
  status: PaymentStatus;
  approvalState: ApprovalState;
  buyerName: string | null;
  buyerEmail: string | null;
  buyerTel: string | null;
  buyerAddr: string | null;
  buyerPostcode: string | null;
  /** Stored and returned as a JSON string, as V1 does. */
  customData: string | null;
  noticeUrl: string | null;
  userAgent: string | null;
  /** The parsed request_pay parameters (PaymentRequest as JSON), so the PG window is built from exactly what was validated. */
  requestJson: string;
  card: CardDetails;
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

/** States a payment may move to from each state; everything else is refused. */
const TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  ready: ['paid', 'failed'],
  paid: ['cancelled'],
  failed: [],
  cancelled: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}
