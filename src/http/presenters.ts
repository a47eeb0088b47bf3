import { unixSeconds } from '../domain/clock';
import { fromMinorUnits, type Currency } from '../domain/money';
import type { BillingCustomer } from '../domain/billing';
import type { Cancellation } from '../domain/cancellations';
import type { Payment } from '../domain/payment';
import type { Receipt } from '../domain/receipts';
import { v1ScheduleStatusOf, type PaymentSchedule } from '../domain/schedules';

/** A V1 timestamp: UNIX seconds, 0 for "has not happened". */
export const v1Seconds = (date: Date | null): number => (date ? unixSeconds(date) : 0);
const seconds = v1Seconds;

/**
 * The V1 `Payment` object (PaymentAnnotation): snake_case, UNIX seconds with 0 for "not yet".
 * `cancellations` are the payment's cancels as recorded: the final ones make `cancel_history`
 * (a pending refund shows once the PG confirms it).
 */
export function toV1Payment(payment: Payment, cancellations: readonly Cancellation[] = [], cashReceiptIssued = false) {
  const card = payment.card;
  const done = cancellations.filter((c) => c.kind === 'cancel' && c.state === 'done' && c.paymentId === payment.id);
  const history = done.map((c) => ({
    pg_tid: c.pgTid ?? '',
    amount: fromMinorUnits(c.amount, payment.currency),
    cancelled_at: seconds(c.cancelledAt),
    reason: c.reason,
    cancellation_id: c.cancellationId,
    receipt_url: c.receiptUrl,
  }));
  return {
    imp_uid: payment.impUid,
    merchant_uid: payment.merchantUid,
    pay_method: payment.payMethod,
    channel: payment.channel,
    pg_provider: payment.pgProvider,
    emb_pg_provider: payment.embPgProvider,
    pg_tid: payment.pgTid,
    pg_id: payment.pgId,
    escrow: payment.escrow,
    apply_num: card.applyNum,
    bank_code: payment.bank.bankCode,
    bank_name: payment.bank.bankName,
    card_code: card.cardCode,
    card_name: card.cardName,
    card_issuer_code: card.cardIssuerCode,
    card_issuer_name: card.cardIssuerName,
    card_publisher_code: card.cardPublisherCode,
    card_publisher_name: card.cardPublisherName,
    card_quota: card.cardQuota,
    card_number: card.cardNumber,
    card_type: card.cardType,
    vbank_code: payment.vbank?.vbankCode ?? null,
    vbank_name: payment.vbank?.vbankName ?? null,
    vbank_num: payment.vbank?.vbankNum ?? null,
    vbank_holder: payment.vbank?.vbankHolder ?? null,
    vbank_date: seconds(payment.vbank?.vbankDate ?? null),
    vbank_issued_at: seconds(payment.vbank?.vbankIssuedAt ?? null),
    name: payment.name,
    amount: fromMinorUnits(payment.amount, payment.currency),
    cancel_amount: fromMinorUnits(payment.cancelAmount, payment.currency),
    currency: payment.currency,
    buyer_name: payment.buyerName,
    buyer_email: payment.buyerEmail,
    buyer_tel: payment.buyerTel,
    buyer_addr: payment.buyerAddr,
    buyer_postcode: payment.buyerPostcode,
    custom_data: payment.customData,
    user_agent: payment.userAgent,
    status: payment.status,
    started_at: seconds(payment.startedAt),
    paid_at: seconds(payment.paidAt),
    failed_at: seconds(payment.failedAt),
    cancelled_at: seconds(payment.cancelledAt),
    fail_reason: payment.status === 'failed' ? payment.failReason : null,
    cancel_reason: done.at(-1)?.reason ?? null,
    receipt_url: payment.receiptUrl,
    cancel_history: history,
    cancel_receipt_urls: done.flatMap((c) => (c.receiptUrl ? [c.receiptUrl] : [])),
    cash_receipt_issued: cashReceiptIssued,
    customer_uid: payment.customerUid,
    // gyeol's card check (checking_amount) is a `payment` in V1's enum.
    customer_uid_usage: payment.customerUidUsage === 'payment.check' ? 'payment' : payment.customerUidUsage,
    sandbox: payment.sandbox,
  };
}

export type V1Payment = ReturnType<typeof toV1Payment>;

/** The V1 `PaymentPrepare` object: the registered amount and currency (null when none was given). */
export function toV1Prepare(prepared: { merchantUid: string; amount: number; currency: Currency | null }) {
  return {
    merchant_uid: prepared.merchantUid,
    amount: fromMinorUnits(prepared.amount, prepared.currency ?? 'KRW'),
    currency: prepared.currency,
  };
}

/** A payment as the REST answers show it, with its cancels. */
export function toV1PaymentWithCancels(view: { payment: Payment; cancellations: readonly Cancellation[]; cashReceiptIssued?: boolean }) {
  return toV1Payment(view.payment, view.cancellations, view.cashReceiptIssued ?? false);
}

/** V1's paged list (`PagedPaymentAnnotation`): `previous`/`next` page numbers, 0 for none. */
export function toV1PagedPayments(page: { total: number; previous: number; next: number; payments: { payment: Payment; cancellations: readonly Cancellation[]; cashReceiptIssued?: boolean }[] }) {
  return { total: page.total, previous: page.previous, next: page.next, list: page.payments.map(toV1PaymentWithCancels) };
}

/** One V1 `PgSetting` (`GET /users/pg`): a channel of the store; gyeol's channels are all window payments (`payment`). */
export function toV1PgSetting(channel: { pgProvider: string; pgId: string; testMode: boolean; name: string; channelKey: string }) {
  return {
    pg_provider: channel.pgProvider,
    pg_id: channel.pgId,
    sandbox: channel.testMode,
    type: 'payment',
    channel_name: channel.name,
    channel_key: channel.channelKey,
  };
}

/** The V1 `Receipt` (ReceiptAnnotation): UNIX seconds, 0 for "not happened". */
export function toV1Receipt(receipt: Receipt) {
  return {
    imp_uid: receipt.impUid ?? '',
    receipt_tid: receipt.receiptTid,
    apply_num: receipt.applyNum ?? '',
    type: receipt.purpose,
    amount: receipt.amount,
    vat: receipt.vat,
    receipt_url: receipt.receiptUrl,
    applied_at: seconds(receipt.appliedAt),
    cancelled_at: seconds(receipt.cancelledAt),
  };
}

/** The V1 `ExternalReceipt` (ExternalReceiptAnnotation): as a Receipt, keyed by `merchant_uid`. */
export function toV1ExternalReceipt(receipt: Receipt) {
  const { imp_uid: _, ...rest } = toV1Receipt(receipt);
  return { merchant_uid: receipt.merchantUid, ...rest };
}

/** The V1 `Customer` (CustomerAnnotation): a billing key's card and holder, never the key. */
export function toV1Customer(customer: BillingCustomer) {
  const card = customer.card;
  return {
    customer_uid: customer.customerUid,
    pg_provider: customer.pgProvider,
    pg_id: customer.pgId,
    sandbox: customer.sandbox,
    customer_id: customer.customerId,
    card_name: card.cardName,
    card_code: card.cardCode,
    card_issuer_code: card.cardIssuerCode,
    card_issuer_name: card.cardIssuerName,
    card_publisher_code: card.cardPublisherCode,
    card_publisher_name: card.cardPublisherName,
    card_number: card.cardNumber,
    card_type: card.cardType,
    customer_name: customer.customerName,
    customer_tel: customer.customerTel,
    customer_email: customer.customerEmail,
    customer_addr: customer.customerAddr,
    customer_postcode: customer.customerPostcode,
    inserted: seconds(customer.insertedAt),
    updated: seconds(customer.updatedAt),
  };
}

/**
 * The V1 `ScheduleResult` (ScheduleResultAnnotation). `imp_uid`, `pg_*`, `payment_status` and
 * `executed_at` belong to the latest run (null/0 while the schedule waits or was revoked);
 * `payment_status` is the payment's status now (`cancelled` once refunded). A run refused before
 * the PG made no payment: `executed`, `payment_status: "failed"`, its `fail_reason`, no imp_uid.
 */
export function toV1Schedule(view: { schedule: PaymentSchedule; payment: Payment | null }) {
  const { schedule, payment } = view;
  const status = v1ScheduleStatusOf(schedule.status);
  const ran = status === 'executed';
  const run = ran ? payment : null;
  const money = (minor: number) => fromMinorUnits(minor, schedule.currency);
  return {
    customer_uid: schedule.customerUid,
    merchant_uid: schedule.merchantUid,
    imp_uid: ran ? schedule.impUid : null,
    pg_provider: run?.pgProvider ?? null,
    pg_id: run?.pgId ?? null,
    customer_id: schedule.customerId,
    schedule_at: seconds(schedule.scheduleAt),
    executed_at: ran ? seconds(schedule.executedAt) : 0,
    revoked_at: status === 'revoked' ? seconds(schedule.revokedAt) : 0,
    amount: money(schedule.amount),
    currency: schedule.currency,
    name: schedule.name,
    buyer_name: schedule.buyerName,
    buyer_email: schedule.buyerEmail,
    buyer_tel: schedule.buyerTel,
    buyer_addr: schedule.buyerAddr,
    buyer_postcode: schedule.buyerPostcode,
    custom_data: schedule.customData,
    schedule_status: status,
    payment_status: ran ? (run?.status ?? 'failed') : null,
    fail_reason: schedule.status === 'failed' ? schedule.failReason : null,
  };
}

export type V1Schedule = ReturnType<typeof toV1Schedule>;

/** A V1 paged schedule list: `{total, previous, next, list}` (what the clients read; the schema says array). */
export function toV1PagedSchedules(page: { total: number; previous: number; next: number; list: { schedule: PaymentSchedule; payment: Payment | null }[] }) {
  return { total: page.total, previous: page.previous, next: page.next, list: page.list.map(toV1Schedule) };
}
