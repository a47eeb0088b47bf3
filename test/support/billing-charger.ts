/**
 * A stand-in BillingCharger for service and route tests of scheduled payments (the real one,
 * services/billing-charges.ts, charges through the Smartro connector and is exercised end to end
 * in test/integration). It keeps the contract's promises over the real store: a payment
 * (`channel: api`, `customer_uid_usage` from the origin) recorded through the state machine with
 * the merchant_uid claim, a decline as data, refusals as AppErrors that change nothing.
 *
 * The outcome of a charge is chosen by the order: `outcomes.set(merchantUid, …)`, else by the
 * origin's usage (`usageOutcomes.set('payment.check', …)`, for orders the service names itself),
 * else `paid`.
 */
import { AppError, invalidParameter, type FieldViolation } from '../../src/domain/errors';
import { newImpUid } from '../../src/domain/ids';
import { toMinorUnits, type Currency } from '../../src/domain/money';
import { EMPTY_PASS_THROUGH, type Payment } from '../../src/domain/payment';
import { decide, type PaymentEvent } from '../../src/domain/payment-transitions';
import type { BillingChargeOrigin, BillingCharger } from '../../src/services/billing-charges';
import type { Clock } from '../../src/domain/clock';
import type { Store } from '../../src/store/types';

/**
 * `paid`, `declined` (signed decline), `unknown` (the PG's answer lost: the payment stays open),
 * `refused` (an AppError before any payment), `hang` (waits until `release()` before answering paid).
 */
export type FakeOutcome = 'paid' | 'declined' | 'unknown' | 'refused' | 'hang';

export class FakeBillingCharger implements BillingCharger {
  readonly outcomes = new Map<string, FakeOutcome>();
  readonly usageOutcomes = new Map<BillingChargeOrigin['usage'], FakeOutcome>();
  /** Every charge asked, in order: the merchant_uid and the body. */
  readonly charges: { merchantUid: string; body: Record<string, unknown>; origin: BillingChargeOrigin }[] = [];
  readonly checks: Record<string, unknown>[] = [];
  private waiting: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Lets every `hang` charge go on. */
  release(): void {
    for (const go of this.waiting.splice(0)) go();
  }

  async check(storeId: number, body: Record<string, unknown>): Promise<void> {
    this.checks.push(body);
    const violations: FieldViolation[] = [];
    const merchantUid = String(body.merchant_uid ?? '');
    // The Smartro rules a billing charge checks (reference §6): letters and digits, buyer fields.
    if (!/^[A-Za-z0-9]{1,40}$/.test(merchantUid)) violations.push({ field: 'merchant_uid', rule: '영문자와 숫자만 사용할 수 있습니다 (최대 40자)' });
    for (const field of ['name', 'buyer_name', 'buyer_email', 'buyer_tel']) {
      if (typeof body[field] !== 'string' || body[field] === '') violations.push({ field, rule: '필수 입력값입니다' });
    }
    if (violations.length > 0) throw invalidParameter(violations);
    const customer = await this.store.billingCustomers.find(storeId, String(body.customer_uid));
    if (!customer) throw new AppError('CUSTOMER_NOT_FOUND');
    const claim = await this.store.payments.findClaim(storeId, merchantUid);
    if (claim) throw new AppError(claim.status === 'paid' ? 'MERCHANT_UID_ALREADY_PAID' : 'PAYMENT_IN_PROGRESS', { field: 'merchant_uid' });
  }

  async charge(storeId: number, body: Record<string, unknown>, origin: BillingChargeOrigin): Promise<Payment> {
    const merchantUid = String(body.merchant_uid);
    const outcome = this.outcomes.get(merchantUid) ?? this.usageOutcomes.get(origin.usage) ?? 'paid';
    await this.check(storeId, body);
    this.charges.push({ merchantUid, body, origin });
    if (outcome === 'refused') throw new AppError('PG_DECLINED', { message: '카드사 거절(테스트): 빌링키가 유효하지 않습니다' });
    const customer = await this.store.billingCustomers.find(storeId, String(body.customer_uid));
    const currency = (body.currency ?? 'KRW') as Currency;
    const now = this.clock.now();
    const payment = await this.store.payments.insert({
      storeId,
      channelId: customer!.channelId,
      impUid: newImpUid(),
      merchantUid,
      pgProvider: customer!.pgProvider,
      pgId: customer!.pgId,
      payMethod: 'card',
      channel: 'api',
      sandbox: customer!.sandbox,
      escrow: false,
      name: (body.name as string | undefined) ?? null,
      amount: toMinorUnits(Number(body.amount), currency) as number,
      taxFree: null,
      vatAmount: null,
      currency,
      status: 'ready',
      buyerName: (body.buyer_name as string | undefined) ?? null,
      buyerEmail: (body.buyer_email as string | undefined) ?? null,
      buyerTel: (body.buyer_tel as string | undefined) ?? null,
      buyerAddr: (body.buyer_addr as string | undefined) ?? null,
      buyerPostcode: (body.buyer_postcode as string | undefined) ?? null,
      customData: (body.custom_data as string | undefined) ?? null,
      noticeUrl: typeof body.notice_url === 'string' ? JSON.stringify([body.notice_url]) : Array.isArray(body.notice_url) ? JSON.stringify(body.notice_url) : null,
      customerUid: String(body.customer_uid),
      customerUidUsage: origin.usage,
      userAgent: null,
      passThrough: EMPTY_PASS_THROUGH,
      startedAt: now,
    });
    const pgTid = `fake${payment.id}`;
    const requested = await this.step(payment, { type: 'approval-requested', pgTid, pgAuthSealed: 'fake', at: now, reconcileAfter: new Date(now.getTime() + 30_000) });
    if (outcome === 'hang') await new Promise<void>((go) => this.waiting.push(go));
    const at = this.clock.now();
    switch (outcome) {
      case 'paid':
      case 'hang':
        return this.step(requested, {
          type: 'pg-approved',
          pgTid,
          approvedAt: at,
          details: {
            method: 'card',
            card: { cardCode: '361', cardName: 'BC카드', cardIssuerCode: null, cardIssuerName: null, cardPublisherCode: null, cardPublisherName: null, cardNumber: '5239-****-****-9001', cardQuota: 0, cardType: 0, applyNum: '30001234' },
          },
          receiptUrl: null,
          at,
        });
      case 'declined':
        return this.step(requested, { type: 'pg-declined', pgTid, code: '3051', message: '[3051] 한도초과(테스트)', verified: true, at, reconcileAfter: null });
      case 'unknown':
        return this.step(requested, { type: 'pg-outcome-unknown', pgTid, note: 'answer lost (test)', at, reconcileAfter: new Date(at.getTime() + 15_000) });
      default:
        throw new Error(`unexpected outcome ${outcome}`);
    }
  }

  /** How many charges reached the "PG" for an order. */
  chargesOf(merchantUid: string): number {
    return this.charges.filter((c) => c.merchantUid === merchantUid).length;
  }

  private async step(payment: Payment, event: PaymentEvent): Promise<Payment> {
    const decision = decide(payment, event);
    if (!decision.ok) throw new Error(decision.reason);
    const applied = await this.store.payments.apply(payment.storeId, payment.id, decision);
    if (!applied.ok) {
      if (applied.reason !== 'claim') throw new Error(`apply refused: ${applied.reason}`);
      // Another payment of the order holds the claim: this one ends before the PG, as the pipeline ends it.
      const abandoned = decide(payment, { type: 'abandoned', failCode: 'PAYMENT_IN_PROGRESS', failReason: new AppError('PAYMENT_IN_PROGRESS').message, at: this.clock.now() });
      if (abandoned.ok) await this.store.payments.apply(payment.storeId, payment.id, abandoned);
      throw new AppError('PAYMENT_IN_PROGRESS', { field: 'merchant_uid' });
    }
    return applied.payment;
  }
}
