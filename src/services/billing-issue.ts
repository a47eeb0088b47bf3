/**
 * Recording a billing key issued through the PG's billing window (V1 `request_pay` with
 * `customer_uid`, issue 9): the connector has read and verified the window's answer; here the
 * answer is checked against the payment it claims to be about, and then — in one transaction —
 * the payment becomes `paid` (amount 0, `customer_uid_usage: "issue"`, through the domain state
 * machine) and the customer is saved with the key sealed at rest. Reusing a `customer_uid`
 * replaces its card. The key is never logged; only the masked card number is kept.
 */
import type { BillingKeyIssueReturn } from '../connectors/contract';
import type { BillingCustomer } from '../domain/billing';
import { AppError, type ErrorCode } from '../domain/errors';
import { EMPTY_CARD, type CardDetails, type Payment } from '../domain/payment';
import { decide } from '../domain/payment-transitions';
import type { AttemptError } from './approvals';
import type { ResolvedChannel } from './channels';
import type { ServiceDeps } from './deps';

export type IssuedKey = Extract<BillingKeyIssueReturn, { kind: 'issued' }>;

/** What recording an issued key came to. */
export type IssueRecordOutcome =
  /** The payment is paid and the customer saved (or its card replaced). */
  | { kind: 'issued'; payment: Payment }
  /**
   * Not this payment's key (another order, buyer or merchant id, or a Tid already recorded):
   * nothing is stored; the attempt should fail with `error`.
   */
  | { kind: 'mismatch'; error: AttemptError; reason: string }
  /** Another payment of the same merchant_uid holds the order: nothing is stored. */
  | { kind: 'not-claimed'; error: AttemptError }
  /** The payment left `ready` meanwhile (a concurrent return): nothing is stored; it is as it is now. */
  | { kind: 'moved'; payment: Payment };

/** The error of an issue answer that is not about this payment. */
export const ISSUE_MISMATCH: AttemptError = {
  code: 'PG_APPROVAL_MISMATCH',
  message: '카드 등록창에 이 주문이 아닌 다른 발급 결과가 전달되어 카드를 등록하지 않았습니다.',
};

const errorOf = (code: ErrorCode): AttemptError => ({ code, message: new AppError(code).message });

export class BillingKeyIssues {
  constructor(private readonly deps: Pick<ServiceDeps, 'store' | 'clock' | 'secretBox' | 'logger'>) {}

  /**
   * Records a key the connector read from the billing window of `payment` (a `ready` payment with
   * `customer_uid_usage: "issue"`). Never marks anything paid unless the answer is about this
   * payment's order (the PG's order id and merchant id), buyer (`customer_id`) and a Tid no other
   * payment has.
   */
  async record(payment: Payment, resolved: ResolvedChannel, issued: IssuedKey): Promise<IssueRecordOutcome> {
    const { store, clock, logger } = this.deps;
    if (payment.customerUid === null || payment.customerUidUsage !== 'issue') {
      throw new Error(`payment ${payment.impUid} is not a billing key issue`);
    }
    const orderId = resolved.connector.pgOrderId?.(payment.merchantUid) ?? payment.merchantUid;
    const expectedCustomer = payment.passThrough.customerId ?? '';
    const mismatch = (reason: string): IssueRecordOutcome => {
      logger.warn({ impUid: payment.impUid, pgTid: issued.pgTid, reason }, 'billing key issue refused: not this payment\'s');
      return { kind: 'mismatch', error: ISSUE_MISMATCH, reason };
    };
    if (issued.order.merchantUid !== orderId) return mismatch(`issued for order ${issued.order.merchantUid}, not ${orderId}`);
    if (issued.order.pgId !== payment.pgId) return mismatch(`issued for merchant id ${issued.order.pgId}, not ${payment.pgId}`);
    if (issued.customerId !== expectedCustomer) return mismatch(`issued for customer_id ${issued.customerId}, not ${expectedCustomer}`);
    const seen = await store.payments.findByPgTid(payment.storeId, payment.pgProvider, issued.pgTid);
    if (seen && seen.id !== payment.id) return mismatch(`Tid ${issued.pgTid} already belongs to ${seen.impUid}`);

    const now = clock.now();
    const card: CardDetails = {
      ...EMPTY_CARD,
      cardCode: issued.card.cardCode,
      cardName: issued.card.cardName,
      cardIssuerCode: issued.card.cardCode,
      cardIssuerName: issued.card.cardName,
      cardNumber: issued.card.cardNumber,
      cardType: issued.card.cardType,
    };
    const decision = decide(payment, { type: 'billing-key-issued', pgTid: issued.pgTid, issuedAt: now, details: { method: 'card', card }, at: now });
    if (!decision.ok) return { kind: 'moved', payment: await this.reload(payment) };
    const customer: BillingCustomer = {
      storeId: payment.storeId,
      customerUid: payment.customerUid,
      channelId: payment.channelId,
      pgProvider: payment.pgProvider,
      pgId: payment.pgId,
      sandbox: payment.sandbox,
      billingKeySealed: this.deps.secretBox.seal(issued.billingKey),
      customerId: issued.customerId === '' ? null : issued.customerId,
      card: {
        cardCode: card.cardCode,
        cardName: card.cardName,
        cardIssuerCode: card.cardIssuerCode,
        cardIssuerName: card.cardIssuerName,
        cardPublisherCode: card.cardPublisherCode,
        cardPublisherName: card.cardPublisherName,
        cardNumber: card.cardNumber,
        cardType: card.cardType,
      },
      // V1: a customer's customer_* are the issue request's buyer_*.
      customerName: payment.buyerName,
      customerTel: payment.buyerTel,
      customerEmail: payment.buyerEmail,
      customerAddr: payment.buyerAddr,
      customerPostcode: payment.buyerPostcode,
      insertedAt: now,
      updatedAt: now,
    };
    // The payment's change and the customer (new, or its card replaced) commit together.
    const applied = await store.transaction(async (repos) => {
      const result = await repos.payments.apply(payment.storeId, payment.id, decision);
      if (result.ok) await repos.billingCustomers.save(customer);
      return result;
    });
    if (!applied.ok) {
      if (applied.reason === 'claim') {
        const holder = await store.payments.findClaim(payment.storeId, payment.merchantUid);
        return { kind: 'not-claimed', error: errorOf(holder?.status === 'paid' ? 'MERCHANT_UID_ALREADY_PAID' : 'PAYMENT_IN_PROGRESS') };
      }
      return { kind: 'moved', payment: await this.reload(payment) };
    }
    logger.info({ impUid: payment.impUid, customerUid: payment.customerUid, pgTid: issued.pgTid, card: card.cardNumber }, 'billing key issued and stored');
    return { kind: 'issued', payment: applied.payment };
  }

  private async reload(payment: Payment): Promise<Payment> {
    const fresh = await this.deps.store.payments.findById(payment.storeId, payment.id);
    if (!fresh) throw new Error(`payment ${payment.impUid} vanished`);
    return fresh;
  }
}
