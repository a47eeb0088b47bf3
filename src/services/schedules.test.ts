import { describe, expect, it } from 'vitest';
import { FakeBillingCharger } from '../../test/support/billing-charger';
import { forEachDatabase } from '../../test/support/databases';
import type { BillingCustomer } from '../domain/billing';
import { ManualClock } from '../domain/clock';
import { AppError } from '../domain/errors';
import { decide } from '../domain/payment-transitions';
import { newBillingCustomerInput, seedStore } from '../store/test-fixtures';
import type { Store } from '../store/types';
import type { CancelAnswer, CancelCommand, CancelService } from './cancels';
import type { ServiceDeps } from './deps';
import { CARD_CHECK_NAME, chargeBodyOf, ScheduleService, type ScheduleCommand, type ScheduleItem } from './schedules';

const START = Date.UTC(2026, 10, 26, 3, 0, 0);
const LEASE_MS = 60_000;
const RECHECK_MS = 5_000;
const seconds = (ms: number) => Math.floor(ms / 1000);

function customerOf(storeId: number, channelId: number, customerUid = 'cust01'): BillingCustomer {
  return newBillingCustomerInput(storeId, channelId, {
    customerUid,
    pgId: 'gyeolsim01',
    billingKeySealed: 'sealed',
    customerName: '고객홍길동',
    customerTel: '010-9999-0000',
    customerEmail: 'customer@example.com',
    customerAddr: null,
    customerPostcode: null,
    insertedAt: new Date(START),
    updatedAt: new Date(START),
  });
}

function item(merchantUid: string, atMs: number, overrides: Partial<ScheduleItem> = {}): ScheduleItem {
  return {
    merchantUid,
    scheduleAt: seconds(atMs),
    amount: 9_900,
    name: '정기구독',
    buyerName: '홍길동',
    buyerEmail: 'buyer@example.com',
    buyerTel: '010-1234-5678',
    noticeUrl: 'https://shop.example/hooks/schedule',
    chargeFields: {},
    ...overrides,
  };
}

/**
 * A stand-in canceller for the card check of checking_amount: records each cancel and answers as
 * told (`done`, the PG's answer `unknown`, or `refused`). The real CancelService cancels through
 * Smartro in test/integration/schedules.test.ts.
 */
class FakeCanceller implements Pick<CancelService, 'cancel'> {
  readonly calls: { storeId: number; command: CancelCommand }[] = [];
  outcome: 'done' | 'unknown' | 'refused' = 'done';

  async cancel(storeId: number, command: CancelCommand): Promise<CancelAnswer> {
    this.calls.push({ storeId, command });
    if (this.outcome === 'refused') throw new AppError('CANCEL_REFUSED', { message: 'PG사에서 취소를 거절했습니다. [2002] 취소 불가(테스트)' });
    if (this.outcome === 'unknown') throw new AppError('CANCEL_OUTCOME_UNKNOWN');
    return { payment: {} as CancelAnswer['payment'], cancellations: [], note: null };
  }
}

/** A ScheduleService over a real store with the stand-in charger and a clock the test moves. */
async function setUp(store: Store) {
  const clock = new ManualClock(START);
  const { store: merchant, channel } = await seedStore(store);
  await store.billingCustomers.save(customerOf(merchant.id, channel.id));
  const charger = new FakeBillingCharger(store, clock);
  const deps = { store, clock, logger: { info() {}, warn() {}, error() {} } } as unknown as ServiceDeps;
  const canceller = new FakeCanceller();
  const service = new ScheduleService(deps, charger, { leaseMs: LEASE_MS, openRecheckMs: RECHECK_MS }, canceller);
  const command = (schedules: ScheduleItem[], overrides: Partial<ScheduleCommand> = {}): ScheduleCommand => ({ customerUid: 'cust01', cardDataGiven: false, schedules, ...overrides });
  return { clock, merchant, channel, charger, canceller, service, command, storeId: merchant.id };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

forEachDatabase((db, getStore, { connectAgain }) => {
  describe('POST /subscribe/payments/schedule rules', () => {
    it('stores each schedule as its run will charge it, buyer fields taken from the customer when missing', async () => {
      const { service, command, storeId, clock, charger } = await setUp(getStore());
      const at = START + 60_000;
      const views = await service.schedule(storeId, command([item('sub001', at), item('sub002', at + 1_000, { buyerName: undefined, buyerEmail: undefined, buyerTel: undefined, customData: { plan: 'pro' }, amount: 19_900, taxFree: 900 })], { customerId: 'member77' }));
      expect(views.map((v) => v.payment)).toEqual([null, null]);
      const [first, second] = views.map((v) => v.schedule);
      expect(first).toMatchObject({ merchantUid: 'sub001', customerUid: 'cust01', customerId: 'member77', scheduleAt: new Date(at), amount: 9_900, currency: 'KRW', status: 'scheduled', noticeUrl: 'https://shop.example/hooks/schedule', createdAt: clock.now() });
      expect(second).toMatchObject({ buyerName: '고객홍길동', buyerEmail: 'customer@example.com', buyerTel: '010-9999-0000', customData: '{"plan":"pro"}', amount: 19_900, taxFree: 900 });
      // Checked with exactly the body its run will be charged with.
      expect(charger.checks).toEqual([chargeBodyOf(first!), chargeBodyOf(second!)]);
      expect(chargeBodyOf(second!)).toEqual({
        customer_uid: 'cust01',
        merchant_uid: 'sub002',
        amount: 19_900,
        currency: 'KRW',
        name: '정기구독',
        tax_free: 900,
        buyer_name: '고객홍길동',
        buyer_email: 'customer@example.com',
        buyer_tel: '010-9999-0000',
        custom_data: '{"plan":"pro"}',
        notice_url: 'https://shop.example/hooks/schedule',
      });
      expect(await getStore().schedules.find(storeId, 'sub002')).toEqual(second);
    });

    it('refuses, writing nothing: an unknown customer (code 1), card data (501), a taken or repeated merchant_uid, a past time, a schedule the charge would refuse', async () => {
      const { service, command, storeId } = await setUp(getStore());
      const at = START + 60_000;
      expect(await refusal(service.schedule(storeId, command([item('x1', at)], { customerUid: 'nobody' })))).toMatchObject({ code: 'SCHEDULE_CUSTOMER_NOT_FOUND', status: 200, v1Code: 1, message: '등록된 고객정보가 없습니다.' });
      expect(await refusal(service.schedule(storeId, command([item('x1', at)], { cardDataGiven: true })))).toMatchObject({ code: 'PG_FEATURE_NOT_SUPPORTED', status: 501, v1Code: 1 });
      expect(await refusal(service.schedule(storeId, command([item('x1', at), item('x1', at)])))).toMatchObject({ code: 'INVALID_PARAMETER', field: 'schedules[1].merchant_uid' });
      expect(await refusal(service.schedule(storeId, command([item('x1', START - 1_000)])))).toMatchObject({ code: 'INVALID_PARAMETER', message: 'schedules[0].schedule_at: 현재 시각보다 과거일 수 없습니다' });
      expect(await refusal(service.schedule(storeId, command([item('x1', at, { amount: 10.5 })])))).toMatchObject({ code: 'INVALID_PARAMETER', field: 'schedules[0].amount' });
      // The Smartro rules, from the charge's own check: no special characters, buyer fields required.
      const smartro = await refusal(service.schedule(storeId, command([item('ok1', at), item('bad-uid_2', at)])));
      expect(smartro).toMatchObject({ code: 'INVALID_PARAMETER', field: 'schedules[1].merchant_uid' });
      expect(smartro.message).toContain('schedules[1] merchant_uid: 영문자와 숫자만');
      expect(await getStore().schedules.find(storeId, 'ok1')).toBeNull();

      await service.schedule(storeId, command([item('taken1', at)]));
      expect(await refusal(service.schedule(storeId, command([item('fresh1', at), item('taken1', at)])))).toMatchObject({ code: 'SCHEDULE_ALREADY_EXISTS', status: 200, v1Code: 1, field: 'merchant_uid' });
      expect(await getStore().schedules.find(storeId, 'fresh1')).toBeNull();
    });
  });

  describe('checking_amount (the card check: charged, cancelled at once, then the schedules stored)', () => {
    /** The payments of the store's card checks (gyeol names their orders), oldest first. */
    async function checksOf(storeId: number) {
      const { payments } = await getStore().payments.listByCustomerUid(storeId, 'cust01', { includeSandbox: true }, { sorting: 'started', offset: 0, limit: 100 });
      return payments.filter((p) => p.customerUidUsage === 'payment.check').sort((a, b) => a.id - b.id);
    }

    it('a passing check: every schedule checked first, then one charge of the amount (KRW, payment.check, the first schedule’s buyer, no notice_url) cancelled in full, then the schedules stored', async () => {
      const { service, command, storeId, charger, canceller } = await setUp(getStore());
      const at = START + 60_000;
      const views = await service.schedule(storeId, command([item('chk1', at), item('chk2', at + 1_000, { buyerName: '다른구매자' })], { checkingAmount: 1_000, channelKey: 'channel-key-x' }));
      expect(views.map((v) => v.schedule.merchantUid)).toEqual(['chk1', 'chk2']);
      expect(charger.charges).toHaveLength(1);
      const [check] = charger.charges;
      expect(check!.origin).toEqual({ usage: 'payment.check', buyerIp: null });
      expect(check!.body).toEqual({
        customer_uid: 'cust01',
        merchant_uid: check!.merchantUid,
        amount: 1_000,
        currency: 'KRW',
        name: CARD_CHECK_NAME,
        buyer_name: '홍길동',
        buyer_email: 'buyer@example.com',
        buyer_tel: '010-1234-5678',
        channel_key: 'channel-key-x',
      });
      expect(check!.merchantUid).toMatch(/^[A-Za-z0-9]{1,40}$/);
      // The schedules' checks ran before the check charge (its own check is the third).
      expect(charger.checks.map((b) => b.merchant_uid)).toEqual(['chk1', 'chk2', check!.merchantUid, check!.merchantUid]);
      const [payment] = await checksOf(storeId);
      expect(payment).toMatchObject({ merchantUid: check!.merchantUid, amount: 1_000, currency: 'KRW', customerUidUsage: 'payment.check', noticeUrl: null });
      expect(canceller.calls).toEqual([{ storeId, command: { impUid: payment!.impUid, reason: '유효카드 체크 승인 자동 취소', enableWebhook: false } }]);
      expect(await getStore().schedules.find(storeId, 'chk2')).toMatchObject({ status: 'scheduled' });
    });

    it('0 checks nothing; a bad amount or a schedule that would be refused is refused before any charge', async () => {
      const { service, command, storeId, charger } = await setUp(getStore());
      const at = START + 60_000;
      await service.schedule(storeId, command([item('zero1', at)], { checkingAmount: 0 }));
      expect(await refusal(service.schedule(storeId, command([item('neg1', at)], { checkingAmount: -100 })))).toMatchObject({ code: 'INVALID_PARAMETER', field: 'checking_amount' });
      expect(await refusal(service.schedule(storeId, command([item('dec1', at)], { checkingAmount: 100.5 })))).toMatchObject({ code: 'INVALID_PARAMETER', field: 'checking_amount' });
      expect(await refusal(service.schedule(storeId, command([item('ok1', at), item('bad-uid', at)], { checkingAmount: 1_000 })))).toMatchObject({ code: 'INVALID_PARAMETER', field: 'schedules[1].merchant_uid' });
      expect(await refusal(service.schedule(storeId, command([item('past1', START - 1_000)], { checkingAmount: 1_000 })))).toMatchObject({ code: 'INVALID_PARAMETER', field: 'schedules[0].schedule_at' });
      expect(await refusal(service.schedule(storeId, command([item('zero1', at)], { checkingAmount: 1_000 })))).toMatchObject({ code: 'SCHEDULE_ALREADY_EXISTS' });
      expect(charger.charges).toEqual([]);
      expect(await checksOf(storeId)).toEqual([]);
      for (const uid of ['neg1', 'dec1', 'ok1', 'past1']) expect(await getStore().schedules.find(storeId, uid)).toBeNull();
    });

    it('a declined check refuses the request (code 1, naming checking_amount and the card company’s reason): nothing stored, nothing to cancel', async () => {
      const { service, command, storeId, charger, canceller } = await setUp(getStore());
      charger.usageOutcomes.set('payment.check', 'declined');
      const err = await refusal(service.schedule(storeId, command([item('dec01', START + 60_000)], { checkingAmount: 1_000 })));
      const [payment] = await checksOf(storeId);
      expect(payment).toMatchObject({ status: 'failed', failReason: '[3051] 한도초과(테스트)' });
      expect(err).toMatchObject({ code: 'SCHEDULE_CARD_CHECK_DECLINED', status: 200, v1Code: 1, field: 'checking_amount' });
      expect(err.message).toBe(`checking_amount: 유효카드 체크 승인이 거절되어 결제예약을 저장하지 않았습니다. (imp_uid: ${payment!.impUid}) [3051] 한도초과(테스트)`);
      expect(canceller.calls).toEqual([]);
      expect(await getStore().schedules.find(storeId, 'dec01')).toBeNull();
    });

    it('an unknown PG outcome refuses with 504 naming the check’s imp_uid: nothing stored (the reconciler settles the check)', async () => {
      const { service, command, storeId, charger, canceller } = await setUp(getStore());
      charger.usageOutcomes.set('payment.check', 'unknown');
      const err = await refusal(service.schedule(storeId, command([item('unk01', START + 60_000)], { checkingAmount: 1_000 })));
      const [payment] = await checksOf(storeId);
      expect(payment).toMatchObject({ status: 'ready', approvalState: 'unknown' });
      expect(err).toMatchObject({ code: 'PG_TIMEOUT', status: 504, v1Code: -1, field: 'checking_amount' });
      expect(err.message).toContain(`imp_uid: ${payment!.impUid}`);
      expect(canceller.calls).toEqual([]);
      expect(await getStore().schedules.find(storeId, 'unk01')).toBeNull();
    });

    it('the cancel: an open outcome still stores the schedules (the cancel reconciler re-sends it); a refused one stores nothing and names the imp_uid to cancel', async () => {
      const { service, command, storeId, canceller } = await setUp(getStore());
      const at = START + 60_000;
      canceller.outcome = 'unknown';
      await service.schedule(storeId, command([item('open01', at)], { checkingAmount: 1_000 }));
      expect(await getStore().schedules.find(storeId, 'open01')).toMatchObject({ status: 'scheduled' });

      canceller.outcome = 'refused';
      const err = await refusal(service.schedule(storeId, command([item('ref01', at)], { checkingAmount: 1_000 })));
      const checks = await checksOf(storeId);
      expect(checks).toHaveLength(2);
      expect(err).toMatchObject({ code: 'CANCEL_REFUSED', status: 200, v1Code: 1, field: 'checking_amount' });
      expect(err.message).toContain(`imp_uid: ${checks[1]!.impUid}`);
      expect(err.message).toContain('[2002] 취소 불가(테스트)');
      expect(await getStore().schedules.find(storeId, 'ref01')).toBeNull();
      expect(canceller.calls.map((c) => c.command.impUid)).toEqual(checks.map((p) => p.impUid));
    });
  });

  describe('the runs', () => {
    it('three schedules, one revoked, the clock moved: the two run once each, paid, as payment.scheduled charges to the schedule’s notice_url', async () => {
      const { service, command, storeId, clock, charger } = await setUp(getStore());
      const at = START + 60_000;
      await service.schedule(storeId, command([item('run1', at), item('run2', at + 1_000), item('run3', at + 2_000)]));
      const [revoked] = await service.unschedule(storeId, { merchantUids: ['run2'] });
      expect(revoked!.schedule).toMatchObject({ merchantUid: 'run2', status: 'revoked', revokedAt: clock.now() });

      expect(await service.runDue(10)).toEqual({ taken: 0, executed: 0, failed: 0, open: 0 });
      clock.set(at + 2_000);
      expect(await service.runDue(10)).toEqual({ taken: 2, executed: 2, failed: 0, open: 0 });
      clock.advance(10 * LEASE_MS);
      expect(await service.runDue(10)).toEqual({ taken: 0, executed: 0, failed: 0, open: 0 });

      // A pass runs its schedules side by side: the charges may reach the PG in either order.
      expect(charger.charges.map((c) => c.merchantUid).sort()).toEqual(['run1', 'run3']);
      expect(charger.charges.every((c) => c.origin.usage === 'payment.scheduled' && c.origin.buyerIp === null)).toBe(true);
      expect(charger.charges.find((c) => c.merchantUid === 'run1')!.body).toMatchObject({ merchant_uid: 'run1', customer_uid: 'cust01', amount: 9_900, notice_url: 'https://shop.example/hooks/schedule' });
      for (const merchantUid of ['run1', 'run3']) {
        const view = await service.get(storeId, merchantUid);
        expect(view.schedule).toMatchObject({ status: 'executed', impUid: view.payment!.impUid, paymentId: view.payment!.id, failReason: null, leaseToken: null });
        expect(view.payment).toMatchObject({ status: 'paid', merchantUid, customerUid: 'cust01', customerUidUsage: 'payment.scheduled', noticeUrl: '["https://shop.example/hooks/schedule"]' });
        expect(view.schedule.executedAt).toEqual(view.payment!.paidAt);
      }
      expect((await service.get(storeId, 'run2')).schedule.status).toBe('revoked');
      expect(charger.chargesOf('run2')).toBe(0);
    });

    it('a decline ends the run failed with the fail_reason; a refusal before the PG ends it failed without a payment', async () => {
      const { service, command, storeId, clock, charger } = await setUp(getStore());
      const at = START + 60_000;
      charger.outcomes.set('decl1', 'declined');
      charger.outcomes.set('refu1', 'refused');
      await service.schedule(storeId, command([item('decl1', at), item('refu1', at)]));
      clock.set(at);
      expect(await service.runDue(10)).toEqual({ taken: 2, executed: 0, failed: 2, open: 0 });
      const declined = await service.get(storeId, 'decl1');
      expect(declined.schedule).toMatchObject({ status: 'failed', failReason: '[3051] 한도초과(테스트)', impUid: declined.payment!.impUid });
      expect(declined.payment).toMatchObject({ status: 'failed', failReason: '[3051] 한도초과(테스트)' });
      const refused = await service.get(storeId, 'refu1');
      expect(refused).toEqual({ schedule: expect.objectContaining({ status: 'failed', impUid: null, paymentId: null, failReason: '카드사 거절(테스트): 빌링키가 유효하지 않습니다', executedAt: new Date(at) }), payment: null });
    });

    it('a run whose PG answer is lost stays running with its payment and is recorded once the payment settles, never charged again', async () => {
      const store = getStore();
      const { service, command, storeId, clock, charger } = await setUp(store);
      const at = START + 60_000;
      charger.outcomes.set('lost1', 'unknown');
      await service.schedule(storeId, command([item('lost1', at)]));
      clock.set(at);
      expect(await service.runDue(10)).toEqual({ taken: 1, executed: 0, failed: 0, open: 1 });
      const open = await service.get(storeId, 'lost1');
      expect(open.schedule).toMatchObject({ status: 'running', impUid: open.payment!.impUid, leaseUntil: new Date(at + RECHECK_MS) });
      expect(open.payment).toMatchObject({ status: 'ready', approvalState: 'unknown' });
      // Still open at the recheck: looked at, nothing charged.
      clock.advance(RECHECK_MS + 1);
      expect(await service.runDue(10)).toEqual({ taken: 1, executed: 0, failed: 0, open: 1 });
      // The reconciler learns it was approved.
      const decision = decide(open.payment!, { type: 'pg-approved', pgTid: open.payment!.pgTid!, approvedAt: clock.now(), details: { method: 'card', card: open.payment!.card }, receiptUrl: null, at: clock.now() });
      if (!decision.ok) throw new Error(decision.reason);
      expect((await store.payments.apply(storeId, open.payment!.id, decision)).ok).toBe(true);
      clock.advance(RECHECK_MS + 1);
      expect(await service.runDue(10)).toEqual({ taken: 1, executed: 1, failed: 0, open: 0 });
      expect((await service.get(storeId, 'lost1')).schedule).toMatchObject({ status: 'executed', impUid: open.payment!.impUid });
      expect(charger.chargesOf('lost1')).toBe(1);
    });

    it('a scheduler that dies after taking a run: the run is taken over after the lease and charged once', async () => {
      const store = getStore();
      const { service, command, storeId, clock, charger } = await setUp(store);
      const at = START + 60_000;
      await service.schedule(storeId, command([item('dead1', at)]));
      clock.set(at);
      // The dead scheduler's take (then nothing: killed before charging).
      expect(await store.schedules.takeDue(clock.now(), 10, { token: 'dead', until: new Date(at + LEASE_MS) })).toHaveLength(1);
      expect(await service.runDue(10)).toEqual({ taken: 0, executed: 0, failed: 0, open: 0 });
      clock.set(at + LEASE_MS + 1);
      expect(await service.runDue(10)).toEqual({ taken: 1, executed: 1, failed: 0, open: 0 });
      expect(charger.chargesOf('dead1')).toBe(1);
    });

    it('a scheduler that dies after charging, before recording: the run taken over records that payment and charges nothing', async () => {
      const store = getStore();
      const { service, command, storeId, clock, charger } = await setUp(store);
      const at = START + 60_000;
      const [view] = await service.schedule(storeId, command([item('dead2', at)]));
      clock.set(at);
      const [taken] = await store.schedules.takeDue(clock.now(), 10, { token: 'dead', until: new Date(at + LEASE_MS) });
      // What the dead scheduler did: the charge (paid at the PG), then it was killed.
      const paid = await charger.charge(storeId, chargeBodyOf(taken!), { usage: 'payment.scheduled', buyerIp: null });
      expect(paid.status).toBe('paid');
      clock.set(at + LEASE_MS + 1);
      expect(await service.runDue(10)).toEqual({ taken: 1, executed: 1, failed: 0, open: 0 });
      expect(charger.chargesOf('dead2')).toBe(1);
      expect((await service.get(storeId, 'dead2')).schedule).toMatchObject({ id: view!.schedule.id, status: 'executed', impUid: paid.impUid, paymentId: paid.id });
    });

    it('a declined run retried: charged again once, answered with the new payment; the earlier failed payment is not taken for this run', async () => {
      const { service, command, storeId, clock, charger } = await setUp(getStore());
      const at = START + 60_000;
      charger.outcomes.set('again1', 'declined');
      await service.schedule(storeId, command([item('again1', at)]));
      clock.set(at);
      await service.runDue(10);
      const failed = await service.get(storeId, 'again1');
      charger.outcomes.set('again1', 'paid');
      clock.advance(1_000);
      const payment = await service.retry(storeId, 'again1');
      expect(payment).toMatchObject({ status: 'paid', merchantUid: 'again1', customerUidUsage: 'payment.scheduled' });
      expect(payment.impUid).not.toBe(failed.payment!.impUid);
      expect((await service.get(storeId, 'again1')).schedule).toMatchObject({ status: 'executed', impUid: payment.impUid, failReason: null });
      expect(charger.chargesOf('again1')).toBe(2);
      // Paid: no retry, no reschedule, no time change.
      expect(await refusal(service.retry(storeId, 'again1'))).toMatchObject({ code: 'SCHEDULE_NOT_RERUNNABLE', status: 400 });
      expect(await refusal(service.reschedule(storeId, 'again1', seconds(clock.now().getTime()) + 60))).toMatchObject({ code: 'SCHEDULE_NOT_RERUNNABLE' });
      expect(await refusal(service.update(storeId, 'again1', seconds(clock.now().getTime()) + 60))).toMatchObject({ code: 'SCHEDULE_NOT_MODIFIABLE', status: 400 });
      expect(await refusal(service.retry(storeId, 'missing'))).toMatchObject({ code: 'SCHEDULE_NOT_FOUND', status: 404 });
    });

    it('a retry refused before the PG (the billing key is gone) changes nothing and answers the refusal', async () => {
      const store = getStore();
      const { service, command, storeId, clock, charger } = await setUp(store);
      const at = START + 60_000;
      await service.schedule(storeId, command([item('gone1', at)]));
      const [revoked] = await service.unschedule(storeId, { customerUid: 'cust01' });
      await store.billingCustomers.delete(storeId, 'cust01');
      clock.advance(1_000);
      expect(await refusal(service.retry(storeId, 'gone1'))).toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
      expect((await store.schedules.find(storeId, 'gone1'))).toEqual({ ...revoked!.schedule, runAfterPaymentId: 0, updatedAt: clock.now() });
      expect(await refusal(service.reschedule(storeId, 'gone1', seconds(clock.now().getTime()) + 60))).toMatchObject({ code: 'SCHEDULE_CUSTOMER_NOT_FOUND' });
      expect(charger.chargesOf('gone1')).toBe(0);
    });

    it('moves a waiting schedule, reschedules a failed or revoked one, and refuses a past time', async () => {
      const { service, command, storeId, clock } = await setUp(getStore());
      const at = START + 60_000;
      await service.schedule(storeId, command([item('mv1', at), item('mv2', at)]));
      const moved = await service.update(storeId, 'mv1', seconds(at) + 3_600);
      expect(moved.schedule).toMatchObject({ status: 'scheduled', scheduleAt: new Date(at + 3_600_000) });
      expect(await refusal(service.update(storeId, 'mv1', seconds(START) - 1))).toMatchObject({ code: 'INVALID_PARAMETER', field: 'schedule_at' });
      expect(await refusal(service.update(storeId, 'missing', seconds(at)))).toMatchObject({ code: 'SCHEDULE_NOT_FOUND' });
      expect(await refusal(service.reschedule(storeId, 'mv2', seconds(at)))).toMatchObject({ code: 'SCHEDULE_NOT_RERUNNABLE' });
      await service.unschedule(storeId, { merchantUids: ['mv2'] });
      expect(await refusal(service.update(storeId, 'mv2', seconds(at)))).toMatchObject({ code: 'SCHEDULE_NOT_MODIFIABLE' });
      expect(await refusal(service.reschedule(storeId, 'mv2', seconds(START) - 1))).toMatchObject({ code: 'INVALID_PARAMETER' });
      const again = await service.reschedule(storeId, 'mv2', seconds(at) + 60);
      expect(again.schedule).toMatchObject({ status: 'scheduled', scheduleAt: new Date(at + 60_000), revokedAt: null });
      clock.set(at + 60_000);
      expect(await service.runDue(10)).toMatchObject({ taken: 1, executed: 1 });
      expect((await service.get(storeId, 'mv2')).schedule.status).toBe('executed');
    });

    it('unschedule: nothing to revoke answers code 1; neither customer_uid nor merchant_uid is a 400', async () => {
      const { service, command, storeId } = await setUp(getStore());
      await service.schedule(storeId, command([item('un1', START + 60_000)]));
      expect(await refusal(service.unschedule(storeId, { customerUid: 'cust01', merchantUids: ['other'] }))).toMatchObject({ code: 'UNSCHEDULE_NOT_FOUND', status: 200, v1Code: 1, message: '취소할 예약결제 기록이 존재하지 않습니다.' });
      expect(await refusal(service.unschedule(storeId, {}))).toMatchObject({ code: 'INVALID_PARAMETER', status: 400 });
      expect((await service.unschedule(storeId, { customerUid: 'cust01' })).map((v) => v.schedule.merchantUid)).toEqual(['un1']);
      expect(await refusal(service.unschedule(storeId, { customerUid: 'cust01' }))).toMatchObject({ code: 'UNSCHEDULE_NOT_FOUND' });
    });
  });

  it.runIf(db === 'postgres')('two schedulers on two pools racing over the same due schedules: each charged exactly once', async () => {
    const store = getStore();
    const other = await connectAgain();
    const { service, command, storeId, clock } = await setUp(store);
    const at = START + 60_000;
    const count = 30;
    await service.schedule(storeId, command(Array.from({ length: count }, (_, i) => item(`race${i}`, at + i))));
    clock.set(at + count);
    // A second instance: its own pool, its own service, the same "PG".
    const deps = { store: other, clock, logger: { info() {}, warn() {}, error() {} } } as unknown as ServiceDeps;
    const chargerB = new FakeBillingCharger(other, clock);
    const b = new ScheduleService(deps, chargerB, { leaseMs: LEASE_MS, openRecheckMs: RECHECK_MS }, new FakeCanceller());
    const passes = async (s: ScheduleService) => {
      let executed = 0;
      for (let round = 0; round < 20; round++) executed += (await s.runDue(3)).executed;
      return executed;
    };
    const [byA, byB] = await Promise.all([passes(service), passes(b)]);
    expect(byA + byB).toBe(count);
    // Every order has exactly one payment, paid.
    for (let i = 0; i < count; i++) {
      const { payments } = await store.payments.listByMerchantUid(storeId, `race${i}`, { includeSandbox: true }, { sorting: '-started', offset: 0, limit: 10 });
      expect(payments.map((p) => p.status)).toEqual(['paid']);
    }
  });
});
