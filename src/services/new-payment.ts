/**
 * A payment as first recorded (`ready`, nothing asked of the PG yet), from a request read by
 * domain/request-pay.ts: the checkout's window payments, the API's virtual accounts and billing-key
 * charges share it.
 */
import { newImpUid } from '../domain/ids';
import type { CustomerUidUsage, PaymentChannel, PaymentPassThrough } from '../domain/payment';
import type { PaymentRequest } from '../domain/request-pay';
import type { NewPayment } from '../store/types';

/** The request_pay fields only the PG window needs, as the payment keeps them. */
export function passThroughOf(request: PaymentRequest): PaymentPassThrough {
  return {
    digital: request.digital,
    vbankDue: request.vbankDue,
    customerId: request.customerId,
    cardDirect: request.cardDirect,
    bypass: request.bypass,
    language: request.language,
    period: request.period,
  };
}

/**
 * @param origin.billing the billing key the payment issues or charges (V1 `customer_uid`,
 *   `customer_uid_usage`); absent for any other payment. An issue (`issue`) approves nothing, so
 *   its payment records an amount of 0 whatever the window was asked to show.
 */
export function newPaymentRecord(
  storeId: number,
  channel: { id: number; pgProvider: string; pgId: string; testMode: boolean },
  request: PaymentRequest,
  origin: {
    channel: PaymentChannel;
    userAgent: string | null;
    passThrough: PaymentPassThrough;
    /** The billing key the payment issues or charges (V1 `customer_uid`) and how; none for other payments. */
    billing?: { customerUid: string; usage: CustomerUidUsage };
  },
  now: Date,
): NewPayment {
  const issue = origin.billing?.usage === 'issue';
  return {
    storeId,
    channelId: channel.id,
    impUid: newImpUid(),
    merchantUid: request.merchantUid,
    pgProvider: channel.pgProvider,
    pgId: channel.pgId,
    payMethod: request.payMethod,
    channel: origin.channel,
    sandbox: channel.testMode,
    escrow: request.escrow,
    name: request.name,
    amount: issue ? 0 : request.amount,
    taxFree: issue ? null : request.taxFree,
    vatAmount: issue ? null : request.vatAmount,
    currency: request.currency,
    status: 'ready',
    buyerName: request.buyerName,
    buyerEmail: request.buyerEmail,
    buyerTel: request.buyerTel,
    buyerAddr: request.buyerAddr,
    buyerPostcode: request.buyerPostcode,
    customData: request.customData,
    noticeUrl: request.noticeUrl,
    customerUid: origin.billing?.customerUid ?? null,
    customerUidUsage: origin.billing?.usage ?? null,
    userAgent: origin.userAgent,
    passThrough: origin.passThrough,
    startedAt: now,
  };
}
